using System.Security.Cryptography;
using TeeWasm.Runtime.Hosting;
using TeeWasm.Runtime.Modules;
using TeeWasm.Tests.Shared;
using Wasmtime;

namespace TeeWasm.Runtime.Tests.Modules;

/// <summary>Precompiled modules (<c>tee-wasm compile</c>): the file format, and what <c>run</c> accepts and refuses.</summary>
public sealed class PrecompiledModuleTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Compile(string wat, bool fuel = false)
    {
        string source = GuestModules.WriteTemp(wat, _dir, "guest.wat");
        string output = _dir.File(fuel ? "guest-fuel.cwasm" : "guest.cwasm");
        ModuleLoader.Compile(source, output, new EngineSettings { Fuel = fuel });
        return output;
    }

    private RunResult Run(string module, bool allowPrecompiled = true, ulong? fuel = null) => WasmRunner.Run(module, new RunOptions
    {
        CacheDirectory = null,
        AllowPrecompiled = allowPrecompiled,
        Fuel = fuel,
        StdoutPath = _dir.File("stdout.txt"),
        StderrPath = _dir.File("stderr.txt"),
        Logger = null,
    });

    [Fact]
    public void CompiledModuleRunsAndCarriesTheSourceHash()
    {
        string cwasm = Compile(GuestModules.ProcExit42);
        Assert.Equal(42, Run(cwasm).ExitCode);

        Assert.True(PrecompiledModule.TryRead(File.ReadAllBytes(cwasm), out var m, out _));
        Assert.Equal(SHA256.HashData(File.ReadAllBytes(_dir.File("guest.wat"))), m!.ModuleHash);
        Assert.Equal(new EngineSettings().EngineId, m.EngineId);

        var settings = new EngineSettings();
        using var config = settings.CreateConfig();
        using var engine = new Engine(config);
        var loaded = ModuleLoader.Load(engine, settings, cwasm, File.ReadAllBytes(cwasm), allowPrecompiled: true);
        using (loaded.Module) Assert.Equal(m.ModuleHash, loaded.ModuleHash); // attestation binds the source module's hash
    }

    [Fact]
    public void WithoutAllowPrecompiledItIsRefused()
    {
        string cwasm = Compile(GuestModules.ProcExit42);
        var e = Assert.Throws<ModuleFileException>(() => Run(cwasm, allowPrecompiled: false));
        Assert.Equal($"'{cwasm}' is a precompiled module: run it with --allow-precompiled (only for files you compiled or trust; its code is not validated again)", e.Message);
    }

    [Fact]
    public void OtherEngineSettingsAreRefusedWithAClearMessage()
    {
        string plain = Compile(GuestModules.ProcExit42);
        var e = Assert.Throws<WasmRuntimeException>(() => Run(plain, fuel: 1_000_000));
        string v = EngineSettings.WasmtimeVersion;
        Assert.Equal($"'{plain}' refused: it was compiled for wasmtime {v}; epoch=1; fuel=0, this run needs wasmtime {v}; epoch=1; fuel=1; recompile it with `tee-wasm compile --fuel`", e.Message);

        string fuel = Compile(GuestModules.ProcExit42, fuel: true);
        Assert.Equal(42, Run(fuel, fuel: 1_000_000).ExitCode);
        Assert.Contains("it was compiled for wasmtime " + v + "; epoch=1; fuel=1, this run needs", Assert.Throws<WasmRuntimeException>(() => Run(fuel)).Message);
    }

    [Fact]
    public void AnotherWasmtimeVersionIsRefusedWithAClearMessage()
    {
        string cwasm = Compile(GuestModules.ProcExit42);
        Assert.True(PrecompiledModule.TryRead(File.ReadAllBytes(cwasm), out var m, out _));
        string other = _dir.File("other.cwasm");
        File.WriteAllBytes(other, PrecompiledModule.Create(m!.ModuleHash, "wasmtime 49.0.0; epoch=1; fuel=0", m.Artifact.Span));

        var e = Assert.Throws<WasmRuntimeException>(() => Run(other));
        Assert.StartsWith($"'{other}' refused: it was compiled for wasmtime 49.0.0; epoch=1; fuel=0, this run needs wasmtime {EngineSettings.WasmtimeVersion}", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void AFlippedByteIsRefused()
    {
        string cwasm = Compile(GuestModules.ProcExit42);
        byte[] bytes = File.ReadAllBytes(cwasm);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(cwasm, bytes);

        var e = Assert.Throws<WasmRuntimeException>(() => Run(cwasm));
        Assert.Equal($"'{cwasm}' refused: its digest does not match its contents (the file is damaged)", e.Message);
    }

    [Fact]
    public void EveryHeaderByteAndASampleOfCodeBytesAreCovered()
    {
        byte[] file = File.ReadAllBytes(Compile(GuestModules.ProcExit42));
        Assert.True(PrecompiledModule.TryRead(file, out _, out _));
        int headerEnd = 74 + new EngineSettings().EngineId.Length;
        var positions = Enumerable.Range(0, headerEnd).Concat(Enumerable.Range(0, (file.Length - headerEnd) / 97).Select(i => headerEnd + i * 97)).Append(file.Length - 1);
        foreach (int i in positions)
        {
            byte[] flipped = (byte[])file.Clone();
            flipped[i] ^= 0x01;
            Assert.False(PrecompiledModule.TryRead(flipped, out _, out string? error), $"byte {i}");
            Assert.Equal(i < 8 ? "it is not a tee-wasm precompiled module (no TWCWASM header)" : "its digest does not match its contents (the file is damaged)", error);
        }
    }

    [Fact]
    public void TruncatedAndForeignFilesAreRefused()
    {
        byte[] file = File.ReadAllBytes(Compile(GuestModules.ProcExit42));
        Assert.False(PrecompiledModule.TryRead(file.AsMemory(0, 20), out _, out string? error));
        Assert.Equal("it is truncated (20 bytes, shorter than the header)", error);
        Assert.False(PrecompiledModule.TryRead(file.AsMemory(0, file.Length - 1), out _, out error));
        Assert.Equal("its digest does not match its contents (the file is damaged)", error);

        string elf = _dir.File("wasmtime.cwasm");
        File.WriteAllBytes(elf, [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0]);
        Assert.StartsWith($"'{elf}' is native code (an ELF file", Assert.Throws<ModuleFileException>(() => Run(elf)).Message);
    }

    [Fact]
    public void CompilingAPrecompiledModuleIsRefused()
    {
        string cwasm = Compile(GuestModules.ProcExit42);
        var e = Assert.Throws<ModuleFileException>(() => ModuleLoader.Compile(cwasm, _dir.File("again.cwasm"), new EngineSettings()));
        Assert.Equal($"'{cwasm}' is already a precompiled module; compile its .wasm instead", e.Message);
    }
}
