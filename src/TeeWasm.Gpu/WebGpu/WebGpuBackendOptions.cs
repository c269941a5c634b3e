using TeeWasm.Gpu.Dawn;
using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Gpu.WebGpu;

/// <summary>Limits and engine settings of the <see cref="WebGpuBackend"/>.</summary>
public sealed record WebGpuBackendOptions : GpuBackendOptions
{
    /// <summary>Where Dawn is and how long to wait for it; null for the defaults.</summary>
    public WebGpuOptions? Engine { get; init; }
}
