using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Services.Kbs.Trustee;

/// <summary>
/// Facts of Trustee's KBS protocol 0.4.0 (confidential-containers/trustee <c>kbs/docs/kbs_attestation_protocol.md</c>,
/// <c>kbs/src/attestation/backend.rs</c>): the Attestation message is
/// <c>{"init-data"?, "runtime-data": {"nonce", "tee-pubkey"}, "tee-evidence": {"primary_evidence", "additional_evidence"}}</c>,
/// and the primary evidence's report_data is HASH(JCS({"additional-evidence", "nonce", "tee-pubkey"})) zero-padded
/// to 64 bytes, HASH being SHA-384 for every TEE but IBM SE (SHA-512) unless the Challenge's
/// <c>extra-params.selected-hash-algorithm</c> names another.
/// </summary>
public static class TrusteeKbs
{
    /// <summary>The protocol version Trustee's KBS requires exactly (<c>VersionReq "=0.4.0"</c>).</summary>
    public const string Version = "0.4.0";

    /// <summary>The Attestation member with the nonce and TEE public key.</summary>
    public const string RuntimeDataField = "runtime-data";

    /// <summary>The Attestation member with the optional init data (not supported here).</summary>
    public const string InitDataField = "init-data";

    /// <summary>The composite evidence's member with the TEE's own evidence.</summary>
    public const string PrimaryEvidenceField = "primary_evidence";

    /// <summary>The composite evidence's member with device evidence: a JSON <em>string</em>, empty when there is none.</summary>
    public const string AdditionalEvidenceField = "additional_evidence";

    /// <summary>The Request's extra-params member listing the client's hash algorithms.</summary>
    public const string SupportedHashAlgorithms = "supported-hash-algorithms";

    /// <summary>The Challenge's extra-params member naming the hash algorithm to use.</summary>
    public const string SelectedHashAlgorithm = "selected-hash-algorithm";

    /// <summary>The report_data size of SNP and TDX.</summary>
    public const int ReportDataLength = 64;

    /// <summary>The RSA <c>tee-pubkey</c> JWK as Trustee serializes it (<c>kty</c>, <c>alg</c>, <c>n</c>, <c>e</c>).</summary>
    public static JsonObject RsaPublicKey(string alg, string modulusBase64Url, string exponentBase64Url) =>
        new() { ["kty"] = "RSA", ["alg"] = alg, ["n"] = modulusBase64Url, ["e"] = exponentBase64Url };

    /// <summary>The <c>runtime-data</c> object: <c>{"nonce", "tee-pubkey"}</c>.</summary>
    public static JsonObject RuntimeData(string nonce, JsonObject teePubKey) =>
        new() { ["nonce"] = nonce, ["tee-pubkey"] = teePubKey.DeepClone() };

    /// <summary>
    /// The report_data Trustee expects in the primary evidence: HASH of the canonical (RFC 8785) JSON of
    /// <c>{"tee-pubkey", "nonce", "additional-evidence"}</c>, zero-padded to 64 bytes.
    /// </summary>
    public static byte[] ReportData(string nonce, JsonObject teePubKey, string additionalEvidence, HashAlgorithmName hash)
    {
        var material = new JsonObject
        {
            ["tee-pubkey"] = teePubKey.DeepClone(),
            ["nonce"] = nonce,
            ["additional-evidence"] = additionalEvidence,
        };
        using var document = JsonDocument.Parse(material.ToJsonString());
        byte[] canonical = JsonCanonicalizer.Serialize(document.RootElement);
        byte[] digest = hash.Name switch
        {
            "SHA256" => SHA256.HashData(canonical),
            "SHA384" => SHA384.HashData(canonical),
            "SHA512" => SHA512.HashData(canonical),
            _ => throw new AttestationException($"hash algorithm {hash.Name} is not one Trustee binds with (sha256, sha384, sha512)"),
        };
        byte[] reportData = new byte[ReportDataLength];
        digest.CopyTo(reportData, 0);
        return reportData;
    }

    /// <summary>The length of a digest of <paramref name="hash"/> (the unpadded runtime-data hash Azure vTPM evidence binds).</summary>
    public static int HashLength(HashAlgorithmName hash) => hash.Name switch
    {
        "SHA256" => 32,
        "SHA384" => 48,
        "SHA512" => 64,
        _ => throw new AttestationException($"hash algorithm {hash.Name} is not one Trustee binds with (sha256, sha384, sha512)"),
    };

    /// <summary>The hash a Challenge selects: its <c>extra-params.selected-hash-algorithm</c>, else SHA-384.</summary>
    /// <exception cref="AttestationException">It names an algorithm this client does not have.</exception>
    public static HashAlgorithmName SelectedHash(JsonElement challenge)
    {
        if (challenge.ValueKind != JsonValueKind.Object || !challenge.TryGetProperty("extra-params", out var extra)
            || extra.ValueKind != JsonValueKind.Object || !extra.TryGetProperty(SelectedHashAlgorithm, out var selected))
            return HashAlgorithmName.SHA384;
        return selected.ValueKind == JsonValueKind.String ? selected.GetString()!.ToLowerInvariant() switch
        {
            "sha256" => HashAlgorithmName.SHA256,
            "sha384" => HashAlgorithmName.SHA384,
            "sha512" => HashAlgorithmName.SHA512,
            var other => throw new AttestationException($"the broker selected hash algorithm '{other}' (sha256, sha384, sha512 supported)"),
        } : throw new AttestationException("the broker's selected-hash-algorithm is not a string");
    }
}
