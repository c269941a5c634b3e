using TeeWasm.Gpu.Cpu;
using TeeWasm.Gpu.Cuda;
using TeeWasm.Gpu.Dawn;
using TeeWasm.Gpu.Kernels;
using TeeWasm.Gpu.WebGpu;

namespace TeeWasm.Gpu;

/// <summary>Creates the backend for a <see cref="GpuBackendKind"/>.</summary>
public static class GpuBackendSelector
{
    /// <summary>The start of the message when WebGPU is asked for but does not work on this machine.</summary>
    public const string WebGpuUnavailable = "WebGPU backend unavailable";

    /// <summary>The start of the message when CUDA is asked for but does not work on this machine.</summary>
    public const string CudaUnavailable = "CUDA backend unavailable";

    /// <summary>
    /// Creates the backend (see <see cref="Select"/>). <paramref name="webGpuOptions"/> and <paramref name="cudaOptions"/>
    /// default to the CPU options' log, limits and budget.
    /// </summary>
    public static IGpuBackend Create(GpuBackendKind kind, CpuBackendOptions? cpuOptions = null, WebGpuBackendOptions? webGpuOptions = null,
        CudaBackendOptions? cudaOptions = null) =>
        Select(kind, cpuOptions, webGpuOptions, cudaOptions).Backend;

    /// <summary>
    /// Creates the backend and says why. <see cref="GpuBackendKind.Auto"/> tries CUDA (device 0), then the WebGPU
    /// backend on a hardware adapter (a software one such as lavapipe is slower than the CPU backend; Dawn is not even
    /// started where no hardware adapter can exist), then the CPU backend. <see cref="GpuBackendKind.WebGpu"/> takes
    /// whatever adapter Dawn offers (lavapipe included) and <see cref="GpuBackendKind.Cuda"/> the CUDA device; each
    /// throws <see cref="NotSupportedException"/> starting with <see cref="WebGpuUnavailable"/> or
    /// <see cref="CudaUnavailable"/> and saying why when it does not work here.
    /// </summary>
    public static GpuBackendChoice Select(GpuBackendKind kind, CpuBackendOptions? cpuOptions = null, WebGpuBackendOptions? webGpuOptions = null,
        CudaBackendOptions? cudaOptions = null)
    {
        cpuOptions ??= new CpuBackendOptions();
        webGpuOptions ??= new WebGpuBackendOptions { Logger = cpuOptions.Logger, MemoryLimit = cpuOptions.MemoryLimit, Budget = cpuOptions.Budget, MaxBuffers = cpuOptions.MaxBuffers };
        cudaOptions ??= new CudaBackendOptions { Logger = cpuOptions.Logger, MemoryLimit = cpuOptions.MemoryLimit, Budget = cpuOptions.Budget, MaxBuffers = cpuOptions.MaxBuffers };
        switch (kind)
        {
            case GpuBackendKind.Auto:
                return Auto(cpuOptions, webGpuOptions, cudaOptions);
            case GpuBackendKind.Cpu:
                var cpu = new CpuBackend(cpuOptions);
                return new(cpu, $"--gpu cpu: {Describe(cpu)}", false);
            case GpuBackendKind.WebGpu:
                var webgpu = Required(WebGpuUnavailable, () => new WebGpuBackend(webGpuOptions));
                return new(webgpu, $"--gpu webgpu: {Describe(webgpu)}", false);
            case GpuBackendKind.Cuda:
                var cuda = Required(CudaUnavailable, () => new CudaBackend(cudaOptions));
                return new(cuda, $"--gpu cuda: {Describe(cuda)}", false);
            case GpuBackendKind.None:
                return new(new UnavailableGpuBackend("no GPU backend selected (--gpu none)"), "--gpu none: guests see no device", false);
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown GPU backend kind");
        }
    }

    private static GpuBackendChoice Auto(CpuBackendOptions cpuOptions, WebGpuBackendOptions webGpuOptions, CudaBackendOptions cudaOptions)
    {
        var passed = new List<string>();
        bool fallback = false;
        var driver = CudaDriver.Start(cudaOptions.DriverLibrary);
        if (driver.Driver is null)
        {
            passed.Add($"CUDA: {driver.Reason}");
            fallback |= driver.IsInstalled; // a driver that is there but does not start
        }
        else
        {
            try
            {
                var cuda = new CudaBackend(cudaOptions);
                return new(cuda, $"--gpu auto: {Describe(cuda)}", false);
            }
            catch (CudaUnavailableException e)
            {
                passed.Add($"CUDA: {e.Message}");
                fallback = true;
            }
        }

        if (!MayHaveHardwareAdapter())
        {
            passed.Add("WebGPU: no hardware adapter (no NVIDIA Vulkan driver, no /dev/dri render node)");
        }
        else
        {
            WebGpuBackend? webgpu = null;
            try
            {
                WebGpuLibrary.Resolve(webGpuOptions.Engine?.LibraryPath);
                webgpu = new WebGpuBackend(webGpuOptions);
                if (webgpu.DeviceInfo.IsHardware)
                    return new(webgpu, $"--gpu auto: {Describe(webgpu)}; passed over {string.Join("; ", passed)}", fallback);
                passed.Add($"WebGPU: the adapter is software ({webgpu.DeviceInfo.Name})");
            }
            catch (WebGpuException e)
            {
                passed.Add($"WebGPU: no hardware adapter ({e.Message})");
                fallback = true;
            }
            webgpu?.Dispose();
        }

        var cpu = new CpuBackend(cpuOptions);
        return new(cpu, $"--gpu auto: {Describe(cpu)}; passed over {string.Join("; ", passed)}", fallback);
    }

    private static IGpuBackend Required(string unavailable, Func<IGpuBackend> create)
    {
        try
        {
            return create();
        }
        catch (Exception e) when (e is WebGpuException or CudaUnavailableException)
        {
            throw new NotSupportedException($"{unavailable}: {e.Message}", e);
        }
    }

    /// <summary>"the cuda backend on NVIDIA H200 (compute capability 9.0, …)".</summary>
    private static string Describe(IGpuBackend backend)
    {
        var info = backend.DeviceInfo;
        string details = backend switch
        {
            CudaBackend cuda => $" (compute capability {info.ComputeCapability}, CUDA {cuda.Driver?.Version}, matmul on {(cuda.UsesCublas ? cuda.CublasStatus : "the tiled kernel")})",
            WebGpuBackend => $" ({info.Backend}, {(info.IsHardware ? "hardware" : "software")} adapter)",
            _ => "",
        };
        string kind = backend switch { CudaBackend => "cuda", WebGpuBackend => "webgpu", _ => "cpu" };
        return $"the {kind} backend on {info.Name}{details}";
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
