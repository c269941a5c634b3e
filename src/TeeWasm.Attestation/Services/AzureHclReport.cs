using System.Buffers.Binary;
using System.Security.Cryptography;

namespace TeeWasm.Attestation.Services;

/// <summary>
/// An Azure confidential VM's HCL report (vTPM NV index 0x01400001): a 32-byte header (<c>HCLA</c>…), the 1184-byte
/// hardware report area (an SEV-SNP report, or a TDREPORT padded), and the IGVM request data — data size, version,
/// report type (2 SNP, 4 TDX), hash type (1 SHA-256), variable data size — followed by the runtime claims JSON, whose
/// SHA-256 is the first 32 bytes of the hardware report's report_data. This is the evidence Azure Attestation's
/// <c>SevSnpVm</c> API takes from an Azure SNP CVM: the SNP report with the runtime claims as runtime data.
/// </summary>
public sealed record AzureHclReport
{
    /// <summary>Size of the header.</summary>
    public const int HeaderSize = 32;
    /// <summary>Size of the hardware report area.</summary>
    public const int HardwareReportSize = 1184;
    /// <summary>Size of the IGVM request data header.</summary>
    public const int RequestHeaderSize = 20;
    /// <summary>IGVM report type of an SEV-SNP report.</summary>
    public const int ReportTypeSnp = 2;
    /// <summary>IGVM report type of a TDX TDREPORT.</summary>
    public const int ReportTypeTdx = 4;

    /// <summary>The header's version.</summary>
    public required int Version { get; init; }
    /// <summary>2 (SNP) or 4 (TDX).</summary>
    public required int ReportType { get; init; }
    /// <summary>The hardware report area (1184 bytes: SNP report, or TDREPORT + padding).</summary>
    public required byte[] HardwareReport { get; init; }
    /// <summary>The runtime claims (JSON: HCLAkPub, HCLEkPub, vm-configuration, user-data).</summary>
    public required byte[] RuntimeClaims { get; init; }

    /// <summary>The report_data field of the hardware report (SNP offset 0x50, TDREPORT offset 0x80; 64 bytes).</summary>
    public ReadOnlySpan<byte> ReportData => HardwareReport.AsSpan(ReportType == ReportTypeTdx ? 0x80 : 0x50, 64);

    /// <summary>True when SHA-256(runtime claims) = the first 32 bytes of report_data.</summary>
    public bool RuntimeClaimsBound => CryptographicOperations.FixedTimeEquals(SHA256.HashData(RuntimeClaims), ReportData[..32]);

    /// <summary>Parses an HCL report.</summary>
    /// <exception cref="AttestationException">Not an HCL report, or its lengths do not fit.</exception>
    public static AzureHclReport Parse(ReadOnlySpan<byte> hcl)
    {
        const int fixedSize = HeaderSize + HardwareReportSize + RequestHeaderSize;
        if (hcl.Length < fixedSize) throw new AttestationException($"HCL report is {hcl.Length} bytes; at least {fixedSize} expected");
        if (!hcl[..4].SequenceEqual("HCLA"u8)) throw new AttestationException("not an HCL report (no HCLA signature)");
        var request = hcl.Slice(HeaderSize + HardwareReportSize, RequestHeaderSize);
        int reportType = BinaryPrimitives.ReadInt32LittleEndian(request[8..]);
        int hashType = BinaryPrimitives.ReadInt32LittleEndian(request[12..]);
        uint variableSize = BinaryPrimitives.ReadUInt32LittleEndian(request[16..]);
        if (reportType is not (ReportTypeSnp or ReportTypeTdx)) throw new AttestationException($"HCL report type {reportType} unknown (2 SNP, 4 TDX)");
        if (hashType != 1) throw new AttestationException($"HCL report_data hash type {hashType} unsupported (1 = SHA-256)");
        if (variableSize > (uint)(hcl.Length - fixedSize)) throw new AttestationException($"HCL runtime claims ({variableSize} bytes) run past the report");
        return new AzureHclReport
        {
            Version = BinaryPrimitives.ReadInt32LittleEndian(hcl[4..]),
            ReportType = reportType,
            HardwareReport = hcl.Slice(HeaderSize, HardwareReportSize).ToArray(),
            RuntimeClaims = hcl.Slice(fixedSize, (int)variableSize).ToArray(),
        };
    }

    /// <summary>
    /// The evidence for Azure Attestation's <c>SevSnpVm</c> API: the SNP report with <paramref name="vcekChainPem"/> and
    /// the runtime claims as runtime data (MAA checks their SHA-256 against report_data itself).
    /// </summary>
    /// <exception cref="AttestationException">Not an SNP HCL report, or the claims are not bound.</exception>
    public ServiceEvidence ToSnpServiceEvidence(IReadOnlyList<string> vcekChainPem, ReadOnlySpan<byte> nonce)
    {
        if (ReportType != ReportTypeSnp) throw new AttestationException("HCL report holds a TDREPORT, not an SNP report (TDX CVMs need a TD quote)");
        if (!RuntimeClaimsBound) throw new AttestationException("HCL runtime claims are not bound: SHA-256(claims) differs from report_data");
        return new ServiceEvidence
        {
            TeeType = "AMD_SEV_SNP",
            Report = HardwareReport,
            CertificatesPem = vcekChainPem,
            RuntimeData = RuntimeClaims,
            Nonce = nonce.ToArray(),
        };
    }
}
