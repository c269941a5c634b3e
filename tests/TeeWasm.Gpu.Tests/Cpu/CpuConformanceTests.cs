using TeeWasm.Gpu.Cpu;
using TeeWasm.Gpu.Kernels;
using TeeWasm.Gpu.Tests.Conformance;

namespace TeeWasm.Gpu.Tests.Cpu;

public sealed class CpuMatmulTests : MatmulTests
{
    protected override IGpuBackend NewBackend(long memoryLimit) => TestData.Cpu(memoryLimit);
}

public sealed class CpuBootstrapTests : BootstrapTests
{
    protected override IGpuBackend NewBackend(long memoryLimit) => TestData.Cpu(memoryLimit);
}

public sealed class CpuFindSplitTests : FindSplitTests
{
    protected override IGpuBackend NewBackend(long memoryLimit) => TestData.Cpu(memoryLimit);
}

public sealed class CpuElementwiseTests : ElementwiseTests
{
    protected override IGpuBackend NewBackend(long memoryLimit) => TestData.Cpu(memoryLimit);
}

public sealed class CpuReduceTests : ReduceTests
{
    protected override IGpuBackend NewBackend(long memoryLimit) => TestData.Cpu(memoryLimit);
}

public sealed class CpuAverageTests : AverageTests
{
    protected override IGpuBackend NewBackend(long memoryLimit) => TestData.Cpu(memoryLimit);
}

public sealed class CpuBatchPredictTests : BatchPredictTests
{
    protected override IGpuBackend NewBackend(long memoryLimit) => TestData.Cpu(memoryLimit);
}

public sealed class CpuBufferTests : BufferTests
{
    protected override IGpuBackend NewBackend(long memoryLimit) => TestData.Cpu(memoryLimit);
}

/// <summary>What only the CPU backend promises.</summary>
public sealed class CpuBackendTests
{
    [Fact]
    public void MemoryIsAccounted()
    {
        using var gpu = TestData.Cpu(1000);
        uint a = gpu.BufferCreate(600, BufferUsage.Storage).Value;
        Assert.True(gpu.BufferCreate(400, BufferUsage.Storage).IsOk);
        Assert.Equal(1000, gpu.MemoryUsed);
        gpu.BufferDestroy(a).Ok();
        Assert.Equal(400, gpu.MemoryUsed);
        Assert.Equal(1, gpu.BufferCount);
    }

    [Fact]
    public void BufferCountIsLimited()
    {
        using var gpu = new CpuBackend(new CpuBackendOptions { MaxBuffers = 3 });
        for (int i = 0; i < 3; i++) Assert.True(gpu.BufferCreate(0, BufferUsage.None).IsOk);
        Assert.Equal(GpuResult<uint>.Fail(GpuError.OutOfMemory), gpu.BufferCreate(0, BufferUsage.None));
    }

    [Fact]
    public void DeviceInfoIsTruthful()
    {
        using var gpu = TestData.Cpu();
        var info = gpu.DeviceInfo;
        Assert.Matches(@"^CPU \((AVX-512|AVX2|AVX|NEON|SSE2|scalar), \d+ cores?\)$", info.Name);
        Assert.Equal("cpu", info.Backend);
        Assert.Equal((ulong)CpuBackendOptions.DefaultMemoryLimit, info.TotalMemory);
        Assert.False(info.IsHardware);
        Assert.Equal("", info.ComputeCapability);
    }
}
