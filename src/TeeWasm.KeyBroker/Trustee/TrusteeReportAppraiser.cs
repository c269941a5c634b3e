using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Verification;
using TeeWasm.KeyBroker.Appraisers;

namespace TeeWasm.KeyBroker.Trustee;

/// <summary>
/// The hardware reports of Trustee's <c>snp</c> and <c>tdx</c> evidence, appraised with the platforms' verifiers: the
/// SNP report (VCEK/VLEK → ASK/ASVK → AMD ARK, or → the simulator root when one is given) and the TDX quote (DCAP, PCK
/// chain → Intel root), each against the report_data Trustee's runtime data gives.
/// </summary>
internal static class TrusteeReportAppraiser
{
    /// <summary>Appraises an SNP report with the certificates that came with it (PEM).</summary>
    /// <exception cref="AttestationException">Why the report is not acceptable.</exception>
    public static AppraisedEvidence Snp(byte[] report, IReadOnlyList<string?> pems, byte[] reportData, byte[] moduleHash, TrusteeAppraisalOptions options)
    {
        var certificates = new X509Certificate2Collection();
        foreach (string? pem in pems) certificates.ImportFromPem(pem);
        var now = options.Time.GetUtcNow();
        SnpFetchedCollateral? fetched = null;
        if (options.CollateralFetcher is { } fetcher && !certificates.Any(c => c.PublicKey.Oid.Value == "1.2.840.10045.2.1"))
        {
            try
            {
                fetched = SnpCollateralFetch.For(fetcher, report, [.. certificates], product: null);
            }
            catch (Exception e) when (e is CollateralUnavailableException or VerificationInputException)
            {
                throw new AttestationException("SNP evidence carries no VCEK and fetching it failed: " + e.Message, e);
            }
        }
        var appraisal = options.SnpVerifierWith(fetched).Verify(new SnpEvidence { Report = report, Certificates = [.. certificates] },
            new VerificationContext { ExpectedReportData = reportData, Time = now });
        if (!appraisal.EvidenceValid)
        {
            bool claimsSimulated = certificates.Any(c => c.Subject.Contains("TeeWasm Simulator", StringComparison.Ordinal));
            throw new AttestationException(claimsSimulated && options.SimulatorRoot is null
                ? EvidenceAppraiser.SimulatedRefused
                : $"SNP report rejected ({appraisal.Reason}): {appraisal.Message}");
        }
        return AppraisedEvidence.From(appraisal, moduleHash, now);
    }

    /// <summary>Appraises a TDX quote; <paramref name="boundInputs"/> says in the refusal what report_data should have bound.</summary>
    /// <exception cref="AttestationException">Why the quote is not acceptable.</exception>
    public static AppraisedEvidence Tdx(byte[] quote, byte[] reportData, byte[] moduleHash, TrusteeAppraisalOptions options,
        string boundInputs = "runtime-data (nonce and tee-pubkey)")
    {
        var now = options.Time.GetUtcNow();
        TdxVerifierOptions tdx = options.Tdx;
        if (tdx.Collateral is null && options.CollateralFetcher is { } fetcher)
        {
            try
            {
                tdx = tdx with { Collateral = TdxCollateralFetch.For(fetcher, quote) };
            }
            catch (Exception e) when (e is CollateralUnavailableException or VerificationInputException)
            {
                throw new AttestationException("fetching the quote's collateral from Intel PCS failed: " + e.Message, e);
            }
        }
        var appraisal = new TdxEvidenceVerifier(tdx).Verify(new TdxEvidence { Quote = quote },
            new VerificationContext { ExpectedReportData = reportData, Time = now });
        if (appraisal.Reason == TdxEvidenceVerifier.ReportDataMismatch) throw new AttestationException($"TDX quote report_data does not bind {boundInputs}");
        if (!appraisal.EvidenceValid) throw new AttestationException($"TDX quote rejected ({appraisal.Reason}): {appraisal.Message}");
        return AppraisedEvidence.From(appraisal, moduleHash, now);
    }
}
