using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.KeyBroker.Trustee;

/// <summary>
/// Builds Trustee's Attestation message from evidence the <see cref="Attester"/> collected:
/// <c>{"runtime-data": {"nonce", "tee-pubkey"}, "tee-evidence": {"primary_evidence": &lt;snp|tdx|az-snp-vtpm evidence&gt;, "additional_evidence": ""}}</c>
/// (no <c>init-data</c>).
/// </summary>
public static class TrusteeAttestationMessage
{
    /// <summary>The message for <paramref name="tee"/> ("snp", "tdx", "az-snp-vtpm" or "az-tdx-vtpm") from TeeWasm evidence JSON (<see cref="CollectedEvidence.EvidenceJson"/>).</summary>
    /// <exception cref="AttestationException">The evidence has no Trustee form (e.g. another TEE's).</exception>
    public static JsonObject Create(string tee, string nonce, JsonObject teePubKey, string evidenceJson) => new()
    {
        [TrusteeKbs.RuntimeDataField] = TrusteeKbs.RuntimeData(nonce, teePubKey),
        ["tee-evidence"] = new JsonObject
        {
            [TrusteeKbs.PrimaryEvidenceField] = PrimaryEvidence(tee, evidenceJson),
            [TrusteeKbs.AdditionalEvidenceField] = "",
        },
    };

    /// <summary>Trustee's per-TEE evidence from TeeWasm evidence JSON (raw report/quote and certificates).</summary>
    /// <exception cref="AttestationException">The evidence has no Trustee form here.</exception>
    public static JsonObject PrimaryEvidence(string tee, string evidenceJson)
    {
        var root = JsonDocument.Parse(evidenceJson).RootElement;
        string teeType = root.GetProperty("tee_type").GetString() ?? "";
        string source = root.TryGetProperty("source", out var s) ? s.GetString() ?? "" : "";
        if (source == "azure-vtpm")
        {
            // The azure-vtpm source names the platform by its ABI name ("AMD SEV-SNP", "Intel TDX").
            string expected = teeType == TeeType.IntelTdx.ToAbiName() ? TrusteeAzVtpmEvidence.TdxTee
                : teeType == TeeType.AmdSevSnp.ToAbiName() ? TrusteeAzVtpmEvidence.SnpTee : "";
            return tee == expected
                ? TrusteeAzVtpmEvidence.FromAzureVtpmJson(evidenceJson).ToJson()
                : throw new AttestationException($"Azure vTPM {teeType} evidence cannot be sent as Trustee '{tee}' evidence");
        }
        byte[] report = Convert.FromBase64String(root.GetProperty("report").GetString()!);
        return (tee, teeType) switch
        {
            ("snp", "AMD_SEV_SNP") => TrusteeSnpEvidence.Write(report, Certificates(root)),
            ("tdx", "TDX") => TrusteeTdxEvidence.Write(report),
            _ => throw new AttestationException($"{teeType} evidence cannot be sent as Trustee '{tee}' evidence"),
        };
    }

    private static X509Certificate2[] Certificates(JsonElement root)
    {
        if (!root.TryGetProperty("certificates", out var pems)) return [];
        var collection = new X509Certificate2Collection();
        foreach (var pem in pems.EnumerateArray()) collection.ImportFromPem(pem.GetString()!);
        return collection.ToArray();
    }
}
