using System.Security.Cryptography;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Tpm;

namespace TeeWasm.Attestation.Platforms.AzureVtpm;

/// <summary>
/// Verifies Azure confidential-VM evidence. In order: the HCL report parses; hash(runtime claims) = report_data prefix
/// (the claims, and the HCLAkPub in them, are bound to the hardware report); the TPM quote (if given) is a
/// TPM_ST_ATTEST_QUOTE signed by HCLAkPub (RSASSA or RSA-PSS), its extraData = the expected nonce, its pcrDigest =
/// hash of the PCR values read; finally the hardware report: SNP → <see cref="SnpVerifier"/> with the VCEK; TDX → the
/// TD quote given (<see cref="AzureVtpmVerificationOptions.TdQuote"/>) must verify (<see cref="TdxQuoteVerifier"/>) and
/// carry the TDREPORT's fields (<see cref="TdQuotePairing"/>); without one it is rejected as unverifiable alone.
/// Freshness comes only from the quote's nonce: report_data binds the runtime claims, not our nonce.
/// </summary>
internal static class AzureVtpmVerifier
{
    /// <summary>Verifies raw HCL report bytes. Never throws for bad evidence.</summary>
    public static AzureVtpmVerificationResult Verify(ReadOnlySpan<byte> hclReport, AzureVtpmVerificationOptions options)
    {
        if (!HclReport.TryParse(hclReport, out var report, out var error))
            return new() { Reason = AzureVtpmFailureReason.Malformed, Message = "malformed HCL report: " + error };
        return Verify(report, options);
    }

    /// <summary>Verifies a parsed HCL report. Never throws for bad evidence.</summary>
    public static AzureVtpmVerificationResult Verify(HclReport report, AzureVtpmVerificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(options);
        string kind = report.ReportType == HclReportType.Snp ? "SEV-SNP" : "TDX";

        if (!HclBinding.IsBound(report))
        {
            return new()
            {
                Reason = AzureVtpmFailureReason.BindingMismatch, Report = report,
                Message = $"runtime claims are not bound: {report.HashType} of the claims differs from the {kind} report_data",
            };
        }

        RuntimeClaims claims;
        try
        {
            claims = report.ParseRuntimeClaims();
        }
        catch (AttestationException e)
        {
            return new() { Reason = AzureVtpmFailureReason.Malformed, Report = report, BindingValid = true, Message = e.Message };
        }

        TpmAttest? attest = null;
        bool quoteVerified = false;
        if (options.Quote is { } quote)
        {
            var failure = CheckQuote(quote, claims, options, out attest);
            if (failure is { } f)
                return new() { Reason = f.Reason, Message = f.Message, Report = report, Claims = claims, BindingValid = true, Quote = attest };
            quoteVerified = true;
        }
        else if (options.RequireQuote)
        {
            return new() { Reason = AzureVtpmFailureReason.QuoteMissing, Message = "no TPM quote: freshness cannot be established", Report = report, Claims = claims, BindingValid = true };
        }

        if (report.ReportType == HclReportType.Tdx)
        {
            return VerifyTdx(report, claims, quoteVerified, attest, options);
        }

        var snp = new SnpVerifier().Verify(report.HardwareReport.Span, new SnpVerificationOptions
        {
            Certificates = options.Certificates,
            TrustedRoots = options.TrustedRoots,
            VerificationTime = options.VerificationTime,
        });
        if (!snp.IsValid)
        {
            return new()
            {
                Reason = AzureVtpmFailureReason.HardwareReportInvalid, Report = report, Claims = claims, BindingValid = true,
                QuoteVerified = quoteVerified, Quote = attest, Snp = snp, Message = "SNP report inside the HCL report: " + snp.Message,
            };
        }
        return new()
        {
            Reason = AzureVtpmFailureReason.None, Report = report, Claims = claims, BindingValid = true, QuoteVerified = quoteVerified,
            Quote = attest, Snp = snp,
            Message = $"Azure vTPM: {snp.Message}; runtime claims bound" + (quoteVerified ? "; TPM quote signed by HCLAkPub over nonce and PCRs" : "; no TPM quote checked (not fresh)"),
        };
    }

    // A TDREPORT is MAC'd: it is verified through a TD quote that must be valid and carry the TDREPORT's fields.
    private static AzureVtpmVerificationResult VerifyTdx(HclReport report, RuntimeClaims claims, bool quoteVerified, TpmAttest? attest, AzureVtpmVerificationOptions options)
    {
        if (options.TdQuote is not { } tdQuote)
        {
            return new()
            {
                Reason = AzureVtpmFailureReason.HardwareReportUnverifiable, Report = report, Claims = claims,
                BindingValid = true, QuoteVerified = quoteVerified, Quote = attest,
                Message = "runtime claims bound; " + AzureVtpmVerificationResult.TdReportUnverifiable,
            };
        }
        var tdx = TdxQuoteVerifier.Verify(tdQuote, options.TdxOptions ?? new TdxVerificationOptions { VerificationTime = options.VerificationTime });
        if (!tdx.IsValid)
        {
            return new()
            {
                Reason = AzureVtpmFailureReason.TdQuoteInvalid, Report = report, Claims = claims, BindingValid = true,
                QuoteVerified = quoteVerified, Quote = attest, Tdx = tdx, Message = $"TD quote for the TDREPORT rejected ({tdx.Reason}): {tdx.Message}",
            };
        }
        var tdReport = TdxTdReport.Parse(report.HardwareReport.Span);
        if (!TdQuotePairing.TryMatch(tdReport, tdx.Quote!.Body, out string? field))
        {
            return new()
            {
                Reason = AzureVtpmFailureReason.TdQuoteMismatch, Report = report, Claims = claims, BindingValid = true,
                QuoteVerified = quoteVerified, Quote = attest, Tdx = tdx, MismatchedField = field,
                Message = $"TD quote is not for this TDREPORT: {field} differs",
            };
        }
        return new()
        {
            Reason = AzureVtpmFailureReason.None, Report = report, Claims = claims, BindingValid = true, QuoteVerified = quoteVerified,
            Quote = attest, Tdx = tdx,
            Message = $"Azure vTPM: TD quote v{tdx.Quote.Version}: {tdx.Message}; the quote carries the TDREPORT's fields; runtime claims bound"
                + (quoteVerified ? "; TPM quote signed by HCLAkPub over nonce and PCRs" : "; no TPM quote checked (not fresh)"),
        };
    }

    /// <summary>Checks a TPM quote against the claims' AK, the nonce and PCR values; null when it passes.</summary>
    public static (AzureVtpmFailureReason Reason, string Message)? CheckQuote(TpmQuote quote, RuntimeClaims claims, AzureVtpmVerificationOptions options, out TpmAttest? attest)
    {
        ArgumentNullException.ThrowIfNull(quote);
        ArgumentNullException.ThrowIfNull(claims);
        ArgumentNullException.ThrowIfNull(options);
        attest = null;
        if (!claims.HasAttestationKey) return (AzureVtpmFailureReason.AttestationKeyMissing, "runtime claims carry no HCLAkPub key");
        if (!TpmAttest.TryParse(quote.Attest, out attest, out string? error)) return (AzureVtpmFailureReason.QuoteMalformed, "TPM quote: " + error);

        using (RSA ak = claims.CreateAttestationKey())
        {
            if (!quote.Signature.Verify(quote.Attest, ak, out error))
                return (AzureVtpmFailureReason.QuoteSignatureInvalid, error + " (HCLAkPub from the runtime claims)");
        }
        if (options.ExpectedNonce is { } nonce && !CryptographicOperations.FixedTimeEquals(nonce, attest.ExtraData))
            return (AzureVtpmFailureReason.NonceMismatch,
                $"TPM quote extraData differs from the nonce: the quote carries {Convert.ToHexStringLower(attest.ExtraData)}, expected {Convert.ToHexStringLower(nonce)}");
        if (options.PcrValues is { } pcrs)
        {
            var sel = options.PcrSelection;
            if (attest.PcrSelection.Count != 1 || attest.PcrSelection[0].HashAlgorithm != sel.HashAlgorithm || !attest.PcrSelection[0].Pcrs.SequenceEqual(sel.Pcrs))
                return (AzureVtpmFailureReason.PcrMismatch, "the quote covers other PCRs than were read");
            if (pcrs.Count != sel.Pcrs.Count) return (AzureVtpmFailureReason.PcrMismatch, $"{pcrs.Count} PCR values for {sel.Pcrs.Count} PCRs");
            byte[] concat = pcrs.SelectMany(p => p).ToArray();
            byte[] digest = attest.PcrDigest.Length switch
            {
                32 => SHA256.HashData(concat),
                48 => SHA384.HashData(concat),
                64 => SHA512.HashData(concat),
                _ => [],
            };
            if (!CryptographicOperations.FixedTimeEquals(digest, attest.PcrDigest))
                return (AzureVtpmFailureReason.PcrMismatch, "TPM quote pcrDigest differs from the digest of the PCR values read");
        }
        return null;
    }
}
