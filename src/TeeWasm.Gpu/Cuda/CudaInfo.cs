using ILGPU;
using ILGPU.Runtime.Cuda;

namespace TeeWasm.Gpu.Cuda;

/// <summary>The CUDA lines of <c>tee-wasm info</c>: the driver, each device, cuBLAS, and the CC mode from NVML.</summary>
public static class CudaInfo
{
    /// <summary>Describes what the CUDA backend would find here; never throws for a missing driver or library.</summary>
    public static IReadOnlyList<string> Describe(CudaBackendOptions? options = null, string? nvmlLibrary = null)
    {
        options ??= new CudaBackendOptions();
        var lines = new List<string>();
        var start = CudaDriver.Start(options.DriverLibrary);
        if (start.Driver is not { } driver)
        {
            lines.Add($"CUDA driver       none: {start.Reason}");
        }
        else
        {
            lines.Add($"CUDA driver       CUDA {driver.Version} ({driver.Library}, {driver.DeviceCount} device{(driver.DeviceCount == 1 ? "" : "s")})");
            try
            {
                using var context = Context.Create(b => b.Cuda());
                foreach (var device in context.GetCudaDevices())
                {
                    lines.Add($"CUDA device {device.DeviceId,-5} {device.Name}, compute capability {device.Architecture?.Major}.{device.Architecture?.Minor}, " +
                        $"{device.MemorySize / (1024.0 * 1024 * 1024):0.0} GiB");
                }
            }
            catch (Exception e) when (e is CudaException or NotSupportedException)
            {
                lines.Add($"CUDA devices      cannot be listed: {(e is CudaException c ? c.Error + ": " : "")}{e.Message}");
            }
            lines.Add($"cuBLAS            {(Cublas.TryFind(options.CublasLibrary, out string? cublas, out string why) ? cublas : why + "; matmul uses the tiled kernel")}");
        }
        var cc = NvmlConfCompute.TryRead(nvmlLibrary, out string noNvml);
        lines.Add(cc is null
            ? $"NVIDIA CC mode    unknown: {noNvml}"
            : $"NVIDIA CC mode    {cc.Mode} (NVML: driver {cc.DriverVersion}, environment {cc.Environment})");
        return lines;
    }
}
