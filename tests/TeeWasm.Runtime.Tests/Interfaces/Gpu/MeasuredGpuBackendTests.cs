using TeeWasm.Attestation.Evidence;
using TeeWasm.Gpu.Cpu;
using TeeWasm.Gpu.Kernels;
using TeeWasm.Runtime.Interfaces.Gpu;

namespace TeeWasm.Runtime.Tests.Interfaces.Gpu;

public sealed class MeasuredGpuBackendTests
{
    [Fact]
    public void EachKernelKind_IsLoggedOnceWithItsBackend_BeforeItRuns_AndBuffersAreNot()
    {
        var log = new RuntimeMeasurementLog();
        using var backend = new MeasuredGpuBackend(new CpuBackend(), log);
        uint a = backend.BufferCreate(16, BufferUsage.Storage).Value, c = backend.BufferCreate(16, BufferUsage.Storage).Value;
        Assert.Empty(log.Entries);
        for (int i = 0; i < 3; i++) Assert.True(backend.Reduce(new ReduceParams(4, ReduceOp.Sum), a, c).IsOk);
        Assert.True(backend.Matmul(new MatmulParams(2, 2, 1, false, false, 1, 0), a, a, c).IsOk);
        // A failing call was still dispatched by the guest: it is measured too.
        Assert.False(backend.Average(new AverageParams(1, 1), 999, c).IsOk);
        Assert.Equal(["wasi-gpu-kernel reduce on cpu", "wasi-gpu-kernel matmul on cpu", "wasi-gpu-kernel average on cpu"], log.Entries.Select(e => e.ToString()));
    }
}
