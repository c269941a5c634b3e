using TeeWasm.Tests.Shared;

namespace TeeWasm.Cli.Tests;

/// <summary><c>tee-wasm run --gpu</c>.</summary>
public sealed class RunGpuOptionTests
{
    private static (int Code, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = TeeWasmCli.Run(args, stdout, stderr);
        return (code, stderr.ToString());
    }

    [Fact]
    public void EveryBackendRuns()
    {
        string wat = Path.Combine(Path.GetTempPath(), "teewasm-gpu-" + Guid.NewGuid().ToString("N")[..8] + ".wat");
        File.WriteAllText(wat, "(module (memory (export \"memory\") 1) (func (export \"_start\")))");
        try
        {
            var (code, err) = Run("run", "--no-cache", "--tee", "none", "--gpu", "webgpu", wat); // lavapipe here
            Assert.True(code == 0, err);
            Assert.Equal(0, Run("run", "--no-cache", "--tee", "none", "--gpu", "cpu", wat).Code);
            Assert.Equal(0, Run("run", "--no-cache", "--tee", "none", "--gpu", "none", wat).Code);
        }
        finally
        {
            File.Delete(wat);
        }
    }

    private static readonly Dictionary<string, string> s_noCudaDriver = new() { ["TEEWASM_CUDA_LIB"] = "/nonexistent/libcuda.so.1" };

    private static string EmptyGuest(TempDir dir) => GuestModules.WriteTemp("(module (memory (export \"memory\") 1) (func (export \"_start\")))", dir);

    /// <summary>A guest that imports wasi:gpu (and never calls it): with --gpu auto, only such a guest gets a backend.</summary>
    private static string GpuGuest(TempDir dir) => GuestModules.WriteTemp(
        "(module (import \"wasi:gpu/compute@0.1.0\" \"get-device-info\" (func (param i32))) (memory (export \"memory\") 1) (func (export \"_start\")))", dir, "gpu-guest.wat");

    [Fact]
    public void CudaWithoutADriverIsAUsageErrorThatSaysWhy()
    {
        using var dir = new TempDir();
        var (code, _, stderr) = CliProcess.Run(s_noCudaDriver, "run", "--no-cache", "--tee", "none", "--gpu", "cuda", EmptyGuest(dir));
        Assert.Equal(TeeWasmCli.UsageError, code);
        Assert.Equal("error: --gpu cuda: CUDA backend unavailable: no CUDA driver (/nonexistent/libcuda.so.1 does not exist)\n", stderr);
    }

    [Fact]
    public void VerboseSaysWhichBackendServesTheGuestAndWhy()
    {
        using var dir = new TempDir();
        string guest = GpuGuest(dir);
        var (code, _, stderr) = CliProcess.Run(s_noCudaDriver, "run", "-v", "--no-cache", "--tee", "none", guest);
        Assert.True(code == 0, stderr);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("[tee-wasm] --gpu auto: the ", line);
        Assert.Contains("passed over CUDA: no CUDA driver (/nonexistent/libcuda.so.1 does not exist)", line);
        (code, _, stderr) = CliProcess.Run("run", "--verbose", "--no-cache", "--tee", "none", "--gpu", "cpu", guest);
        Assert.Equal(0, code);
        Assert.Matches(@"^\[tee-wasm\] --gpu cpu: the cpu backend on CPU \([^)]+\)\n$", stderr);
        Assert.Equal("", CliProcess.Run("run", "--no-cache", "--tee", "none", "--gpu", "cpu", guest).Stderr); // quiet without -v
    }

    [Fact]
    public void AutoStartsNoBackendForAGuestThatImportsNoWasiGpu()
    {
        using var dir = new TempDir();
        var (code, _, stderr) = CliProcess.Run(s_noCudaDriver, "run", "-v", "--no-cache", "--tee", "none", EmptyGuest(dir));
        Assert.True(code == 0, stderr);
        Assert.Equal("[tee-wasm] --gpu auto: the guest imports no wasi:gpu; no GPU backend started\n", stderr);
    }

    [Fact]
    public void InfoShowsTheCudaDriverTheCcModeAndTheAutoChoice()
    {
        var (code, stdout, stderr) = CliProcess.Run(s_noCudaDriver, "info", "--tee", "none");
        Assert.True(code == 0, stderr);
        Assert.Contains("CUDA driver       none: no CUDA driver (/nonexistent/libcuda.so.1 does not exist)\n", stdout);
        Assert.Matches(@"\nNVIDIA CC mode    (on|off|devtools|unknown: .+)\n", stdout);
        Assert.Matches(@"\nwasi:gpu          --gpu auto: the (cpu|webgpu) backend on .+; passed over CUDA: no CUDA driver", stdout);
    }

    [Fact]
    public void UnknownBackendIsAUsageError() =>
        Assert.Equal(TeeWasmCli.UsageError, Run("run", "--gpu", "metal", "x.wasm").Code);
}
