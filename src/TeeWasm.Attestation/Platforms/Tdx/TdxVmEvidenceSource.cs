using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Tokens;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>
/// Attests a TDX guest: gets a DCAP quote over the binding through configfs-tsm and verifies it with
/// <see cref="TdxQuoteVerifier"/> (PCK chain to the pinned Intel SGX Root CA; TCB status when collateral is given).
/// </summary>
public sealed class TdxVmEvidenceSource : IVmEvidenceSource
{
    private readonly TdxEvidenceSource _collector;
    private readonly TdxCollateral? _collateral;
    private readonly TimeProvider _time;

    /// <summary>Creates the source; <paramref name="collateral"/> enables the TCB status check.</summary>
    public TdxVmEvidenceSource(TdxEvidenceSource collector, TdxCollateral? collateral = null, TimeProvider? time = null)
    {
        _collector = collector;
        _collateral = collateral;
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public TeeType TeeType => TeeType.IntelTdx;

    /// <inheritdoc />
    public bool Simulated => false;

    /// <inheritdoc />
    public CollectedEvidence Attest(ReadOnlySpan<byte> reportData, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> moduleHash)
    {
        if (!_collector.TryGetQuote(reportData, out byte[]? quote, out string? error))
            throw new AttestationException(error ?? "no TDX quote");
        var verdict = TdxQuoteVerifier.Verify(quote, new TdxVerificationOptions
        {
            Collateral = _collateral,
            VerificationTime = _time.GetUtcNow(),
        });
        if (!verdict.IsValid) throw new AttestationException($"quote rejected ({verdict.Reason}): {verdict.Message}");
        var body = verdict.Quote!.Body;
        if (!body.ReportData.Span.SequenceEqual(reportData))
            throw new AttestationException("quote report_data is not the requested binding");
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPem(verdict.Quote.SignatureData.PckCertificateChainPem ?? "");
        string json = EvidenceJson.Write("TDX", "configfs-tsm", simulated: false, verdict.Quote.Raw.ToArray(), certificates, w =>
        {
            w.WriteNumber("version", verdict.Quote.Header.Version);
            w.WriteString("mr_td", Convert.ToHexStringLower(body.MrTd.Span));
            w.WriteString("td_attributes", Convert.ToHexStringLower(BitConverter.GetBytes((ulong)body.TdAttributes)));
            w.WriteString("report_data", Convert.ToHexStringLower(body.ReportData.Span));
            w.WriteString("tcb_status", verdict.TcbStatus?.ToString() ?? "not evaluated (no collateral)");
        });
        return new CollectedEvidence(
            new VerifiedEvidence
            {
                Platform = TeeType.IntelTdx.ToAbiName(),
                Subject = "vm",
                Measurement = body.MrTd.ToArray(),
                ReportData = body.ReportData.ToArray(),
                Nonce = nonce.ToArray(),
                ModuleHash = moduleHash.ToArray(),
                VerifierNote = "TDX quote: attestation key, QE report and PCK chain to the Intel SGX Root CA" +
                    (verdict.TcbStatus is { } s ? $"; TCB {s}" : "; TCB status not evaluated (no collateral)"),
            },
            json);
    }
}
