using ILGPU;
using ILGPU.Runtime.Cuda;

namespace TeeWasm.Gpu.Cuda;

/// <summary>A CUDA device as <c>tee-wasm info</c> lists it.</summary>
/// <param name="Id">Device number.</param>
/// <param name="Name">Device name.</param>
/// <param name="ComputeCapability">"9.0".</param>
/// <param name="MemoryBytes">Device memory.</param>
public sealed record CudaDeviceSummary(int Id, string Name, string ComputeCapability, long MemoryBytes);

/// <summary>What a CUDA probe found: the driver and devices, cuBLAS, and the NVIDIA CC mode from NVML; each with why not.</summary>
/// <param name="Driver">The driver, or null.</param>
/// <param name="DriverMissing">Why there is no driver, or null.</param>
/// <param name="Devices">The devices.</param>
/// <param name="DevicesError">Why the devices cannot be listed, or null.</param>
/// <param name="Cublas">The cuBLAS library found, or null.</param>
/// <param name="CublasMissing">Why there is no cuBLAS, or null.</param>
/// <param name="ConfCompute">The CC mode from NVML, or null.</param>
/// <param name="ConfComputeUnknown">Why the CC mode is unknown, or null.</param>
public sealed record CudaProbe(CudaDriverInfo? Driver, string? DriverMissing, IReadOnlyList<CudaDeviceSummary> Devices, string? DevicesError,
    string? Cublas, string? CublasMissing, NvmlConfComputeState? ConfCompute, string? ConfComputeUnknown);

/// <summary>The CUDA lines of <c>tee-wasm info</c>: the driver, each device, cuBLAS, and the CC mode from NVML.</summary>
public static class CudaInfo
{
    /// <summary>Probes what the CUDA backend would find here; never throws for a missing driver or library.</summary>
    public static CudaProbe Probe(CudaBackendOptions? options = null, string? nvmlLibrary = null)
    {
        options ??= new CudaBackendOptions();
        var start = CudaDriver.Start(options.DriverLibrary);
        var devices = new List<CudaDeviceSummary>();
        string? devicesError = null, cublas = null, cublasMissing = null;
        if (start.Driver is not null)
        {
            try
            {
                using var context = Context.Create(b => b.Cuda());
                foreach (var device in context.GetCudaDevices())
                    devices.Add(new CudaDeviceSummary(device.DeviceId, device.Name, $"{device.Architecture?.Major}.{device.Architecture?.Minor}", device.MemorySize));
            }
            catch (Exception e) when (e is CudaException or NotSupportedException)
            {
                devicesError = $"{(e is CudaException c ? c.Error + ": " : "")}{e.Message}";
            }
            if (Cublas.TryFind(options.CublasLibrary, out string? found, out string why)) cublas = found;
            else cublasMissing = why;
        }
        var cc = NvmlConfCompute.TryRead(nvmlLibrary, out string noNvml);
        return new CudaProbe(start.Driver, start.Driver is null ? start.Reason : null, devices, devicesError, cublas, cublasMissing, cc, cc is null ? noNvml : null);
    }

    /// <summary>Describes what the CUDA backend would find here; never throws for a missing driver or library.</summary>
    public static IReadOnlyList<string> Describe(CudaBackendOptions? options = null, string? nvmlLibrary = null) => Describe(Probe(options, nvmlLibrary));

    /// <summary>The lines for a probe.</summary>
    public static IReadOnlyList<string> Describe(CudaProbe probe)
    {
        var lines = new List<string>();
        if (probe.Driver is not { } driver)
        {
            lines.Add($"CUDA driver       none: {probe.DriverMissing}");
        }
        else
        {
            lines.Add($"CUDA driver       CUDA {driver.Version} ({driver.Library}, {driver.DeviceCount} device{(driver.DeviceCount == 1 ? "" : "s")})");
            foreach (var device in probe.Devices)
            {
                lines.Add($"CUDA device {device.Id,-5} {device.Name}, compute capability {device.ComputeCapability}, " +
                    $"{device.MemoryBytes / (1024.0 * 1024 * 1024):0.0} GiB");
            }
            if (probe.DevicesError is not null) lines.Add($"CUDA devices      cannot be listed: {probe.DevicesError}");
            lines.Add($"cuBLAS            {probe.Cublas ?? probe.CublasMissing + "; matmul uses the tiled kernel"}");
        }
        lines.Add(probe.ConfCompute is not { } cc
            ? $"NVIDIA CC mode    unknown: {probe.ConfComputeUnknown}"
            : $"NVIDIA CC mode    {cc.Mode} (NVML: driver {cc.DriverVersion}, environment {cc.Environment})");
        return lines;
    }
}
