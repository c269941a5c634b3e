using TeeWasm.Gpu.Cpu;
using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Gpu.Tests;

/// <summary>Backend selection.</summary>
public sealed class GpuBackendSelectorTests
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
