using TeeWasm.Gpu.Dawn;

namespace TeeWasm.Gpu.Tests.Dawn;

/// <summary>
/// One real Dawn device for the test class, on lavapipe (or a GPU). No mocks and no silent skips: when Dawn or
/// lavapipe is missing, creating it throws and every test fails with the reason (CI runs scripts/setup-webgpu.sh).
/// </summary>
public sealed class DeviceFixture : IDisposable
{
    private readonly Lazy<WebGpuDevice> _device = new(() =>
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

    public WebGpuDevice Device => _device.Value;

    /// <summary>Fails the calling test with a clear message when the Dawn library cannot be found.</summary>
    public static void RequireDawn()
    {
        try
        {
            WebGpuLibrary.Resolve();
        }
        catch (WebGpuUnavailableException e)
        {
            throw new InvalidOperationException("WebGPU is not set up on this machine (run scripts/setup-webgpu.sh): " + e.Message, e);
        }
    }

    public void Dispose()
    {
        if (_device.IsValueCreated) _device.Value.Dispose();
    }
}
