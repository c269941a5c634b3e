using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Tokens;
using TeeWasm.Attestation.Verification;

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

    /// <summary>Fetches Intel PCS collateral for each quote when none was given; null: never.</summary>
    public ICollateralFetcher? CollateralFetcher { get; init; }

    /// <inheritdoc />
    public TeeType TeeType => TeeType.IntelTdx;

    /// <inheritdoc />
    public bool Simulated => false;

    /// <inheritdoc />
    public CollectedEvidence Attest(ReadOnlySpan<byte> reportData, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> moduleHash)
    {
        if (!_collector.TryGetQuote(reportData, out byte[]? quote, out string? error))
            throw new AttestationException(error ?? "no TDX quote");
        var evidence = new TdxEvidence { Quote = quote!, Source = "configfs-tsm" };
        TdxCollateral? collateral = _collateral;
        if (collateral is null && CollateralFetcher is { } fetcher)
        {
            try
            {
                collateral = TdxCollateralFetch.For(fetcher, quote);
            }
            catch (CollateralUnavailableException e)
            {
                throw new AttestationException("fetching the quote's collateral from Intel PCS failed: " + e.Message, e);
            }
        }
        var appraisal = new TdxEvidenceVerifier(new TdxVerifierOptions { Collateral = collateral })
            .Verify(evidence, new VerificationContext { ExpectedReportData = reportData.ToArray(), Time = _time.GetUtcNow() });
        if (appraisal.Reason == TdxEvidenceVerifier.ReportDataMismatch) throw new AttestationException("quote report_data is not the requested binding");
        if (!appraisal.EvidenceValid) throw new AttestationException($"quote rejected ({appraisal.Reason}): {appraisal.Message}");
        var claims = (TdxPolicyClaims)appraisal.PolicyInput!.Claims!;
        return new CollectedEvidence(
            new VerifiedEvidence
            {
                Platform = TeeType.IntelTdx.ToAbiName(),
                Subject = "vm",
                Measurement = appraisal.Claims!.Measurement,
                ReportData = appraisal.Claims.ReportData,
                Nonce = nonce.ToArray(),
                ModuleHash = moduleHash.ToArray(),
                VerifierNote = "TDX quote: attestation key, QE report and PCK chain to the Intel SGX Root CA" +
                    (claims.TcbStatus is { } s ? $"; TCB {s}" : "; TCB status not evaluated (no collateral)"),
            },
            evidence with { Quote = TdxQuote.Parse(quote).Raw.ToArray(), TcbStatus = claims.TcbStatus },
            appraisal);
    }
}
