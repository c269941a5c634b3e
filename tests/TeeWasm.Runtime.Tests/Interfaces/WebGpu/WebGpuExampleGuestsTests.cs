using TeeWasm.Runtime.Hosting;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Runtime.Tests.Interfaces.WebGpu;

/// <summary>
/// The example guests (Rust and C++, built by scripts/build-guests.sh) run a WGSL matmul and the bootstrap-sample
/// shader on real Dawn and check them against CPU code; they exit 0 only when everything matches.
/// </summary>
public sealed class WebGpuExampleGuestsTests
{
    [Theory]
    [InlineData("webgpu_matmul_rust.wasm")]
    [InlineData("webgpu_matmul_cpp.wasm")]
    public void Example_guest_passes_on_the_webgpu_engine(string file)
    {
        string module = Path.Combine(RepoPaths.Root, "artifacts", "guests", file);
        Assert.True(File.Exists(module), $"{module} is missing: run scripts/build-guests.sh (and scripts/setup-webgpu.sh)");
        using var dir = new TempDir();
        string stdout = Path.Combine(dir.Path, "stdout.txt"), stderr = Path.Combine(dir.Path, "stderr.txt");
        var log = new List<string>();
        var result = WasmRunner.Run(module, new RunOptions { StdoutPath = stdout, StderrPath = stderr, CacheDirectory = null, Logger = new LineLogger(log.Add) });
        string output = File.ReadAllText(stdout), errors = File.ReadAllText(stderr);
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Error}\nstdout:\n{output}\nstderr:\n{errors}\nhost:\n{string.Join('\n', log)}");
        Assert.Contains("matmul: OK", output);
        Assert.Contains("bootstrap-sample: OK", output);
        Assert.Contains("broken shader refused: create-shader-module: WGSL compilation failed: 3:18: error:", output);
        Assert.Contains("all checks passed", output);
    }

    /// <summary>
    /// guests/wat/webgpu_original_era.wat: the original C++ guest's bootstrap sampling, importing only the original 17
    /// functions and passing create-bind-group the first buffer id; without the compatibility rule it read zeros.
    /// </summary>
    [Fact]
    public void An_original_era_guest_computes_its_indices_not_zeros()
    {
        string module = Path.Combine(RepoPaths.Root, "artifacts", "guests", "webgpu_original_era.wasm");
        Assert.True(File.Exists(module), $"{module} is missing: run scripts/build-guests.sh (and scripts/setup-webgpu.sh)");
        using var dir = new TempDir();
        string stdout = Path.Combine(dir.Path, "stdout.txt");
        var log = new List<string>();
        var result = WasmRunner.Run(module, new RunOptions { StdoutPath = stdout, StderrPath = Path.Combine(dir.Path, "stderr.txt"), CacheDirectory = null, Logger = new LineLogger(log.Add) });
        string output = File.ReadAllText(stdout);
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Error}\nstdout:\n{output}\nhost:\n{string.Join('\n', log)}");
        Assert.Equal("ok: the 256 bootstrap indices match the shader's formula\n", output);
        Assert.Contains(log, l => l.Contains("taken as the first buffer id", StringComparison.Ordinal));
    }
}
