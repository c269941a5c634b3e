using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Policy;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.KeyBroker.Appraisers;

/// <summary>
/// The key broker's verifier of TeeWasm evidence JSON as the <see cref="TeeWasm.Attestation.Attester"/> produces it: checks that its binding
/// carries the expected nonce, takes report_data from the binding's scheme (<see cref="EvidenceDocument.GetBinding"/>),
/// and appraises the SNP report (VCEK/VLEK → ASK/ASVK → AMD ARK, or → the simulator root when one is given) or the TDX
/// quote (DCAP, PCK chain → Intel root) with the platform's verifier.
/// </summary>
public static class EvidenceAppraiser
{
    /// <summary>Appraises <paramref name="evidenceJson"/>; <paramref name="expectedNonce"/> is the binding nonce of this session.</summary>
    /// <exception cref="AttestationException">Why the evidence is not acceptable.</exception>
    public static AppraisedEvidence Appraise(string evidenceJson, ReadOnlySpan<byte> expectedNonce, AppraisalOptions options)
    {
        EvidenceDocument document;
        string teeType;
        try
        {
            document = EvidenceDocument.Parse(evidenceJson);
            teeType = document.RequireString("tee_type");
            document.RequireString("report");
            if (!document.HasBinding) throw new KeyNotFoundException("The given key was not present in the dictionary.");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException or AttestationException)
        {
            throw new AttestationException($"evidence is not TeeWasm evidence JSON (tee_type, report, certificates, binding): {e.Message}", e);
        }
        // The binding's scheme (teewasm, maa, ita) says how report_data derives from module, host key and nonce; reading
        // it checks that a service scheme's runtime data names the same three.
        var bound = document.GetBinding();
        if (!bound.Nonce.AsSpan().SequenceEqual(expectedNonce))
            throw new AttestationException("evidence is not bound to this challenge and TEE key (stale, replayed, or for another key)");
        byte[] report = document.GetBase64("report")!;
        return teeType switch
        {
            SnpEvidence.TeeTypeName => Snp(report, [.. document.GetStrings("certificates") ?? []], bound.ReportData, bound.ModuleHash, options),
            TdxEvidence.TeeTypeName => Tdx(report, bound.ReportData, bound.ModuleHash, options),
            _ => throw new AttestationException($"evidence of platform '{teeType}' is not supported ({SnpEvidence.TeeTypeName}, {TdxEvidence.TeeTypeName})"),
        };
    }

    internal static AppraisedEvidence Snp(byte[] report, IReadOnlyList<string?> pems, byte[] reportData, byte[] moduleHash, AppraisalOptions options)
    {
        var certificates = new X509Certificate2Collection();
        foreach (string? pem in pems) certificates.ImportFromPem(pem);
        var now = options.Time.GetUtcNow();
        var appraisal = options.SnpVerifier.Verify(new SnpEvidence { Report = report, Certificates = [.. certificates] },
            new VerificationContext { ExpectedReportData = reportData, Time = now });
        if (!appraisal.EvidenceValid)
        {
            bool claimsSimulated = certificates.Any(c => c.Subject.Contains("TeeWasm Simulator", StringComparison.Ordinal));
            throw new AttestationException(claimsSimulated && options.SimulatorRoot is null
                ? "simulated platform refused: this broker's policy allows no simulated platform"
                : $"SNP report rejected ({appraisal.Reason}): {appraisal.Message}");
        }
        return AppraisedEvidence.From(appraisal, moduleHash, now);
    }

    internal static AppraisedEvidence Tdx(byte[] quote, byte[] reportData, byte[] moduleHash, AppraisalOptions options,
        string boundInputs = "module, host key and nonce")
    {
        var now = options.Time.GetUtcNow();
        var appraisal = new TdxEvidenceVerifier(options.Tdx).Verify(new TdxEvidence { Quote = quote },
            new VerificationContext { ExpectedReportData = reportData, Time = now });
        if (appraisal.Reason == TdxEvidenceVerifier.ReportDataMismatch) throw new AttestationException($"TDX quote report_data does not bind {boundInputs}");
        if (!appraisal.EvidenceValid) throw new AttestationException($"TDX quote rejected ({appraisal.Reason}): {appraisal.Message}");
        return AppraisedEvidence.From(appraisal, moduleHash, now);
    }
}
