using TeeWasm.Tests.Shared;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using TeeWasm.Gpu.Cuda;
using TeeWasm.Gpu.Dawn;
using TeeWasm.Gpu.Kernels;
using TeeWasm.Gpu.Tests.Conformance;
using TeeWasm.Gpu.WebGpu;

namespace TeeWasm.Gpu.Tests.Device;

/// <summary>
/// The backends on the machine's GPU: one CUDA context and one Dawn device for all tests (kernels compiled once), a
/// fresh backend on it per test. No skips: without a CUDA driver or a hardware WebGPU adapter, every test of that backend
/// fails with the reason (the device check reports it).
/// </summary>
internal static class DeviceBackends
{
    private static readonly Lazy<Accelerator> s_cuda = new(() =>
    {
        var start = CudaDriver.Start(null);
        if (start.Driver is null) throw new InvalidOperationException(start.Reason);
        var context = Context.Create(b => b.Cuda().EnableAlgorithms());
        return context.GetCudaDevice(0).CreateCudaAccelerator(context);
    });

    private static readonly Lazy<WebGpuDevice> s_webgpu = new(() =>
    {
        var device = WebGpuDevice.Create();
        if (!device.AdapterInfo.IsHardware)
        {
            string name = device.AdapterInfo.ToString();
            device.Dispose();
            throw new InvalidOperationException($"the WebGPU adapter is software ({name}), not the GPU");
        }
        return device;
    });

    public static IGpuBackend Cuda(long memoryLimit, bool cublas) =>
        new CudaBackend(s_cuda.Value, new CudaBackendOptions { MemoryLimit = memoryLimit, UseCublas = cublas, Logger = new LineLogger(s => Console.Error.WriteLine(s)) });

    public static IGpuBackend WebGpu(long memoryLimit) =>
        new WebGpuBackend(s_webgpu.Value, new WebGpuBackendOptions { MemoryLimit = memoryLimit, Logger = new LineLogger(s => Console.Error.WriteLine(s)) });
}

[Collection(CudaCollection.Name)] public sealed class CudaMatmulTests : MatmulTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.Cuda(memoryLimit, cublas: true); }
[Collection(CudaCollection.Name)] public sealed class CudaTiledMatmulTests : MatmulTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.Cuda(memoryLimit, cublas: false); }
[Collection(CudaCollection.Name)] public sealed class CudaBootstrapTests : BootstrapTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.Cuda(memoryLimit, true); }
[Collection(CudaCollection.Name)] public sealed class CudaFindSplitTests : FindSplitTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.Cuda(memoryLimit, true); }
[Collection(CudaCollection.Name)] public sealed class CudaElementwiseTests : ElementwiseTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.Cuda(memoryLimit, true); }
[Collection(CudaCollection.Name)] public sealed class CudaReduceTests : ReduceTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.Cuda(memoryLimit, true); }
[Collection(CudaCollection.Name)] public sealed class CudaAverageTests : AverageTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.Cuda(memoryLimit, true); }
[Collection(CudaCollection.Name)] public sealed class CudaBatchPredictTests : BatchPredictTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.Cuda(memoryLimit, true); }
[Collection(CudaCollection.Name)] public sealed class CudaBufferTests : BufferTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.Cuda(memoryLimit, true); }

[Collection(WebGpuCollection.Name)] public sealed class WebGpuMatmulTests : MatmulTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.WebGpu(memoryLimit); }
[Collection(WebGpuCollection.Name)] public sealed class WebGpuBootstrapTests : BootstrapTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.WebGpu(memoryLimit); }
[Collection(WebGpuCollection.Name)] public sealed class WebGpuFindSplitTests : FindSplitTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.WebGpu(memoryLimit); }
[Collection(WebGpuCollection.Name)] public sealed class WebGpuElementwiseTests : ElementwiseTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.WebGpu(memoryLimit); }
[Collection(WebGpuCollection.Name)] public sealed class WebGpuReduceTests : ReduceTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.WebGpu(memoryLimit); }
[Collection(WebGpuCollection.Name)] public sealed class WebGpuAverageTests : AverageTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.WebGpu(memoryLimit); }
[Collection(WebGpuCollection.Name)] public sealed class WebGpuBatchPredictTests : BatchPredictTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.WebGpu(memoryLimit); }
[Collection(WebGpuCollection.Name)] public sealed class WebGpuBufferTests : BufferTests { protected override IGpuBackend NewBackend(long memoryLimit) => DeviceBackends.WebGpu(memoryLimit); }

/// <summary>One CUDA test at a time: they share one context.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CudaCollection
{
    public const string Name = "CUDA on the GPU";
}

/// <summary>One WebGPU test at a time: they share one Dawn device.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WebGpuCollection
{
    public const string Name = "WebGPU on the GPU";
}
