using TeeWasm.Attestation;
using TeeWasm.Gpu;
using TeeWasm.Gpu.Kernels;
using TeeWasm.Runtime.Hosting;
using TeeWasm.Runtime.Tests.Interfaces.Gpu;

using TeeWasm.Tests.Shared;
namespace TeeWasm.Runtime.Tests.Hosting;

/// <summary>WasmRunner provides wasi:gpu with the backend chosen by <see cref="RunOptions.Gpu"/>.</summary>
public sealed class WasmRunnerGpuTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A command that exits with run_matmul's C[1][1] (50) when the GPU path works, else 1.</summary>
    private static readonly string s_matmulCommand = GpuGuest.Module()
        .Replace("(memory (export \"memory\") 4)", """
            (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
            (memory (export "memory") 4)
            """)
        .Replace("(func (export \"_start\"))", """
            (func (export "_start")
              (local $p i32)
              (local.set $p (call $run_matmul_internal))
              (if (i32.lt_s (local.get $p) (i32.const 1)) (then (call $exit (i32.const 1))))
              (call $exit (i32.trunc_f32_s (f32.load offset=12 (local.get $p)))))
            """)
        .Replace("(func (export \"run_matmul\")", "(func $run_matmul_internal (export \"run_matmul\")");

    private RunResult Run(GpuBackendKind kind) => WasmRunner.Run(GuestModules.WriteTemp(s_matmulCommand, _dir), new RunOptions
    {
        CacheDirectory = null,
        Logger = null,
        Attestation = new AttesterOptions { Mode = AttestationMode.None },
        Gpu = kind,
    });

    [Theory]
    [InlineData(GpuBackendKind.Auto)]
    [InlineData(GpuBackendKind.Cpu)]
    [InlineData(GpuBackendKind.WebGpu)] // lavapipe here (scripts/setup-webgpu.sh), a GPU where there is one
    public void GuestComputesOnTheBackend(GpuBackendKind kind) => Assert.Equal(50, Run(kind).ExitCode);

    [Fact]
    public void GuestWithoutADeviceStillInstantiates()
    {
        var result = Run(GpuBackendKind.None);
        Assert.Null(result.Error);
        Assert.Equal(1, result.ExitCode); // its GPU path reports failure; it was not a link error
    }

}
