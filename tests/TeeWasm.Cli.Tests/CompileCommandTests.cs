using TeeWasm.Tests.Shared;

namespace TeeWasm.Cli.Tests;

/// <summary><c>tee-wasm compile</c>, <c>run --allow-precompiled</c> and <c>tee-wasm cache list|clear</c>, in process.</summary>
public sealed class CompileCommandTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = TeeWasmCli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void CompiledModuleRunsOnlyWithAllowPrecompiled()
    {
        string wat = GuestModules.WriteTemp(GuestModules.ProcExit42, _dir);
        var (code, stdout, stderr) = Cli("compile", wat);
        Assert.True(code == 0, stderr);
        string cwasm = Path.ChangeExtension(wat, ".cwasm");
        Assert.StartsWith($"compiled '{wat}' to '{cwasm}' (", stdout);
        Assert.True(File.Exists(cwasm));

        Assert.Equal(42, Cli("run", "--tee", "none", "--allow-precompiled", cwasm).Code);
        (code, _, stderr) = Cli("run", "--tee", "none", cwasm);
        Assert.Equal(TeeWasmCli.UsageError, code);
        Assert.Equal($"error: '{cwasm}' is a precompiled module: run it with --allow-precompiled (only for files you compiled or trust; its code is not validated again)\n", stderr);
    }

    [Fact]
    public void FuelMismatchIsOneClearLine()
    {
        string wat = GuestModules.WriteTemp(GuestModules.ProcExit42, _dir);
        string cwasm = _dir.File("out.cwasm");
        Assert.Equal(0, Cli("compile", wat, "-o", cwasm).Code);
        var (code, _, stderr) = Cli("run", "--tee", "none", "--allow-precompiled", "--fuel", "100000", cwasm);
        Assert.Equal(TeeWasmCli.HostError, code);
        Assert.StartsWith($"error: '{cwasm}' refused: it was compiled for wasmtime ", stderr);
        Assert.EndsWith("fuel=1; recompile it with `tee-wasm compile --fuel`\n", stderr);

        Assert.Equal(0, Cli("compile", "--fuel", wat, "-o", cwasm).Code);
        Assert.Equal(42, Cli("run", "--tee", "none", "--allow-precompiled", "--fuel", "100000", cwasm).Code);
    }

    [Fact]
    public void BadInputIsOneLine()
    {
        var (code, _, stderr) = Cli("compile", _dir.File("missing.wasm"));
        Assert.Equal(TeeWasmCli.UsageError, code);
        Assert.Equal($"error: module file '{_dir.File("missing.wasm")}' not found (usage: tee-wasm help compile)\n", stderr);

        string wat = GuestModules.WriteTemp(GuestModules.ProcExit42, _dir);
        (code, _, stderr) = Cli("compile", wat, "-o", wat);
        Assert.Equal(TeeWasmCli.UsageError, code);
        Assert.Equal($"error: --output '{wat}' would overwrite the module itself\n", stderr);
    }

    [Fact]
    public void CacheListAndClear()
    {
        string cache = _dir.File("cache");
        string wasm = _dir.File("guest.wasm");
        File.WriteAllBytes(wasm, [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
            0x07, 0x0a, 0x01, 0x06, (byte)'_', (byte)'s', (byte)'t', (byte)'a', (byte)'r', (byte)'t', 0x00, 0x00, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b]);
        Assert.Equal(0, Cli("run", "--tee", "none", "--cache-dir", cache, wasm).Code);

        var (code, stdout, _) = Cli("cache", "list", "--cache-dir", cache);
        Assert.Equal(0, code);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"{cache}: 1 module(s), ", lines[0]);
        Assert.Contains("of at most 1024 MiB", lines[0]);
        Assert.Contains("; epoch=1; fuel=0", lines[1]);

        (code, stdout, _) = Cli("cache", "clear", "--cache-dir", cache);
        Assert.Equal(0, code);
        Assert.StartsWith($"{cache}: removed 1 module(s), ", stdout);
        Assert.StartsWith($"{cache}: 0 module(s), 0 B", Cli("cache", "list", "--cache-dir", cache).Out);
    }
}
