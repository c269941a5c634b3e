using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>
/// NRAS's detached EAT: <c>[["JWT", overall], {"GPU-0": jwt, …}]</c>. The overall token's <c>submods</c> binds each
/// submodule token by <c>["DIGEST", ["SHA-256", hex(SHA-256(token))]]</c>.
/// </summary>
public sealed class NrasDetachedEat
{
    private NrasDetachedEat(string overall, IReadOnlyDictionary<string, string> submodules)
    {
        OverallToken = overall;
        SubmoduleTokens = submodules;
    }

    /// <summary>The overall EAT (compact JWS).</summary>
    public string OverallToken { get; }

    /// <summary>The per-device tokens by submodule name ("GPU-0").</summary>
    public IReadOnlyDictionary<string, string> SubmoduleTokens { get; }

    /// <summary>Parses the JSON.</summary>
    /// <exception cref="NvidiaAttestationException">Not the detached EAT shape.</exception>
    public static NrasDetachedEat Parse(string json)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Array || root.GetArrayLength() != 2)
                throw new JsonException("not a two-element array");
            JsonElement head = root[0];
            if (head.ValueKind != JsonValueKind.Array || head.GetArrayLength() != 2 || head[0].GetString() != "JWT")
                throw new JsonException("first element is not [\"JWT\", token]");
            string overall = head[1].GetString() ?? throw new JsonException("overall token is null");
            var subs = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty p in root[1].EnumerateObject())
                subs[p.Name] = p.Value.GetString() ?? throw new JsonException($"submodule {p.Name} is not a string");
            return new NrasDetachedEat(overall, subs);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or IndexOutOfRangeException)
        {
            throw new NvidiaAttestationException(NvidiaFailureReason.Nras, "NRAS response is not a detached EAT [[\"JWT\", token], {\"GPU-0\": token}]: " + e.Message, e);
        }
    }

    /// <summary>Checks that the overall token's <c>submods</c> names exactly the submodule tokens with their SHA-256 digests.</summary>
    /// <exception cref="NvidiaAttestationException">A digest is missing or wrong.</exception>
    public void VerifySubmoduleDigests(NrasJwt overall)
    {
        if (!overall.Payload.TryGetProperty("submods", out JsonElement submods) || submods.ValueKind != JsonValueKind.Object)
            throw new NvidiaAttestationException(NvidiaFailureReason.Nras, "NRAS overall token has no submods");
        foreach (var (name, token) in SubmoduleTokens)
        {
            string expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(token)));
            if (!submods.TryGetProperty(name, out JsonElement d) || d.ValueKind != JsonValueKind.Array || d.GetArrayLength() != 2 ||
                d[0].GetString() != "DIGEST" || d[1].ValueKind != JsonValueKind.Array || d[1].GetArrayLength() != 2 ||
                d[1][0].GetString() != "SHA-256" || !string.Equals(d[1][1].GetString(), expected, StringComparison.OrdinalIgnoreCase))
                throw new NvidiaAttestationException(NvidiaFailureReason.Nras, $"NRAS overall token does not bind submodule {name} (SHA-256 digest mismatch or missing)");
        }
    }
}
