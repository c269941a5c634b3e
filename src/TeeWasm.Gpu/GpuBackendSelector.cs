using TeeWasm.Gpu.Cpu;
using TeeWasm.Gpu.Dawn;
using TeeWasm.Gpu.Kernels;
using TeeWasm.Gpu.WebGpu;

namespace TeeWasm.Gpu;

/// <summary>Creates the backend for a <see cref="GpuBackendKind"/>.</summary>
public static class GpuBackendSelector
{
    /// <summary>The start of the message when WebGPU is asked for but does not work on this machine.</summary>
    public const string WebGpuUnavailable = "WebGPU backend unavailable";

    /// <summary>
    /// Creates the backend. <see cref="GpuBackendKind.Auto"/> takes the WebGPU backend only when it runs on a hardware
    /// adapter (a software one such as lavapipe is slower than the CPU backend), else the CPU backend;
    /// <see cref="GpuBackendKind.WebGpu"/> takes the WebGPU backend on whatever adapter Dawn offers (lavapipe included)
    /// and throws <see cref="NotSupportedException"/> starting with <see cref="WebGpuUnavailable"/> and saying why
    /// when there is none. <paramref name="webGpuOptions"/> defaults to the CPU options' log and memory limit.
    /// </summary>
    public static IGpuBackend Create(GpuBackendKind kind, CpuBackendOptions? cpuOptions = null, WebGpuBackendOptions? webGpuOptions = null)
    {
        cpuOptions ??= new CpuBackendOptions();
        webGpuOptions ??= new WebGpuBackendOptions { Log = cpuOptions.Log, MemoryLimit = cpuOptions.MemoryLimit, MaxBuffers = cpuOptions.MaxBuffers };
        return kind switch
        {
            GpuBackendKind.Auto => (IGpuBackend?)HardwareWebGpu(webGpuOptions) ?? new CpuBackend(cpuOptions),
            GpuBackendKind.Cpu => new CpuBackend(cpuOptions),
            GpuBackendKind.WebGpu => WebGpu(webGpuOptions),
            GpuBackendKind.None => new UnavailableGpuBackend("no GPU backend selected (--gpu none)"),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown GPU backend kind"),
        };
    }

    private static WebGpuBackend WebGpu(WebGpuBackendOptions options)
    {
        try
        {
            return new WebGpuBackend(options);
        }
        catch (WebGpuException e)
        {
            throw new NotSupportedException($"{WebGpuUnavailable}: {e.Message}", e);
        }
    }

    /// <summary>The WebGPU backend when a hardware adapter exists, else null (without starting Dawn when none can).</summary>
    private static WebGpuBackend? HardwareWebGpu(WebGpuBackendOptions options)
    {
        if (!MayHaveHardwareAdapter()) return null;
        WebGpuBackend? backend = null;
        try
        {
            WebGpuLibrary.Resolve(options.Engine?.LibraryPath);
            backend = new WebGpuBackend(options);
            if (backend.DeviceInfo.IsHardware) return backend;
            options.Log?.Invoke($"--gpu auto: the WebGPU adapter is software ({backend.DeviceInfo.Name}): using the CPU backend");
        }
        catch (WebGpuException e)
        {
            options.Log?.Invoke($"--gpu auto: no WebGPU hardware adapter ({e.Message}): using the CPU backend");
        }
        backend?.Dispose();
        return null;
    }

    /// <summary>
    /// False when this machine cannot have a hardware Vulkan adapter: the environment names only lavapipe, or names no
    /// driver and there is no NVIDIA driver manifest and no <c>/dev/dri</c> render node.
    /// </summary>
    public static bool MayHaveHardwareAdapter()
    {
        foreach (string variable in new[] { "VK_DRIVER_FILES", "VK_ICD_FILENAMES" })
        {
            // Only lavapipe (what VulkanDriverSelection sets on a machine without a GPU) is known to be software.
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } files)
                return !files.Split(':').All(f => VulkanDriverSelection.LavapipeManifestNames.Contains(Path.GetFileName(f)));
        }
        if (VulkanDriverSelection.IcdDirectories.Any(d => File.Exists(Path.Combine(d, "nvidia_icd.json")))) return true;
        return Directory.Exists("/dev/dri") && Directory.EnumerateFiles("/dev/dri", "renderD*").Any();
    }
}
