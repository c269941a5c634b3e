using TeeWasm.Attestation.Linux;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>Where <see cref="TdxEvidenceSource"/> finds the guest's TDX interfaces (tests point these at temp files).</summary>
public sealed class TdxEvidenceSourceOptions
{
    /// <summary>The configfs-tsm report directory.</summary>
    public string ConfigFsTsmRoot { get; init; } = ConfigFsTsmReport.DefaultRoot;

    /// <summary>The TDX guest device for TDX_CMD_GET_REPORT0.</summary>
    public string DevicePath { get; init; } = "/dev/tdx_guest";

    /// <summary>Name of the configfs-tsm entry to create; null for a fresh unique name per request.</summary>
    public string? EntryName { get; init; }

    /// <summary>The provider the configfs-tsm entry must report.</summary>
    public string ExpectedProvider { get; init; } = "tdx_guest";
}
