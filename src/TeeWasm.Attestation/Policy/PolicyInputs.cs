using System.Security.Cryptography;
using System.Text.Json;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Platforms.Nvidia;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Tpm;

namespace TeeWasm.Attestation.Policy;

/// <summary>
/// Builds a <see cref="PolicyInput"/> from a <b>successful</b> <see cref="AttestationResult"/> (the evidence source has
/// already verified it) by decoding the report its evidence JSON carries (<c>"report"</c>, base64: an SNP report, a TDX
/// quote, or an Azure HCL report) and re-checking the report_data binding independently: SNP/TDX report_data must equal
/// the expected report_data; for Azure, the TPM quote's extraData must equal SHA-256 of it (see
/// <see cref="AzureVtpmEvidenceSource"/>), the HCL runtime claims must be bound and, on TDX, the TD quote
/// (<c>td_quote</c>, whose body the policy reads) must carry the TDREPORT's fields.
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
            if (IsGpu(root)) return FromGpuEvidence(root, expectedReportData, time, result.Simulated);
            if (!root.TryGetProperty("report", out var r) || r.GetString() is not { } b64)
                throw new AttestationException("the evidence JSON has no \"report\"");
            byte[] report = Convert.FromBase64String(b64);
            bool simulated = result.Simulated;

            if (HclReport.HasSignature(report))
            {
                var hcl = HclReport.Parse(report);
                bool bound = HclBinding.IsBound(hcl);
                if (root.TryGetProperty("tpm_quote", out var q) && q.TryGetProperty("attest", out var a) && a.GetString() is { } attestB64)
                {
                    var attest = TpmAttest.Parse(Convert.FromBase64String(attestB64));
                    bound &= CryptographicOperations.FixedTimeEquals(attest.ExtraData, SHA256.HashData(expectedReportData));
                }
                else bound = false;
                if (hcl.ReportType == HclReportType.Snp)
                    return PolicyInput.FromSnp(SnpReport.Parse(hcl.HardwareReport.Span), bound, time, simulated);
                // Azure TDX: the TDREPORT is MAC'd, so the policy reads the TD quote it was paired with.
                if (hcl.ReportType != HclReportType.Tdx || !root.TryGetProperty("td_quote", out var tq) || tq.GetString() is not { } quoteB64)
                    throw new AttestationException("Azure HCL report carries a TDREPORT but the evidence has no TD quote (td_quote)");
                var tdQuote = TdxQuote.Parse(Convert.FromBase64String(quoteB64));
                bound &= TdQuotePairing.TryMatch(TdxTdReport.Parse(hcl.HardwareReport.Span), tdQuote.Body, out _);
                return PolicyInput.FromTdx(tdQuote, bound, time, simulated);
            }
            if (TdxQuote.TryParse(report, out var quote))
            {
                bool bound = CryptographicOperations.FixedTimeEquals(quote.Body.ReportData.Span, expectedReportData);
                return PolicyInput.FromTdx(quote, bound, time, simulated) with { TdxTcbStatus = TdxTcbStatusOf(root) };
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

    /// <summary>The TCB status the TDX source evaluated (<c>fields.tcb_status</c>), or null when it had no collateral.</summary>
    private static TcbStatus? TdxTcbStatusOf(JsonElement root) =>
        root.TryGetProperty("fields", out var f) && f.ValueKind == JsonValueKind.Object
            && f.TryGetProperty("tcb_status", out var t) && t.ValueKind == JsonValueKind.String
            && Enum.GetNames<TcbStatus>().Contains(t.GetString()) ? Enum.Parse<TcbStatus>(t.GetString()!) : null;

    private static bool IsGpu(JsonElement root) =>
        (root.TryGetProperty("platform", out var p) && p.ValueKind == JsonValueKind.String && p.GetString() == "NVIDIA GPU")
        || (root.TryGetProperty("tee_type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "NVIDIA_GPU");

    /// <summary>
    /// GPU evidence as the NVML source (<c>report.spdm_base64</c>, <c>cc.mode</c>) or the simulator (<c>report</c>,
    /// <c>fields.cc_mode</c>) writes it. The report was verified by the source; bound when its request nonce is the first
    /// 32 bytes of the expected binding (what <see cref="Attester.AttestGpu"/> asks the GPU to sign).
    /// </summary>
    private static PolicyInput FromGpuEvidence(JsonElement root, ReadOnlySpan<byte> expectedReportData, DateTimeOffset time, bool simulated)
    {
        string? b64 = root.TryGetProperty("report", out var r)
            ? r.ValueKind == JsonValueKind.String ? r.GetString()
              : r.ValueKind == JsonValueKind.Object && r.TryGetProperty("spdm_base64", out var s) ? s.GetString() : null
            : null;
        if (b64 is null) throw new AttestationException("the GPU evidence JSON carries no SPDM measurement report");
        if (!GpuAttestationReport.TryParse(Convert.FromBase64String(b64), out var report, out string? error))
            throw new AttestationException("the GPU evidence's SPDM report does not parse: " + error);
        string? cc = root.TryGetProperty("cc", out var c) && c.ValueKind == JsonValueKind.Object && c.TryGetProperty("mode", out var m) ? m.GetString()
            : root.TryGetProperty("fields", out var f) && f.ValueKind == JsonValueKind.Object && f.TryGetProperty("cc_mode", out var cm) ? cm.GetString()
            : null;
        bool bound = expectedReportData.Length >= 32
            && CryptographicOperations.FixedTimeEquals(report!.RequestNonce.Span, expectedReportData[..32]);
        return PolicyInput.FromGpu(report!, cc, bound, time, simulated);
    }
}
