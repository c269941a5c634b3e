using System.Globalization;
using System.Text.RegularExpressions;
using TeeWasm.Attestation;
using TeeWasm.Gpu;
using TeeWasm.Gpu.Kernels;
using TeeWasm.Runtime.Hosting;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Runtime.Tests.Hosting;

/// <summary>
/// The Rust random-forest benchmark guest (artifacts/guests/wasm-ml-benchmark.wasm, scripts/build-guests.sh) trains
/// and predicts through wasi:gpu on the small diabetes set. On lavapipe the WebGPU run takes about 35 s (about 560k
/// host calls, each a submission or a map on a software Vulkan device), the CPU run about 5 s.
/// </summary>
public sealed partial class RfBenchmarkGpuTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(GpuBackendKind.WebGpu, "webgpu-vulkan")]
    [InlineData(GpuBackendKind.Cpu, "cpu")]
    public void TrainsAndPredictsWithinTheExpectedError(GpuBackendKind kind, string backendName)
    {
        string guest = Path.Combine(RepoPaths.Root, "artifacts", "guests", "wasm-ml-benchmark.wasm");
        Assert.True(File.Exists(guest), $"{guest} is missing: run scripts/build-guests.sh (the test script does) before the tests");
        var log = new List<string>();
        var result = WasmRunner.Run(guest, new RunOptions
        {
            CacheDirectory = null,
            StdoutPath = _dir.File("out.txt"),
            StderrPath = _dir.File("err.txt"),
            Logger = new LineLogger(log.Add),
            Directories = [new DirectoryMapping(Path.Combine(RepoPaths.Root, "data"), "data")],
            Attestation = new AttesterOptions { Mode = AttestationMode.None },
            Gpu = kind,
        });
        string stdout = File.ReadAllText(_dir.File("out.txt")), stderr = File.ReadAllText(_dir.File("err.txt"));
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Error}\n{stdout}\n{stderr}\n{string.Join('\n', log)}");
        Assert.Contains($"\"gpu_backend\":\"{backendName}\"", stdout);
        Assert.Contains("\"gpu_available\":true", stdout);
        var mse = MseLine().Match(stdout);
        Assert.True(mse.Success, stdout);
        Assert.InRange(double.Parse(mse.Groups[1].Value, CultureInfo.InvariantCulture), 2700, 3100);
        Assert.DoesNotContain(log, l => l.Contains("wasi:gpu", StringComparison.Ordinal) && l.Contains("failed", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"MSE:\s+([0-9.]+)")]
    private static partial Regex MseLine();
}
