using TeeWasm.Gpu.Cpu;
using TeeWasm.Gpu.Cuda;
using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Gpu.Tests.Cuda;

/// <summary>Machines where CUDA cannot work: the reason is one line naming the driver's error, and auto falls through.</summary>
public sealed class CudaDriverTests
{
    [Fact]
    public void AMissingDriverLibraryIsNoDriver()
    {
        var start = CudaDriver.Start("/nonexistent/libcuda.so.1");
        Assert.Null(start.Driver);
        Assert.False(start.IsInstalled);
        Assert.Equal("no CUDA driver (/nonexistent/libcuda.so.1 does not exist)", start.Reason);
        Assert.Equal("no CUDA driver (libcuda-teewasm-absent.so.1 cannot be loaded)", CudaDriver.Start("libcuda-teewasm-absent.so.1").Reason);
    }

    [Fact]
    public void ADriverThatDoesNotStartIsNamedByItsError()
    {
        var start = CudaDriver.Start(FakeCudaDriver.Build(initResult: 100));
        Assert.Null(start.Driver);
        Assert.True(start.IsInstalled);
        Assert.Equal("the CUDA driver did not start: cuInit returned CUDA_ERROR_NO_DEVICE", start.Reason);
        Assert.Equal("the CUDA driver did not start: cuInit returned CUresult 12345", CudaDriver.Start(FakeCudaDriver.Build(initResult: 12345)).Reason);
        Assert.Equal("the CUDA driver sees no device", CudaDriver.Start(FakeCudaDriver.Build(initResult: 0, devices: 0)).Reason);
    }

    [Fact]
    public void ANonDriverLibraryIsNoDriver()
    {
        var start = CudaDriver.Start("libc.so.6");
        Assert.False(start.IsInstalled);
        Assert.StartsWith("no CUDA driver (libc.so.6 lacks the driver API", start.Reason);
    }

    [Fact]
    public void TheBackendSaysWhyItCannotStart()
    {
        var e = Assert.Throws<CudaUnavailableException>(() => new CudaBackend(new CudaBackendOptions { DriverLibrary = FakeCudaDriver.Build(100) }));
        Assert.Equal("the CUDA driver did not start: cuInit returned CUDA_ERROR_NO_DEVICE", e.Message);
    }

    [Fact]
    public void AskingForCudaWithoutADriverSaysWhy()
    {
        var options = new CudaBackendOptions { DriverLibrary = "/nonexistent/libcuda.so.1" };
        var e = Assert.Throws<NotSupportedException>(() => GpuBackendSelector.Create(GpuBackendKind.Cuda, null, null, options));
        Assert.Equal($"{GpuBackendSelector.CudaUnavailable}: no CUDA driver (/nonexistent/libcuda.so.1 does not exist)", e.Message);
    }

    [Fact]
    public void AutoWithoutADriverFallsThroughAndSaysWhy()
    {
        var choice = GpuBackendSelector.Select(GpuBackendKind.Auto, null, null, new CudaBackendOptions { DriverLibrary = "/nonexistent/libcuda.so.1" });
        using var backend = choice.Backend;
        Assert.IsNotType<CudaBackend>(backend);
        Assert.StartsWith("--gpu auto: the ", choice.Reason);
        Assert.Contains("passed over CUDA: no CUDA driver (/nonexistent/libcuda.so.1 does not exist)", choice.Reason);
        Assert.DoesNotContain('\n', choice.Reason);
        if (!GpuBackendSelector.MayHaveHardwareAdapter())
        {
            Assert.IsType<CpuBackend>(backend);
            Assert.False(choice.IsFallback); // nothing that looked like a GPU failed: an ordinary choice
            Assert.EndsWith("WebGPU: no hardware adapter (no NVIDIA Vulkan driver, no /dev/dri render node)", choice.Reason);
        }
    }

    [Fact]
    public void AutoPassingOverABrokenDriverIsAFallback()
    {
        var choice = GpuBackendSelector.Select(GpuBackendKind.Auto, null, null, new CudaBackendOptions { DriverLibrary = FakeCudaDriver.Build(100) });
        using var backend = choice.Backend;
        Assert.IsNotType<CudaBackend>(backend);
        Assert.True(choice.IsFallback);
        Assert.Contains("passed over CUDA: the CUDA driver did not start: cuInit returned CUDA_ERROR_NO_DEVICE", choice.Reason);
    }
}
