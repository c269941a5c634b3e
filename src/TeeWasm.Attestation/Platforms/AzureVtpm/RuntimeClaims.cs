using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Platforms.AzureVtpm;

/// <summary>
/// The runtime claims of an HCL report: <c>{"keys":[JWK…], "vm-configuration":{…}, "user-data":"hex"}</c>. The JWK with
/// kid "HCLAkPub" is the vTPM attestation key that signs TPM quotes; "HCLEkPub" is the endorsement key.
/// </summary>
public sealed class RuntimeClaims
{
    /// <summary>kid of the attestation key.</summary>
    public const string AkKid = "HCLAkPub";

    /// <summary>kid of the endorsement key.</summary>
    public const string EkKid = "HCLEkPub";

    private readonly Dictionary<string, RSAParameters> _keys;

    private RuntimeClaims(Dictionary<string, RSAParameters> keys, JsonElement? vmConfiguration, string? userData)
    {
        _keys = keys;
        VmConfiguration = vmConfiguration;
        UserData = userData;
    }

    /// <summary>The kids of the RSA keys present.</summary>
    public IReadOnlyCollection<string> KeyIds => _keys.Keys;

    /// <summary>"vm-configuration" (secure-boot, tpm-enabled, vmUniqueId…), when present.</summary>
    public JsonElement? VmConfiguration { get; }

    /// <summary>"user-data" (hex), when present.</summary>
    public string? UserData { get; }

    /// <summary>True when an attestation key (HCLAkPub) is present.</summary>
    public bool HasAttestationKey => _keys.ContainsKey(AkKid);

    /// <summary>The attestation key (HCLAkPub) as an RSA public key; the caller disposes it.</summary>
    public RSA CreateAttestationKey() => CreateKey(AkKid);

    /// <summary>The RSA public key with kid <paramref name="kid"/>; the caller disposes it.</summary>
    public RSA CreateKey(string kid)
    {
        if (!_keys.TryGetValue(kid, out var p)) throw new AttestationException($"runtime claims have no key '{kid}'");
        return RSA.Create(p);
    }

    /// <summary>A JWK for an RSA public key: <c>{"kid":…,"key_ops":["sign"],"kty":"RSA","e":…,"n":…}</c> (base64url).</summary>
    public static string ToJwk(RSA key, string kid = AkKid)
    {
        var p = key.ExportParameters(false);
        return new JsonObject
        {
            ["kid"] = kid,
            ["key_ops"] = new JsonArray("sign"),
            ["kty"] = "RSA",
            ["e"] = Base64Url.EncodeToString(p.Exponent!),
            ["n"] = Base64Url.EncodeToString(p.Modulus!),
        }.ToJsonString();
    }

    /// <summary>Parses runtime claims; throws <see cref="AttestationException"/> when they are not the expected JSON.</summary>
    public static RuntimeClaims Parse(ReadOnlySpan<byte> json)
    {
        // Some producers NUL-pad the claims.
        int end = json.IndexOf((byte)0);
        if (end >= 0) json = json[..end];
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new AttestationException("runtime claims are not a JSON object");
            var keys = new Dictionary<string, RSAParameters>(StringComparer.Ordinal);
            if (root.TryGetProperty("keys", out var keyArray) && keyArray.ValueKind == JsonValueKind.Array)
            {
                foreach (var jwk in keyArray.EnumerateArray())
                {
                    if (jwk.ValueKind != JsonValueKind.Object) continue;
                    if (Str(jwk, "kty") != "RSA" || Str(jwk, "kid") is not { } kid) continue;
                    string n = Str(jwk, "n") ?? throw new AttestationException($"JWK '{kid}' has no modulus");
                    string e = Str(jwk, "e") ?? throw new AttestationException($"JWK '{kid}' has no exponent");
                    keys[kid] = new RSAParameters { Modulus = Base64Url.DecodeFromChars(n), Exponent = Base64Url.DecodeFromChars(e) };
                }
            }
            JsonElement? vm = root.TryGetProperty("vm-configuration", out var v) ? v.Clone() : null;
            string? userData = root.TryGetProperty("user-data", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
            return new RuntimeClaims(keys, vm, userData);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            throw new AttestationException($"runtime claims are not valid JSON: {e.Message}", e);
        }

        static string? Str(JsonElement o, string name) =>
            o.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
    }
}
