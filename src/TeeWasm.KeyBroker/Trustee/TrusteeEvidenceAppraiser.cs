using System.Security.Cryptography;
using System.Text.Json;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Services.Kbs;
using TeeWasm.Attestation.Services.Kbs.Trustee;
using TeeWasm.KeyBroker.Appraisers;

namespace TeeWasm.KeyBroker.Trustee;

/// <summary>
/// The key broker's appraisal of a Trustee (KBS protocol 0.4.0) Attestation: checks that <c>runtime-data.nonce</c> is
/// this session's challenge, recomputes Trustee's report_data — SHA-384(JCS({"additional-evidence", "nonce",
/// "tee-pubkey"})) zero-padded to 64 bytes — and verifies the primary evidence with the SNP/TDX verifiers
/// (<see cref="TrusteeReportAppraiser"/>) (<c>az-snp-vtpm</c>, <c>az-tdx-vtpm</c>: <see cref="TrusteeAzVtpmAppraiser"/>, over the unpadded hash). The result never binds a module (<see cref="AppraisedEvidence.BindsModule"/> is false).
/// </summary>
public static class TrusteeEvidenceAppraiser
{
    /// <summary>
    /// Appraises one Attestation message for a session that asked for <paramref name="tee"/> ("snp" or "tdx");
    /// <paramref name="teeKey"/> is its <c>runtime-data.tee-pubkey</c>, already read.
    /// </summary>
    /// <exception cref="AttestationException">Why the evidence is not acceptable.</exception>
    public static AppraisedEvidence Appraise(string tee, string challengeNonce, JsonElement attestation, TeePublicKey teeKey, TrusteeAppraisalOptions options)
    {
        if (attestation.TryGetProperty(TrusteeKbs.InitDataField, out var initData) && initData.ValueKind != JsonValueKind.Null)
            throw new AttestationException("init-data is not supported by this broker (its binding to HOST_DATA/MRCONFIGID is not checked)");
        if (!attestation.TryGetProperty(TrusteeKbs.RuntimeDataField, out var runtime) || runtime.ValueKind != JsonValueKind.Object
            || Str(runtime, "nonce") is not { } nonce)
            throw new AttestationException("runtime-data must hold the challenge nonce and the tee-pubkey");
        if (!CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(nonce), System.Text.Encoding.UTF8.GetBytes(challengeNonce)))
            throw new AttestationException("runtime-data nonce is not this session's challenge (stale or replayed evidence)");
        if (!attestation.TryGetProperty("tee-evidence", out var composite) || composite.ValueKind != JsonValueKind.Object
            || !composite.TryGetProperty(TrusteeKbs.PrimaryEvidenceField, out var primary) || primary.ValueKind != JsonValueKind.Object)
            throw new AttestationException("tee-evidence must be Trustee composite evidence (primary_evidence, additional_evidence)");
        string additional = composite.TryGetProperty(TrusteeKbs.AdditionalEvidenceField, out var add) && add.ValueKind == JsonValueKind.String
            ? add.GetString()! : throw new AttestationException("tee-evidence.additional_evidence must be a string (empty without devices)");
        if (additional.Length > 0)
            throw new AttestationException("additional_evidence (device attesters) is not supported by this broker");

        // Trustee rebuilds the key from its typed fields before hashing; so does this.
        byte[] reportData = TrusteeKbs.ReportData(nonce, teeKey.Jwk, additional, HashAlgorithmName.SHA384);
        var appraised = tee switch
        {
            "snp" => Snp(primary, reportData, options),
            "tdx" => TrusteeReportAppraiser.Tdx(TrusteeTdxEvidence.Parse(primary), reportData, [], options),
            // Azure binds the bare hash: the TPM quote's extraData, the prefix of the HCL user-data.
            TrusteeAzVtpmEvidence.SnpTee or TrusteeAzVtpmEvidence.TdxTee => TrusteeAzVtpmAppraiser.Appraise(TrusteeAzVtpmEvidence.Parse(primary, tee),
                reportData[..TrusteeKbs.HashLength(HashAlgorithmName.SHA384)], options),
            _ => throw new AttestationException($"Trustee evidence for tee '{tee}' is not supported (snp, tdx, az-snp-vtpm, az-tdx-vtpm)"),
        };
        return appraised with { ModuleHash = "", BindsModule = false, Note = appraised.Note + " (Trustee evidence)" };
    }

    private static AppraisedEvidence Snp(JsonElement primary, byte[] reportData, TrusteeAppraisalOptions options)
    {
        var (report, chain) = TrusteeSnpEvidence.Parse(primary);
        static int Rank(string type) => type switch { "VCEK" or "VLEK" => 0, "ASK" => 1, "ARK" => 2, _ => 3 };
        string[] pems = chain.Where(c => Rank(c.Type) < 3).OrderBy(c => Rank(c.Type))
            .Select(c => new string(PemEncoding.Write("CERTIFICATE", c.Der))).ToArray();
        if (pems.Length == 0 && options.CollateralFetcher is null)
            throw new AttestationException("SNP evidence has no cert_chain and this broker does not fetch the VCEK from AMD's KDS (kbs serve --fetch)");
        return TrusteeReportAppraiser.Snp(report, pems, reportData, [], options);
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
