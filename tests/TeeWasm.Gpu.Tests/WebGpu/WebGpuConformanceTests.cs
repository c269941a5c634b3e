using TeeWasm.Tests.Shared;
using TeeWasm.Gpu.Dawn;
using TeeWasm.Gpu.Kernels;
using TeeWasm.Gpu.Tests.Conformance;
using TeeWasm.Gpu.WebGpu;

namespace TeeWasm.Gpu.Tests.WebGpu;

/// <summary>
/// One Dawn device for every WebGPU backend test (on lavapipe here, a GPU where there is one); the tests of this
/// collection run one at a time, as a device is used from one thread at a time. No skips: without Dawn or lavapipe
/// every test fails with the reason.
/// </summary>
internal static class SharedDevice
{
    public const string Collection = "WebGPU backend";

    private static readonly Lazy<WebGpuDevice> s_device = new(() =>
    {
        try
        {
            return WebGpuDevice.Create();
        }
        catch (WebGpuUnavailableException e)
        {
            throw new InvalidOperationException("WebGPU is not set up on this machine (run scripts/setup-webgpu.sh): " + e.Message, e);
        }
    });

    public static WebGpuBackend Backend(long memoryLimit, GpuMemoryBudget? budget = null) =>
        new(s_device.Value, new WebGpuBackendOptions { MemoryLimit = memoryLimit, Budget = budget, Logger = new LineLogger(s => Console.Error.WriteLine(s)) });
}

[CollectionDefinition(SharedDevice.Collection, DisableParallelization = true)]
public sealed class WebGpuCollection;

[Collection(SharedDevice.Collection)]
public sealed class WebGpuMatmulTests : MatmulTests
{
    protected override IGpuBackend NewBackend(long memoryLimit) => SharedDevice.Backend(memoryLimit);
}

[Collection(SharedDevice.Collection)]
public sealed class WebGpuBootstrapTests : BootstrapTests
{
    protected override IGpuBackend NewBackend(long memoryLimit) => SharedDevice.Backend(memoryLimit);
}

[Collection(SharedDevice.Collection)]
public sealed class WebGpuFindSplitTests : FindSplitTests
{
    protected override IGpuBackend NewBackend(long memoryLimit) => SharedDevice.Backend(memoryLimit);
}

[Collection(SharedDevice.Collection)]
public sealed class WebGpuElementwiseTests : ElementwiseTests
{
    protected override IGpuBackend NewBackend(long memoryLimit) => SharedDevice.Backend(memoryLimit);
}

[Collection(SharedDevice.Collection)]
public sealed class WebGpuReduceTests : ReduceTests
{
    protected override IGpuBackend NewBackend(long memoryLimit) => SharedDevice.Backend(memoryLimit);
}

[Collection(SharedDevice.Collection)]
public sealed class WebGpuAverageTests : AverageTests
{
    protected override IGpuBackend NewBackend(long memoryLimit) => SharedDevice.Backend(memoryLimit);
}

[Collection(SharedDevice.Collection)]
public sealed class WebGpuBatchPredictTests : BatchPredictTests
{
    protected override IGpuBackend NewBackend(long memoryLimit) => SharedDevice.Backend(memoryLimit);
}

[Collection(SharedDevice.Collection)]
public sealed class WebGpuBufferTests : BufferTests
{
    protected override IGpuBackend NewBackend(long memoryLimit) => SharedDevice.Backend(memoryLimit);
}

/// <summary>What only the WebGPU backend promises: truthful device-info, selection, memory accounting, pipelines.</summary>
[Collection(SharedDevice.Collection)]
public sealed class WebGpuBackendTests
{
    [Fact]
    public void SelectorGivesTheWebGpuBackendWithTruthfulDeviceInfo()
    {
        using var gpu = GpuBackendSelector.Create(GpuBackendKind.WebGpu);
        var backend = Assert.IsType<WebGpuBackend>(gpu);
        var info = gpu.DeviceInfo;
        var adapter = backend.Device.AdapterInfo;
        Assert.Equal("webgpu-vulkan", info.Backend);
        Assert.Equal(adapter.IsHardware, info.IsHardware);
        Assert.Equal((ulong)TeeWasm.Gpu.Cpu.CpuBackendOptions.DefaultMemoryLimit, info.TotalMemory);
        Assert.Equal("", info.ComputeCapability);
        Assert.NotEmpty(info.Name);
        if (!adapter.IsHardware) Assert.Contains("llvmpipe", info.Name, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void MemoryIsAccountedAsTheGuestSizedIt()
    {
        using var gpu = SharedDevice.Backend(1000);
        uint a = gpu.BufferCreate(601, BufferUsage.Storage).Value; // 604 bytes on the GPU, 601 counted
        Assert.True(gpu.BufferCreate(399, BufferUsage.Storage).IsOk);
        Assert.Equal(1000, gpu.MemoryUsed);
        Assert.Equal(601ul, gpu.BufferSize(a).Value);
        gpu.BufferDestroy(a).Ok();
        Assert.Equal(399, gpu.MemoryUsed);
        Assert.Equal(1, gpu.BufferCount);
    }

    [Fact]
    public void UnalignedWritesReadsAndCopiesKeepTheNeighbours()
    {
        using var gpu = SharedDevice.Backend(1 << 20);
        uint a = gpu.BufferCreate(11, BufferUsage.Storage).Value, b = gpu.BufferCreate(11, BufferUsage.Storage).Value;
        gpu.BufferWrite(a, 0, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]).Ok();
        gpu.BufferWrite(a, 5, [50, 60]).Ok();
        gpu.BufferCopy(a, 1, b, 3, 7).Ok();
        var back = new byte[11];
        gpu.BufferRead(b, 0, back).Ok();
        Assert.Equal(new byte[] { 0, 0, 0, 2, 3, 4, 5, 50, 60, 8, 0 }, back);
        var part = new byte[3];
        gpu.BufferRead(a, 4, part).Ok();
        Assert.Equal(new byte[] { 5, 50, 60 }, part);
    }

    [Fact]
    public void KernelResultsReplaceWhatTheHostKnew()
    {
        // find-split reads its indices back to check them; a kernel writing that buffer later must be seen.
        using var gpu = SharedDevice.Backend(1 << 20);
        uint d = gpu.Upload(new float[] { 0, 1, 2, 3 }), l = gpu.Upload(new float[] { 0, 10, 20, 30 });
        uint i = gpu.Upload(new uint[] { 0, 1 }), t = gpu.Upload(new[] { 0.5f }), o = gpu.Zeros(1);
        gpu.FindSplit(new FindSplitParams(2, 1, 0, 1), d, l, i, t, o).Ok();
        gpu.BootstrapSample(new BootstrapParams(2, 42, 4), i).Ok();
        Assert.Equal(new uint[] { BootstrapSampler.Sample(42, 0, 4), BootstrapSampler.Sample(42, 1, 4) }, gpu.Download<uint>(i, 2));
    }

    [Theory]
    [InlineData(10007u, 0u, 353u)]
    [InlineData(4099u, 123456789u, uint.MaxValue)]
    [InlineData(257u, uint.MaxValue, 1u)]
    public void BootstrapIsBitIdenticalToTheCpuBackend(uint n, uint seed, uint maxIndex)
    {
        using var gpu = SharedDevice.Backend(1 << 20);
        using var cpu = TestData.Cpu(1 << 20);
        uint g = gpu.Zeros((int)n), c = cpu.Zeros((int)n);
        gpu.BootstrapSample(new BootstrapParams(n, seed, maxIndex), g).Ok();
        cpu.BootstrapSample(new BootstrapParams(n, seed, maxIndex), c).Ok();
        Assert.Equal(cpu.Download<uint>(c, (int)n), gpu.Download<uint>(g, (int)n));
    }

    [Fact]
    public void OutputsMayAliasInputsInEveryKernel()
    {
        // WebGPU forbids a writable binding that aliases another: such inputs are bound as copies.
        using var gpu = SharedDevice.Backend(1 << 20);
        uint x = gpu.Upload(new[] { 1f, 2f, 3f, 6f });
        gpu.Reduce(new ReduceParams(4, ReduceOp.Mean), x, x).Ok();
        Assert.Equal(new[] { 3f, 2f, 3f, 6f }, gpu.Download<float>(x, 4));
        gpu.Average(new AverageParams(2, 2), x, x).Ok();
        Assert.Equal(new[] { 2.5f, 4.5f, 3f, 6f }, gpu.Download<float>(x, 4));
        uint y = gpu.Upload(new[] { 1f, 2f, 3f, 4f });
        gpu.Matmul(new MatmulParams(2, 2, 2, false, false, 1f, 0f), y, y, y).Ok(); // Y = Y*Y
        Assert.Equal(new[] { 7f, 10f, 15f, 22f }, gpu.Download<float>(y, 4));
    }

    [Fact]
    public void SyncWaitsAndHostileSizesAreRejected()
    {
        using var gpu = SharedDevice.Backend(1 << 20);
        uint o = gpu.Zeros(4);
        gpu.BootstrapSample(new BootstrapParams(uint.MaxValue, 1, 10), o).Fails(GpuError.InvalidParams);
        gpu.Elementwise(new ElementwiseParams(uint.MaxValue, ElementwiseOp.Exp), o, null, o).Fails(GpuError.InvalidParams);
        gpu.Reduce(new ReduceParams(uint.MaxValue, ReduceOp.Sum), o, o).Fails(GpuError.InvalidParams);
        gpu.BatchPredict(new BatchPredictParams(uint.MaxValue, uint.MaxValue, 1, 1), o, o, o, o).Fails(GpuError.InvalidParams);
        Assert.Equal(GpuResult<uint>.Fail(GpuError.OutOfMemory), gpu.BufferCreate((1 << 20) + 1, BufferUsage.Storage));
        gpu.Sync();
        Assert.Equal(new float[4], gpu.Download<float>(o, 4));
    }

    [Fact]
    public void ManyCreateDestroyCyclesStayWithinTheLimit()
    {
        using var gpu = SharedDevice.Backend(1 << 16);
        for (int i = 0; i < 300; i++)
        {
            uint b = gpu.BufferCreate(1 << 15, BufferUsage.Storage).Value;
            gpu.Elementwise(new ElementwiseParams(8, ElementwiseOp.Relu), b, null, b).Ok();
            gpu.BufferDestroy(b).Ok();
        }
        Assert.Equal(0, gpu.MemoryUsed);
    }
}
