using TeeWasm.Gpu.Dawn;

namespace TeeWasm.Gpu.Tests.Dawn;

public sealed class AdapterRefusalTests
{
    [Fact]
    public void Dawns_null_adapter_is_refused_with_the_reason()
    {
        DeviceFixture.RequireDawn();
        var e = Assert.Throws<WebGpuUnavailableException>(() =>
            WebGpuDevice.Create(new WebGpuOptions { RequestedBackend = WebGpuBackendType.Null }).Dispose());
        Assert.Equal(WebGpuDevice.NullAdapterMessage, e.Message);
        Assert.Contains("scripts/setup-webgpu.sh", e.Message);
    }

    [Fact]
    public void Missing_library_says_how_to_install_it()
    {
        var e = Assert.Throws<WebGpuUnavailableException>(() =>
            WebGpuDevice.Create(new WebGpuOptions { LibraryPath = "/nonexistent/libwebgpu_wrapper.so" }));
        Assert.Contains("/nonexistent/libwebgpu_wrapper.so", e.Message);
        Assert.Contains("scripts/setup-webgpu.sh", e.Message);
    }

    [Fact]
    public void Info_describes_the_adapter_and_its_limits()
    {
        var lines = WebGpuInfo.Describe();
        Assert.StartsWith("WebGPU adapter    ", lines[0]);
        Assert.False(lines[0].Contains("none:", StringComparison.Ordinal), "WebGPU is not set up on this machine (run scripts/setup-webgpu.sh): " + lines[0]);
        Assert.Contains("Vulkan", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("WebGPU limits     maxBufferSize", StringComparison.Ordinal));
    }
}
