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

/// <summary>Backend selection.</summary>
public sealed class SelectionTests
{
    [Fact]
    public void CpuGivesTheCpuBackendAndAutoWithoutAHardwareAdapterToo()
    {
        using var cpu = GpuBackendSelector.Create(GpuBackendKind.Cpu);
        Assert.IsType<CpuBackend>(cpu);
        using var auto = GpuBackendSelector.Create(GpuBackendKind.Auto);
        if (!GpuBackendSelector.MayHaveHardwareAdapter()) Assert.IsType<CpuBackend>(auto);
        else Assert.True(auto is CpuBackend || auto.DeviceInfo.IsHardware, auto.DeviceInfo.ToString());
    }

    [Fact]
    public void WebGpuWithoutDawnSaysWhy()
    {
        var options = new TeeWasm.Gpu.WebGpu.WebGpuBackendOptions { Engine = new TeeWasm.Gpu.Dawn.WebGpuOptions { LibraryPath = "/nonexistent/libwebgpu_wrapper.so" } };
        var e = Assert.Throws<NotSupportedException>(() => GpuBackendSelector.Create(GpuBackendKind.WebGpu, null, options));
        Assert.StartsWith(GpuBackendSelector.WebGpuUnavailable + ": ", e.Message);
        Assert.Contains("/nonexistent/libwebgpu_wrapper.so", e.Message);
    }

    [Fact]
    public void NoneIsUnavailableEverywhere()
    {
        using var gpu = GpuBackendSelector.Create(GpuBackendKind.None);
        Assert.Equal(DeviceInfo.None, gpu.DeviceInfo);
        Assert.Equal(GpuResult<uint>.Fail(GpuError.DeviceUnavailable), gpu.BufferCreate(4, BufferUsage.Storage));
        gpu.Matmul(new MatmulParams(1, 1, 1, false, false, 1, 0), 1, 2, 3).Fails(GpuError.DeviceUnavailable);
        gpu.BufferRead(1, 0, new byte[1]).Fails(GpuError.DeviceUnavailable);
    }
}
