using TeeWasm.Gpu.Cuda;
using TeeWasm.Gpu.Kernels;
using TeeWasm.Gpu.Tests.Conformance;
using TeeWasm.Gpu.WebGpu;

namespace TeeWasm.Gpu.Tests.Device;

/// <summary>
/// The backends on the machine's GPU. No skips: without a CUDA driver or a hardware WebGPU adapter, every test of that
/// backend fails with the reason (the device check reports it).
/// </summary>
internal static class DeviceBackends
{
    public static IGpuBackend Cuda(long memoryLimit, bool cublas) =>
        new CudaBackend(new CudaBackendOptions { MemoryLimit = memoryLimit, UseCublas = cublas, Log = s => Console.Error.WriteLine(s) });

    public static IGpuBackend WebGpu(long memoryLimit)
    {
        var backend = new WebGpuBackend(new WebGpuBackendOptions { MemoryLimit = memoryLimit, Log = s => Console.Error.WriteLine(s) });
        if (!backend.DeviceInfo.IsHardware)
        {
            string name = backend.DeviceInfo.Name;
            backend.Dispose();
            throw new InvalidOperationException($"the WebGPU adapter is software ({name}), not the GPU");
        }
        return backend;
    }
}

public sealed class CudaMatmulTests : MatmulTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.Cuda(memoryLimit, cublas: true); }
public sealed class CudaTiledMatmulTests : MatmulTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.Cuda(memoryLimit, cublas: false); }
public sealed class CudaBootstrapTests : BootstrapTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.Cuda(memoryLimit, true); }
public sealed class CudaFindSplitTests : FindSplitTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.Cuda(memoryLimit, true); }
public sealed class CudaElementwiseTests : ElementwiseTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.Cuda(memoryLimit, true); }
public sealed class CudaReduceTests : ReduceTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.Cuda(memoryLimit, true); }
public sealed class CudaAverageTests : AverageTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.Cuda(memoryLimit, true); }
public sealed class CudaBatchPredictTests : BatchPredictTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.Cuda(memoryLimit, true); }
public sealed class CudaBufferTests : BufferTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.Cuda(memoryLimit, true); }

[Collection(WebGpuCollection.Name)] public sealed class WebGpuMatmulTests : MatmulTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.WebGpu(memoryLimit); }
[Collection(WebGpuCollection.Name)] public sealed class WebGpuBootstrapTests : BootstrapTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.WebGpu(memoryLimit); }
[Collection(WebGpuCollection.Name)] public sealed class WebGpuFindSplitTests : FindSplitTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.WebGpu(memoryLimit); }
[Collection(WebGpuCollection.Name)] public sealed class WebGpuElementwiseTests : ElementwiseTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.WebGpu(memoryLimit); }
[Collection(WebGpuCollection.Name)] public sealed class WebGpuReduceTests : ReduceTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.WebGpu(memoryLimit); }
[Collection(WebGpuCollection.Name)] public sealed class WebGpuAverageTests : AverageTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.WebGpu(memoryLimit); }
[Collection(WebGpuCollection.Name)] public sealed class WebGpuBatchPredictTests : BatchPredictTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.WebGpu(memoryLimit); }
[Collection(WebGpuCollection.Name)] public sealed class WebGpuBufferTests : BufferTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.WebGpu(memoryLimit); }

/// <summary>One WebGPU test at a time (each makes a Dawn device).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WebGpuCollection
{
    public const string Name = "WebGPU on the GPU";
}
