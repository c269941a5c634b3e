namespace TeeWasm.Gpu.Kernels;

/// <summary>The <c>device-info</c> record of <c>wasi:gpu</c>: what the backend runs on, truthfully.</summary>
/// <param name="Name">Device name, e.g. "CPU (AVX2, 2 cores)"; empty when no device works.</param>
/// <param name="Backend">Backend name: "cpu", "vulkan", …; empty when no device works.</param>
/// <param name="TotalMemory">Bytes the guest may allocate in buffers; greater than 0 whenever a device works.</param>
/// <param name="IsHardware">True only for a real GPU (false for the CPU backend and software renderers).</param>
/// <param name="ComputeCapability">The GPU's compute capability (e.g. "9.0"), or empty when none applies.</param>
public sealed record DeviceInfo(string Name, string Backend, ulong TotalMemory, bool IsHardware, string ComputeCapability)
{
    /// <summary>What a host without a working device reports: empty strings, 0 memory.</summary>
    public static DeviceInfo None { get; } = new("", "", 0, false, "");
}
