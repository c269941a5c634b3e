namespace TeeWasm.Gpu.Dawn;

/// <summary>What Dawn reports about the chosen adapter.</summary>
/// <param name="Vendor">Vendor name (e.g. "mesa", "nvidia").</param>
/// <param name="Architecture">Architecture, often empty.</param>
/// <param name="Device">Device name (e.g. "llvmpipe (LLVM 19.1.7, 256 bits)").</param>
/// <param name="Description">Driver description.</param>
/// <param name="Backend">The graphics API.</param>
/// <param name="AdapterType">Discrete, integrated, CPU or unknown.</param>
/// <param name="VendorId">PCI vendor id.</param>
/// <param name="DeviceId">PCI device id.</param>
public sealed record WebGpuAdapterInfo(
    string Vendor, string Architecture, string Device, string Description,
    WebGpuBackendType Backend, WebGpuAdapterType AdapterType, uint VendorId, uint DeviceId)
{
    /// <summary>True for a real GPU; false for CPU implementations (lavapipe) and unknown adapters.</summary>
    public bool IsHardware => AdapterType is WebGpuAdapterType.DiscreteGpu or WebGpuAdapterType.IntegratedGpu;

    /// <summary>One line: device, backend, type, vendor.</summary>
    public override string ToString() =>
        $"{(Device.Length > 0 ? Device : "(unnamed)")} — {Backend}, {AdapterType}{(IsHardware ? "" : " (software)")}, vendor {(Vendor.Length > 0 ? Vendor : "?")} (0x{VendorId:x4}:0x{DeviceId:x4}){(Architecture.Length > 0 ? ", architecture " + Architecture : "")}{(Description.Length > 0 ? ", " + Description : "")}";
}
