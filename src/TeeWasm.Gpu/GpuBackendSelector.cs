using TeeWasm.Gpu.Cpu;

namespace TeeWasm.Gpu;

/// <summary>Creates the backend for a <see cref="GpuBackendKind"/>.</summary>
public static class GpuBackendSelector
{
    /// <summary>The message when WebGPU is asked for but this build has no WebGPU backend.</summary>
    public const string WebGpuMissing = "WebGPU backend not available in this build";

    /// <summary>
    /// Creates the backend. <see cref="GpuBackendKind.Auto"/> takes the CPU backend (the WebGPU backend joins the
    /// search once it exists); <see cref="GpuBackendKind.WebGpu"/> throws <see cref="NotSupportedException"/> with
    /// <see cref="WebGpuMissing"/> in this build.
    /// </summary>
    public static IGpuBackend Create(GpuBackendKind kind, CpuBackendOptions? cpuOptions = null) => kind switch
    {
        GpuBackendKind.Auto or GpuBackendKind.Cpu => new CpuBackend(cpuOptions ?? new CpuBackendOptions()),
        GpuBackendKind.WebGpu => throw new NotSupportedException(WebGpuMissing),
        GpuBackendKind.None => new UnavailableGpuBackend("no GPU backend selected (--gpu none)"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown GPU backend kind"),
    };
}
