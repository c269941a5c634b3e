namespace TeeWasm.Gpu.Dawn;

/// <summary>What a WebGPU probe found: the adapter and its device's settings, or why there is none.</summary>
/// <param name="Adapter">The adapter, or null.</param>
/// <param name="DriverSelection">How the Vulkan driver was chosen.</param>
/// <param name="Limits">The device's limits.</param>
/// <param name="LibraryPath">The WebGPU library loaded.</param>
/// <param name="StartupMs">Milliseconds to start instance, adapter and device.</param>
/// <param name="Error">Why there is no adapter, or null.</param>
public sealed record WebGpuProbe(WebGpuAdapterInfo? Adapter, string? DriverSelection, WebGpuLimits? Limits, string? LibraryPath, double StartupMs, string? Error);

/// <summary>The WebGPU lines of <c>tee-wasm info</c>: the adapter (name, backend, vendor, limits), or why there is none.</summary>
public static class WebGpuInfo
{
    /// <summary>Creates a device, reads what it is and releases it; never throws for a missing GPU stack.</summary>
    public static WebGpuProbe Probe(WebGpuOptions? options = null)
    {
        try
        {
            using var device = WebGpuDevice.Create(options);
            return new WebGpuProbe(device.AdapterInfo, device.DriverSelection, device.Limits, device.LibraryPath, device.Timings.TotalMs, null);
        }
        catch (WebGpuException e)
        {
            return new WebGpuProbe(null, null, null, null, 0, e.Message);
        }
    }

    /// <summary>Creates a device, describes it and releases it; never throws for a missing GPU stack.</summary>
    public static IReadOnlyList<string> Describe(WebGpuOptions? options = null) => Describe(Probe(options));

    /// <summary>The lines for a probe.</summary>
    public static IReadOnlyList<string> Describe(WebGpuProbe probe) => probe.Adapter is null
        ? [$"WebGPU adapter    none: {probe.Error}"]
        :
        [
            $"WebGPU adapter    {probe.Adapter}",
            $"WebGPU driver     {probe.DriverSelection}",
            $"WebGPU limits     {probe.Limits}",
            $"WebGPU library    {probe.LibraryPath} (start-up {probe.StartupMs:0} ms)",
        ];

    /// <summary>Writes <see cref="Describe(WebGpuOptions?)"/>'s lines.</summary>
    public static void WriteTo(TextWriter writer, WebGpuOptions? options = null)
    {
        foreach (string line in Describe(options)) writer.WriteLine(line);
    }
}
