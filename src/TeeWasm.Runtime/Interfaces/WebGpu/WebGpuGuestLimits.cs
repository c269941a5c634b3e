using TeeWasm.Gpu.Dawn;
using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Runtime.Interfaces.WebGpu;

/// <summary>Per-guest bounds on <c>wasi:webgpu</c> resources, and the engine settings.</summary>
public sealed record WebGpuGuestLimits
{
    /// <summary>Live objects of all kinds (instances, devices, buffers, shaders, layouts, pipelines, bind groups, encoders).</summary>
    public int MaxResources { get; init; } = 4096;

    /// <summary>Sum of the sizes of the guest's live buffers, in bytes, when no <see cref="Budget"/> is given.</summary>
    public long MaxTotalBufferBytes { get; init; } = 1L << 30;

    /// <summary>
    /// The guest's GPU memory budget, shared with its <c>wasi:gpu</c> backend (the runner gives one per guest:
    /// <c>--max-gpu-memory</c>); null: a budget of <see cref="MaxTotalBufferBytes"/> for this session alone.
    /// </summary>
    public GpuMemoryBudget? Budget { get; init; }

    /// <summary>Longest WGSL source read from the guest, in bytes.</summary>
    public int MaxShaderSourceBytes { get; init; } = 1 << 20;

    /// <summary>
    /// Most workgroups in one dispatch (x·y·z). Host calls are not interrupted by the run's time limit, and a CPU
    /// adapter (lavapipe) would run an absurd dispatch for hours; map waits also end after <see cref="WebGpuOptions.Timeout"/>.
    /// </summary>
    public long MaxWorkgroupsPerDispatch { get; init; } = 1L << 22;

    /// <summary>Most entries in one bind group layout or bind group.</summary>
    public int MaxBindings { get; init; } = 64;

    /// <summary>Where Dawn is and how long to wait; shared by every guest of the host.</summary>
    public WebGpuOptions Engine { get; init; } = new();
}
