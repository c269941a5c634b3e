using System.Text.Json.Nodes;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Platforms.Nvidia;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;

namespace TeeWasm.Attestation.Services.Kbs.Trustee;

/// <summary>
/// Builds Trustee's Attestation message from evidence the <see cref="Attester"/> collected:
/// <c>{"runtime-data": {"nonce", "tee-pubkey"}, "tee-evidence": {"primary_evidence": &lt;snp|tdx|az-snp-vtpm evidence&gt;, "additional_evidence": ""}}</c>
/// (no <c>init-data</c>).
/// </summary>
public static class TrusteeAttestationMessage
{
    /// <summary>The message for <paramref name="tee"/> ("snp", "tdx", "az-snp-vtpm" or "az-tdx-vtpm") from evidence the attester collected.</summary>
    /// <exception cref="AttestationException">The evidence has no Trustee form (e.g. another TEE's).</exception>
    public static JsonObject Create(string tee, string nonce, JsonObject teePubKey, AttestationEvidence evidence) => new()
    {
        [TrusteeKbs.RuntimeDataField] = TrusteeKbs.RuntimeData(nonce, teePubKey),
        ["tee-evidence"] = new JsonObject
        {
            [TrusteeKbs.PrimaryEvidenceField] = PrimaryEvidence(tee, evidence),
            [TrusteeKbs.AdditionalEvidenceField] = "",
        },
    };

    /// <summary>Trustee's per-TEE evidence from evidence the attester collected (raw report/quote and certificates).</summary>
    /// <exception cref="AttestationException">The evidence has no Trustee form here.</exception>
    public static JsonObject PrimaryEvidence(string tee, AttestationEvidence evidence)
    {
        if (evidence is AzureVtpmEvidence azure)
        {
            string expected = azure.TeeType == TeeType.IntelTdx ? TrusteeAzVtpmEvidence.TdxTee : TrusteeAzVtpmEvidence.SnpTee;
            return tee == expected
                ? TrusteeAzVtpmEvidence.FromAzureVtpm(azure).ToJson()
                : throw new AttestationException($"Azure vTPM {azure.TeeType.ToAbiName()} evidence cannot be sent as Trustee '{tee}' evidence");
        }
        return (tee, evidence) switch
        {
            ("snp", SnpEvidence snp) => TrusteeSnpEvidence.Write(snp.Report, snp.Certificates),
            ("tdx", TdxEvidence tdx) => TrusteeTdxEvidence.Write(tdx.Quote),
            _ => throw new AttestationException($"{TeeTypeOf(evidence)} evidence cannot be sent as Trustee '{tee}' evidence"),
        };
    }

    private static string TeeTypeOf(AttestationEvidence evidence) => evidence switch
    {
        SnpEvidence => SnpEvidence.TeeTypeName,
        TdxEvidence => TdxEvidence.TeeTypeName,
        NvidiaGpuEvidence => NvidiaGpuEvidence.TeeTypeName,
        _ => evidence.GetType().Name,
    };
}
