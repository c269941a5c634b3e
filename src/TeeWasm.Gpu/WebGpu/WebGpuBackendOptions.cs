using TeeWasm.Gpu.Cpu;
using TeeWasm.Gpu.Dawn;

namespace TeeWasm.Gpu.WebGpu;

/// <summary>Limits and engine settings of the <see cref="WebGpuBackend"/>.</summary>
public sealed record WebGpuBackendOptions
{
    /// <summary>
    /// Total bytes all live buffers may hold (the device's <c>total_memory</c>); must be greater than 0. Defaults to
    /// the CPU backend's 1 GiB, so a guest sees the same limit on both.
    /// </summary>
    public long MemoryLimit { get; init; } = CpuBackendOptions.DefaultMemoryLimit;

    /// <summary>How many buffers may be alive at once.</summary>
    public int MaxBuffers { get; init; } = 65536;

    /// <summary>Where Dawn is and how long to wait for it; null for the defaults.</summary>
    public WebGpuOptions? Engine { get; init; }

    /// <summary>Host diagnostics (a kernel that failed unexpectedly); null for none.</summary>
    public Action<string>? Log { get; init; }
}
