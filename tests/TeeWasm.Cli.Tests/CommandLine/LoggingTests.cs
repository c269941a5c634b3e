using TeeWasm.Tests.Shared;

namespace TeeWasm.Cli.Tests.CommandLine;

/// <summary>-v, -q and TEEWASM_LOG change what the host logs (docs/cli.md, "Logging"); errors the guest is told about are debug lines.</summary>
public sealed class LoggingTests : IDisposable
{
    private const string GpuLine = "[tee-wasm] --gpu auto: the guest imports no wasi:gpu; no GPU backend started";

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Ok => GuestModules.WriteTemp("(module (memory (export \"memory\") 1) (func (export \"_start\")))", _dir, "ok.wat");

    /// <summary>A guest that asks attest_vm_nonce with a negative pointer: the host returns 0 and says why, at debug.</summary>
    private string BadPointerGuest => GuestModules.WriteTemp("""
        (module
          (import "wasmtime_attestation" "attest_vm_nonce" (func $attest (param i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "_start") i32.const -8 i32.const 4 call $attest drop))
        """, _dir, "bad-pointer.wat");

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        return (TeeWasmCli.Run(args, o, e), o.ToString(), e.ToString());
    }

    [Fact]
    public void Default_IsInfo_WithoutDebugLines() =>
        Assert.DoesNotContain(GpuLine, Cli("run", "--no-cache", Ok).Err);

    [Fact]
    public void Verbose_AddsTheDebugLines()
    {
        Assert.Contains(GpuLine, Cli("run", "-v", "--no-cache", Ok).Err);
        Assert.Contains(GpuLine, Cli("-v", "run", "--no-cache", Ok).Err);
    }

    [Fact]
    public void GuestVisibleErrors_AreDebug()
    {
        // Pointers are u32 (issue 12 item 11): -8 is the address 0xFFFFFFF8, outside the guest's memory.
        const string line = "[tee-wasm] attest_vm_nonce: range [4294967288, 4294967292) is outside guest memory";
        Assert.DoesNotContain(line, Cli("run", "--no-cache", "--tee", "none", BadPointerGuest).Err);
        Assert.Contains(line, Cli("run", "--no-cache", "--tee", "none", "--verbose", BadPointerGuest).Err);
    }

    [Fact]
    public void Quiet_DropsInfo_KeepsWarnings()
    {
        string work = _dir.File("work");
        Directory.CreateDirectory(work);
        string[] args = ["run", "--no-cache", "--tee", "simulate", "--simulator-dir", _dir.File("sim"), Ok, "--dir=" + work];
        string normal = Cli(args).Err, quiet = Cli(["-q", .. args]).Err;
        Assert.Contains("[tee-wasm] note: '--dir=", normal);
        Assert.Contains("[tee-wasm] warning: --tee simulate:", normal);
        Assert.DoesNotContain("note:", quiet);
        Assert.Contains("[tee-wasm] warning: --tee simulate:", quiet);
    }

    [Fact]
    public void Environment_SetsTheLevel_AndOptionsWin()
    {
        Assert.Contains(GpuLine, CliProcess.Run(new Dictionary<string, string> { ["TEEWASM_LOG"] = "debug" }, "run", "--no-cache", Ok).Stderr);
        Assert.DoesNotContain(GpuLine, CliProcess.Run(new Dictionary<string, string> { ["TEEWASM_LOG"] = "debug" }, "run", "-q", "--no-cache", Ok).Stderr);
        var (code, _, err) = CliProcess.Run(new Dictionary<string, string> { ["TEEWASM_LOG"] = "loud" }, "run", "--no-cache", Ok);
        Assert.Equal(2, code);
        Assert.Equal("error: TEEWASM_LOG='loud': expected debug, info, warn, error or off\n", err);
    }

    [Fact]
    public void VerboseAndQuiet_ExcludeEachOther()
    {
        var (code, _, err) = Cli("run", "-v", "-q", Ok);
        Assert.Equal(2, code);
        Assert.Equal("error: -v/--verbose and -q/--quiet exclude each other\n", err);
    }
}
