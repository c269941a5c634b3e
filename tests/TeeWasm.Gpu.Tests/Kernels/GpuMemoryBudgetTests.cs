using TeeWasm.Gpu.Cpu;
using TeeWasm.Gpu.Cuda;
using TeeWasm.Gpu.Kernels;
using TeeWasm.Gpu.Tests.Cuda;
using TeeWasm.Gpu.Tests.WebGpu;
using TeeWasm.Gpu.WebGpu;

namespace TeeWasm.Gpu.Tests.Kernels;

/// <summary>Issue 12 item 4: one guest's GPU memory budget, shared by whatever makes buffers for it.</summary>
public sealed class GpuMemoryBudgetTests
{
    [Fact]
    public void Reservations_stop_at_the_limit_and_releases_return_bytes()
    {
        var budget = new GpuMemoryBudget(100);
        Assert.True(budget.TryReserve(60));
        Assert.False(budget.TryReserve(41));
        Assert.True(budget.TryReserve(40));
        Assert.False(budget.TryReserve(1));
        Assert.False(budget.TryReserve(-1));
        budget.Release(60);
        Assert.Equal(40, budget.Used);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GpuMemoryBudget(0));
    }

    [Fact]
    public void Concurrent_reservations_never_exceed_the_limit()
    {
        var budget = new GpuMemoryBudget(10_000);
        int granted = 0;
        Parallel.For(0, 100_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            if (budget.TryReserve(3)) Interlocked.Increment(ref granted);
        });
        Assert.Equal(3333, granted);
        Assert.Equal(9999, budget.Used);
    }

    /// <summary>Two backends, one budget: what one holds the other cannot have.</summary>
    internal static void SharedBetween(Func<GpuMemoryBudget, IGpuBackend> first, Func<GpuMemoryBudget, IGpuBackend> second)
    {
        var budget = new GpuMemoryBudget(4096);
        using var a = first(budget);
        using var b = second(budget);
        Assert.Equal(4096UL, a.DeviceInfo.TotalMemory);
        Assert.Equal(4096UL, b.DeviceInfo.TotalMemory);
        var one = a.BufferCreate(2048, BufferUsage.Storage);
        var two = b.BufferCreate(2048, BufferUsage.Storage);
        Assert.True(one.IsOk && two.IsOk);
        Assert.Equal(GpuError.OutOfMemory, a.BufferCreate(4, BufferUsage.Storage).Error);
        Assert.Equal(GpuError.OutOfMemory, b.BufferCreate(4, BufferUsage.Storage).Error);
        Assert.True(a.BufferDestroy(one.Value).IsOk);
        Assert.True(b.BufferCreate(2048, BufferUsage.Storage).IsOk);
        Assert.Equal(4096, budget.Used);
    }

    [Fact]
    public void The_cpu_backends_of_one_budget_share_it() =>
        SharedBetween(b => new CpuBackend(new CpuBackendOptions { Budget = b }), b => new CpuBackend(new CpuBackendOptions { Budget = b }));
}

[Collection(IlgpuCpu.Collection)]
public sealed class CudaGpuMemoryBudgetTests
{
    [Fact]
    public void The_cuda_backend_counts_against_the_shared_budget() =>
        GpuMemoryBudgetTests.SharedBetween(b => new CpuBackend(new CpuBackendOptions { Budget = b }), b => IlgpuCpu.Backend(1 << 30, b));
}

[Collection(SharedDevice.Collection)]
public sealed class WebGpuGpuMemoryBudgetTests
{
    [Fact]
    public void The_webgpu_backend_counts_against_the_shared_budget() =>
        GpuMemoryBudgetTests.SharedBetween(b => new CpuBackend(new CpuBackendOptions { Budget = b }), b => SharedDevice.Backend(1 << 30, b));
}
