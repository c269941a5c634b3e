using TeeWasm.Attestation.Linux;

namespace TeeWasm.Attestation.Platforms.Snp;

/// <summary>An SEV-SNP report as collected from the guest: the raw report and, when the host supplied them, its certificates.</summary>
/// <param name="Report">The 1184-byte ATTESTATION_REPORT.</param>
/// <param name="Certificates">The host-supplied certificate table (extended report), or null.</param>
/// <param name="Source">Where it came from: "configfs-tsm" or "sev-guest".</param>
public sealed record SnpGuestReport(byte[] Report, SnpCertificateTable? Certificates, string Source);

/// <summary>Where <see cref="SnpEvidenceSource"/> looks for the SEV-SNP guest interfaces.</summary>
public sealed class SnpEvidenceSourceOptions
{
    /// <summary>The configfs-tsm report directory.</summary>
    public string ConfigFsTsmPath { get; init; } = ConfigFsTsmReport.DefaultRoot;

    /// <summary>The SEV guest device.</summary>
    public string SevGuestDevicePath { get; init; } = "/dev/sev-guest";

    /// <summary>The VMPL to request the report for (configfs <c>privlevel</c>, ioctl <c>vmpl</c>); null leaves the default (0).</summary>
    public uint? PrivilegeLevel { get; init; }

    /// <summary>The configfs-tsm entry name to use; null makes a unique one. An entry this call did not create is not removed.</summary>
    public string? EntryName { get; init; }

    /// <summary>Ask for the host's certificate table too (auxblob / SNP_GET_EXT_REPORT).</summary>
    public bool RequestCertificates { get; init; } = true;
}
