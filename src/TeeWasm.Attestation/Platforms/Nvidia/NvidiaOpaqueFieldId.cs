namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>
/// Field types of the TLV list NVIDIA GPUs put in the opaque data of an SPDM MEASUREMENTS response
/// (the IDs NVIDIA's verifier, nvtrust <c>OpaqueDataParser</c>, knows).
/// </summary>
public enum NvidiaOpaqueFieldId : ushort
{
    /// <summary>Certificate issuer name.</summary>
    CertIssuerName = 1,
    /// <summary>Certificate authority key identifier.</summary>
    CertAuthorityKeyIdentifier = 2,
    /// <summary>Driver version, NUL-terminated ASCII ("550.90.07").</summary>
    DriverVersion = 3,
    /// <summary>GPU info.</summary>
    GpuInfo = 4,
    /// <summary>SKU.</summary>
    Sku = 5,
    /// <summary>VBIOS version: two little-endian u32s, printed as five hex bytes ("96.00.9f.00.01").</summary>
    VbiosVersion = 6,
    /// <summary>Manufacturer ID.</summary>
    ManufacturerId = 7,
    /// <summary>Tamper detection status.</summary>
    TamperDetection = 8,
    /// <summary>SMC status.</summary>
    Smc = 9,
    /// <summary>Video protected region status.</summary>
    Vpr = 10,
    /// <summary>NVDEC0 status.</summary>
    Nvdec0Status = 11,
    /// <summary>Measurement counts: one little-endian u32 per measurement index.</summary>
    MeasurementCount = 12,
    /// <summary>CPR info.</summary>
    CprInfo = 13,
    /// <summary>Board ID.</summary>
    BoardId = 14,
    /// <summary>Chip SKU (ASCII).</summary>
    ChipSku = 15,
    /// <summary>Chip SKU modifier (ASCII).</summary>
    ChipSkuMod = 16,
    /// <summary>Project (ASCII, e.g. "1010").</summary>
    Project = 17,
    /// <summary>Project SKU (ASCII, e.g. "0200").</summary>
    ProjectSku = 18,
    /// <summary>Project SKU modifier.</summary>
    ProjectSkuMod = 19,
    /// <summary>The firmware ID (SHA-384), equal to the device certificate's TCG DICE FWID.</summary>
    Fwid = 20,
    /// <summary>Protected PCIe status.</summary>
    ProtectedPcieStatus = 21,
    /// <summary>NVSwitch PDI.</summary>
    SwitchPdi = 22,
    /// <summary>NVSwitch floorswept ports.</summary>
    FloorsweptPorts = 23,
    /// <summary>Position ID.</summary>
    PositionId = 24,
    /// <summary>NVSwitch lock status.</summary>
    LockSwitchStatus = 25,
    /// <summary>GPU link connections.</summary>
    GpuLinkConnection = 32,
    /// <summary>System enable status.</summary>
    SysEnableStatus = 33,
    /// <summary>Opaque data version.</summary>
    OpaqueDataVersion = 34,
    /// <summary>Chip info.</summary>
    ChipInfo = 35,
    /// <summary>Feature flags.</summary>
    FeatureFlag = 36,
}
