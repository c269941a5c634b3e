using TeeWasm.Tests.Shared;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using TeeWasm.Gpu.Cuda;
using TeeWasm.Gpu.Kernels;
using TeeWasm.Gpu.Tests.Conformance;

namespace TeeWasm.Gpu.Tests.Cuda;

/// <summary>
/// The CUDA backend with its kernels on ILGPU's CPU accelerator: the same C# kernel methods ILGPU compiles to PTX for
/// the GPU, run by ILGPU's CPU emulation of grids, groups, shared memory and barriers. Slow, so the matmul groups are
/// 2×2 threads here (16×16 on a GPU; <see cref="CudaGpuGeometryTests"/> runs that geometry too). cuBLAS is not used
/// on this accelerator, so matmul runs the tiled kernel.
/// </summary>
internal static class IlgpuCpu
{
    public const string Collection = "CUDA backend on ILGPU's CPU accelerator";

    private static readonly Lazy<(Context Context, Accelerator Accelerator)> s_small = new(() => Create(new CPUDevice(4, 4, 1)));
    private static readonly Lazy<(Context Context, Accelerator Accelerator)> s_gpuGeometry = new(() => Create(new CPUDevice(32, 8, 1)));

    private static (Context, Accelerator) Create(CPUDevice device)
    {
        var context = Context.Create(b => b.CPU(device).EnableAlgorithms()); // as the GPU context
        return (context, context.CreateCPUAccelerator(0));
    }

    public static CudaBackend Backend(long memoryLimit, GpuMemoryBudget? budget = null) =>
        new(s_small.Value.Accelerator, new CudaBackendOptions { MemoryLimit = memoryLimit, Budget = budget, MatmulGroupSide = 2, MaxLaunchThreads = 256, Logger = new LineLogger(s => Console.Error.WriteLine(s)) });

    /// <summary>A backend whose matmul groups are the GPU's 16×16 threads.</summary>
    public static CudaBackend GpuGeometry(long memoryLimit) =>
        new(s_gpuGeometry.Value.Accelerator, new CudaBackendOptions { MemoryLimit = memoryLimit, Logger = new LineLogger(s => Console.Error.WriteLine(s)) });
}

[CollectionDefinition(IlgpuCpu.Collection, DisableParallelization = true)]
public sealed class IlgpuCpuCollection;

[Collection(IlgpuCpu.Collection)]
public sealed class CudaMatmulTests : MatmulTests
{
    protected override IGpuBackend NewBackend(long memoryLimit) => IlgpuCpu.Backend(memoryLimit);
}

[Collection(IlgpuCpu.Collection)]
public sealed class CudaBootstrapTests : BootstrapTests
{
    protected override IGpuBackend NewBackend(long memoryLimit) => IlgpuCpu.Backend(memoryLimit);
}

[Collection(IlgpuCpu.Collection)]
public sealed class CudaFindSplitTests : FindSplitTests
{
    protected override IGpuBackend NewBackend(long memoryLimit) => IlgpuCpu.Backend(memoryLimit);
}

[Collection(IlgpuCpu.Collection)]
public sealed class CudaElementwiseTests : ElementwiseTests
{
    protected override IGpuBackend NewBackend(long memoryLimit) => IlgpuCpu.Backend(memoryLimit);
}

[Collection(IlgpuCpu.Collection)]
public sealed class CudaReduceTests : ReduceTests
{
    protected override IGpuBackend NewBackend(long memoryLimit) => IlgpuCpu.Backend(memoryLimit);
}

[Collection(IlgpuCpu.Collection)]
public sealed class CudaAverageTests : AverageTests
{
    protected override IGpuBackend NewBackend(long memoryLimit) => IlgpuCpu.Backend(memoryLimit);
}

[Collection(IlgpuCpu.Collection)]
public sealed class CudaBatchPredictTests : BatchPredictTests
{
    protected override IGpuBackend NewBackend(long memoryLimit) => IlgpuCpu.Backend(memoryLimit);
}

[Collection(IlgpuCpu.Collection)]
public sealed class CudaBufferTests : BufferTests
{
    protected override IGpuBackend NewBackend(long memoryLimit) => IlgpuCpu.Backend(memoryLimit);
}
