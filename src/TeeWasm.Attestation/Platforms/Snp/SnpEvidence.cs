using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Platforms.Snp;

/// <summary>
/// SEV-SNP evidence: the 1184-byte ATTESTATION_REPORT and the certificates that came with it (VCEK/VLEK, and
/// optionally ASK/ASVK and ARK). Evidence JSON: <c>tee_type</c> "AMD_SEV_SNP", <c>source</c>, <c>simulated</c>,
/// <c>report</c> (base64), <c>certificates</c> (PEM), decoded <c>fields</c>.
/// </summary>
public sealed record SnpEvidence : AttestationEvidence
{
    /// <summary>The evidence JSON's <c>tee_type</c> for SEV-SNP.</summary>
    public const string TeeTypeName = "AMD_SEV_SNP";

    /// <summary>The raw report (exactly <see cref="SnpReport.Size"/> bytes).</summary>
    public required byte[] Report { get; init; }

    /// <summary>The certificates that came with the report, in any order.</summary>
    public IReadOnlyList<X509Certificate2> Certificates { get; init; } = [];

    /// <inheritdoc />
    public override EvidenceSubject Subject => EvidenceSubject.Vm;

    /// <inheritdoc />
    protected internal override void WriteTo(EvidenceDocument.Writer w)
    {
        var parsed = SnpReport.Parse(Report);
        w.String("tee_type", TeeTypeName);
        w.String("source", Source);
        w.Boolean("simulated", Simulated);
        w.Base64("report", Report);
        w.Certificates("certificates", Certificates);
        w.Object("fields", f =>
        {
            f.Number("version", parsed.Version);
            f.Number("guest_svn", parsed.GuestSvn);
            f.String("policy", $"0x{parsed.Policy:x16}");
            f.Boolean("debug_allowed", parsed.DebugAllowed);
            f.Number("vmpl", parsed.Vmpl);
            f.Hex("measurement", parsed.Measurement);
            f.Hex("report_data", parsed.ReportData);
            f.Hex("host_data", parsed.HostData);
            f.String("reported_tcb", parsed.ReportedTcb.ToString());
            f.Hex("chip_id", parsed.ChipId);
            f.String("signing_key", parsed.SigningKey.ToString());
        });
    }
}
