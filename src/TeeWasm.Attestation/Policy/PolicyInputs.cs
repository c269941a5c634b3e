using System.Security.Cryptography;
using System.Text.Json;
using TeeWasm.Attestation.AzureVtpm;
using TeeWasm.Attestation.Snp;
using TeeWasm.Attestation.Tdx;
using TeeWasm.Attestation.Tpm;

namespace TeeWasm.Attestation.Policy;

/// <summary>
/// Builds a <see cref="PolicyInput"/> from a <b>successful</b> <see cref="AttestationResult"/> (the evidence source has
/// already verified it) by decoding the report its evidence JSON carries (<c>"report"</c>, base64: an SNP report, a TDX
/// quote, or an Azure HCL report) and re-checking the report_data binding independently: SNP/TDX report_data must equal
/// the expected report_data; for Azure, the TPM quote's extraData must equal SHA-256 of it (see
/// <see cref="AzureVtpmEvidenceSource"/>) and the HCL runtime claims must be bound.
/// </summary>
public static class PolicyInputs
{
    /// <summary>Decodes the evidence of <paramref name="result"/>; throws <see cref="AttestationException"/> when it cannot.</summary>
    public static PolicyInput FromResult(AttestationResult result, ReadOnlySpan<byte> expectedReportData)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (!result.Success) throw new AttestationException(result.Error ?? "attestation failed");
        DateTimeOffset time = DateTimeOffset.FromUnixTimeSeconds(result.Timestamp);
        if (result.Evidence is not { } json) throw new AttestationException("the attestation result carries no evidence");
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (!root.TryGetProperty("report", out var r) || r.GetString() is not { } b64)
                throw new AttestationException("the evidence JSON has no \"report\"");
            byte[] report = Convert.FromBase64String(b64);
            bool simulated = result.Simulated;

            if (HclReport.HasSignature(report))
            {
                var hcl = HclReport.Parse(report);
                if (hcl.ReportType != HclReportType.Snp) throw new AttestationException("Azure HCL report does not carry an SNP report");
                bool bound = HclBinding.IsBound(hcl);
                if (root.TryGetProperty("tpm_quote", out var q) && q.TryGetProperty("attest", out var a) && a.GetString() is { } attestB64)
                {
                    var attest = TpmAttest.Parse(Convert.FromBase64String(attestB64));
                    bound &= CryptographicOperations.FixedTimeEquals(attest.ExtraData, SHA256.HashData(expectedReportData));
                }
                else bound = false;
                return PolicyInput.FromSnp(SnpReport.Parse(hcl.HardwareReport.Span), bound, time, simulated);
            }
            if (TdxQuote.TryParse(report, out var quote))
            {
                bool bound = CryptographicOperations.FixedTimeEquals(quote.Body.ReportData.Span, expectedReportData);
                return PolicyInput.FromTdx(quote, bound, time, simulated);
            }
            if (SnpReport.TryParse(report, out var snp))
            {
                bool bound = CryptographicOperations.FixedTimeEquals(snp.ReportData, expectedReportData);
                return PolicyInput.FromSnp(snp, bound, time, simulated);
            }
            throw new AttestationException("the evidence report is neither an SNP report, a TDX quote nor an HCL report");
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw new AttestationException("the evidence JSON cannot be decoded: " + e.Message, e);
        }
    }
}
