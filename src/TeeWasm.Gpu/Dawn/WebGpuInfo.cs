namespace TeeWasm.Gpu.Dawn;

/// <summary>The WebGPU lines of <c>tee-wasm info</c>: the adapter (name, backend, vendor, limits), or why there is none.</summary>
public static class WebGpuInfo
{
    /// <summary>Creates a device, describes it and releases it; never throws for a missing GPU stack.</summary>
    public static IReadOnlyList<string> Describe(WebGpuOptions? options = null)
    {
        try
        {
            using var device = WebGpuDevice.Create(options);
            return
            [
                $"WebGPU adapter    {device.AdapterInfo}",
                $"WebGPU driver     {device.DriverSelection}",
                $"WebGPU limits     {device.Limits}",
                $"WebGPU library    {device.LibraryPath} (start-up {device.Timings.TotalMs:0} ms)",
            ];
        }
        catch (WebGpuException e)
        {
            return [$"WebGPU adapter    none: {e.Message}"];
        }
    }

    /// <summary>Writes <see cref="Describe"/>'s lines.</summary>
    public static void WriteTo(TextWriter writer, WebGpuOptions? options = null)
    {
        foreach (string line in Describe(options)) writer.WriteLine(line);
    }
}
