using TeeWasm.Gpu.Dawn;

namespace TeeWasm.Runtime.Interfaces.WebGpu;

/// <summary>
/// A guest's bind group layout: explicit entries, or (entries_ptr = 0) a placeholder that stands for the
/// <c>layout: auto</c> group-0 layout of the last pipeline created with it.
/// </summary>
internal sealed class GuestLayout(WebGpuBindGroupLayout? explicitLayout) : IDisposable
{
    public WebGpuBindGroupLayout? Explicit { get; } = explicitLayout;

    public GuestPipeline? AutoPipeline { get; set; }

    public void Dispose() => Explicit?.Dispose();
}

/// <summary>
/// A guest's compute pipeline and its group-0 layout, fetched from Dawn once (for an explicit layout Dawn returns that
/// layout, so this works even after the guest released its own layout id).
/// </summary>
internal sealed class GuestPipeline(WebGpuComputePipeline pipeline) : IDisposable
{
    private WebGpuBindGroupLayout? _group0;

    public WebGpuComputePipeline Pipeline { get; } = pipeline;

    /// <summary>The layout bind groups for this pipeline must use.</summary>
    public WebGpuBindGroupLayout Group0Layout => _group0 ??= Pipeline.GetBindGroupLayout(0);

    public void Dispose()
    {
        _group0?.Dispose();
        Pipeline.Dispose();
    }
}
