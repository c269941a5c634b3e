using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TeeWasm.Attestation;
using TeeWasm.Runtime.Hosting;
using TeeWasm.Runtime.Tests.Interfaces.Attestation;
using TeeWasm.Tests.Shared;
using Wasmtime;

namespace TeeWasm.Runtime.Tests.Hosting;

/// <summary>
/// guests/wat/compat_no_realloc.wat (built by scripts/build-guests.sh): a first-era guest with the original's five
/// imports and no cabi_realloc, which fills its whole memory (1 MiB) with canaries and checks them after every host call.
/// </summary>
public sealed class FirstEraGuestTests : IDisposable
{
    private const string GuestFile = "compat_no_realloc.wasm";
    private readonly TempDir _dir = new();
    private readonly List<string> _log = [];

    public void Dispose() => _dir.Dispose();

    private static string Artifact()
    {
        string path = Path.Combine(RepoPaths.Root, "artifacts", "guests", GuestFile);
        Assert.True(File.Exists(path), $"{path} is missing: run scripts/build-guests.sh (the test script does) before the tests");
        return path;
    }

    private (RunResult Result, string[] Lines) Run(AttestationMode mode, long? maxMemory = null)
    {
        var result = WasmRunner.Run(Artifact(), new RunOptions
        {
            CacheDirectory = null,
            StdoutPath = _dir.File("out.txt"),
            StderrPath = _dir.File("err.txt"),
            Logger = new LineLogger(_log.Add),
            MaxMemoryBytes = maxMemory ?? RunOptions.DefaultMaxMemoryBytes,
            Attestation = new AttesterOptions { Mode = mode, SimulatorDirectory = AttestationImportsSimulatedTests.SimulatorDirectory },
        });
        return (result, File.ReadAllLines(_dir.File("out.txt")));
    }

    [Fact]
    public void AllFiveOriginalImportsAnswerAndNoCanaryChanges()
    {
        var (result, lines) = Run(AttestationMode.Simulate);
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Error}\n{string.Join('\n', lines)}");
        Assert.Equal(6, lines.Length);
        Assert.Equal("{\"supports_attestation\":true,\"tee_type\":\"AMD SEV-SNP\",\"simulated\":true}", lines[0]);
        foreach (int i in new[] { 1, 2, 4 })
        {
            using var json = JsonDocument.Parse(lines[i]);
            Assert.True(json.RootElement.GetProperty("success").GetBoolean(), lines[i]);
        }
        Assert.Equal("verify_token=0", lines[3]); // "a.b.c" is no token
        Assert.Equal("canaries intact", lines[5]);
        Assert.DoesNotContain(_log, l => l.Contains("returning 0", StringComparison.Ordinal));
    }

    [Fact]
    public void MaxMemoryAtTheGuestsSizeGivesZeroAndOneLineEach()
    {
        var (result, lines) = Run(AttestationMode.Simulate, maxMemory: 1024 * 1024);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["null", "null", "null", "verify_token=0", "null", "canaries intact"], lines);
        string[] refused = [.. _log.Where(l => l.Contains("returning 0", StringComparison.Ordinal))];
        Assert.Equal(4, refused.Length);
        Assert.Equal(
            "detect_tee: the guest exports no 'cabi_realloc' and growing guest memory from 1 MiB by 1 page(s) for the result would pass the host's memory limit (--max-memory 1 MiB); returning 0",
            refused[0]);
        Assert.StartsWith("attest_vm: the guest exports no 'cabi_realloc' and ", refused[1]);
    }

    /// <summary>The guest's check itself: a host that writes at the original's fixed offset 1024 is caught.</summary>
    [Fact]
    public void TheCanariesCatchAHostThatWritesAtTheOriginalsFixedOffset()
    {
        using var engine = new Engine();
        using var module = Module.FromFile(engine, Artifact());
        using var linker = new Linker(engine);
        using var store = new Store(engine);
        linker.DefineWasi();
        int WriteAt1024(Caller caller)
        {
            byte[] json = Encoding.UTF8.GetBytes("{\"supports_attestation\":false,\"tee_type\":\"None\"}");
            var memory = caller.GetMemory("memory")!;
            BinaryPrimitives.WriteUInt32LittleEndian(memory.GetSpan(1024, 4), (uint)json.Length);
            json.CopyTo(memory.GetSpan(1028, json.Length));
            return 1024;
        }
        linker.DefineFunction("wasmtime_attestation", "attest_vm", WriteAt1024);
        linker.DefineFunction("wasmtime_attestation", "attest_gpu", (Caller c, int _) => WriteAt1024(c));
        linker.DefineFunction("wasmtime_attestation", "detect_tee", WriteAt1024);
        linker.DefineFunction("wasmtime_attestation", "verify_token", (int _, int _) => 0);
        linker.DefineFunction("wasmtime_attestation", "clear_cache", () => { });
        store.SetWasiConfiguration(new WasiConfiguration().WithStandardOutput(_dir.File("fixed.txt")));
        var instance = linker.Instantiate(store, module);

        var exit = Assert.ThrowsAny<WasmtimeException>(() => instance.GetAction("_start")!());

        Assert.Equal(1, exit.ExitCode);
        string[] lines = File.ReadAllLines(_dir.File("fixed.txt"));
        Assert.Equal("CANARY CHANGED", lines[^1]);
    }
}
