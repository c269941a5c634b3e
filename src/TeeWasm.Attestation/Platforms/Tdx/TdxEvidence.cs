using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>
/// Intel TDX evidence: a DCAP quote (v4/v5), which carries its PCK chain. Evidence JSON: <c>tee_type</c> "TDX",
/// <c>source</c>, <c>simulated</c>, <c>report</c> (the quote, base64), <c>certificates</c> (the PCK chain from the
/// quote, PEM), decoded <c>fields</c> (with the TCB status the source evaluated).
/// </summary>
public sealed record TdxEvidence : AttestationEvidence
{
    /// <summary>The evidence JSON's <c>tee_type</c> for TDX.</summary>
    public const string TeeTypeName = "TDX";

    /// <summary>The quote (trailing bytes, if any, are ignored by the parser).</summary>
    public required byte[] Quote { get; init; }

    /// <summary>The TCB status the collecting source evaluated from collateral, as written in <c>fields.tcb_status</c>; null when none was.</summary>
    public TcbStatus? TcbStatus { get; init; }

    /// <inheritdoc />
    public override EvidenceSubject Subject => EvidenceSubject.Vm;

    /// <inheritdoc />
    protected internal override void WriteTo(EvidenceDocument.Writer w)
    {
        var quote = TdxQuote.Parse(Quote);
        var body = quote.Body;
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPem(quote.SignatureData.PckCertificateChainPem ?? "");
        w.String("tee_type", TeeTypeName);
        w.String("source", Source);
        w.Boolean("simulated", Simulated);
        w.Base64("report", Quote);
        w.Certificates("certificates", certificates);
        w.Object("fields", f =>
        {
            f.Number("version", quote.Header.Version);
            f.Hex("mr_td", body.MrTd.Span);
            f.Hex("td_attributes", BitConverter.GetBytes((ulong)body.TdAttributes));
            f.Hex("report_data", body.ReportData.Span);
            f.String("tcb_status", TcbStatus?.ToString() ?? "not evaluated (no collateral)");
        });
    }
}
