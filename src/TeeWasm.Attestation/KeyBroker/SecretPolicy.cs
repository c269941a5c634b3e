using System.Text.Json;
using System.Text.Json.Serialization;

namespace TeeWasm.Attestation.KeyBroker;

/// <summary>One secret's release rule.</summary>
public sealed record SecretRule
{
    /// <summary>The refusal when a rule lists module hashes but the evidence binds no module (Trustee format).</summary>
    public const string ModuleNotBound =
        "policy lists module_hashes but Trustee-format evidence does not bind the guest module (attest with TeeWasm evidence: --kbs-evidence teewasm)";

    /// <summary>Release to platforms that chain to the simulator root (never for production).</summary>
    [JsonPropertyName("allow_simulated")] public bool AllowSimulated { get; init; }
    /// <summary>Release to debuggable guests.</summary>
    [JsonPropertyName("allow_debug")] public bool AllowDebug { get; init; }
    /// <summary>Accepted platforms ("AMD SEV-SNP", "Intel TDX"); empty accepts both.</summary>
    [JsonPropertyName("platforms")] public IReadOnlyList<string> Platforms { get; init; } = [];
    /// <summary>Accepted module SHA-256 values (hex); empty accepts any module.</summary>
    [JsonPropertyName("module_hashes")] public IReadOnlyList<string> ModuleHashes { get; init; } = [];
    /// <summary>Accepted launch measurements (hex); empty accepts any.</summary>
    [JsonPropertyName("measurements")] public IReadOnlyList<string> Measurements { get; init; } = [];

    /// <summary>Null when <paramref name="e"/> satisfies the rule, else why not.</summary>
    public string? Check(AppraisedEvidence e)
    {
        if (e.Simulated && !AllowSimulated) return "policy forbids simulated platforms";
        if (e.Debug && !AllowDebug) return "policy forbids debuggable guests";
        if (Platforms.Count > 0 && !Platforms.Contains(e.Platform, StringComparer.OrdinalIgnoreCase))
            return $"platform {e.Platform} not in the policy's platforms";
        if (ModuleHashes.Count > 0 && !e.BindsModule)
            return ModuleNotBound;
        if (ModuleHashes.Count > 0 && !ModuleHashes.Contains(e.ModuleHash, StringComparer.OrdinalIgnoreCase))
            return $"module {e.ModuleHash} not in the policy's module_hashes";
        if (Measurements.Count > 0 && !Measurements.Contains(e.Measurement, StringComparer.OrdinalIgnoreCase))
            return "launch measurement not in the policy's measurements";
        return null;
    }
}

/// <summary>
/// The broker's policy file: <c>{"default": rule, "secrets": {"repo/type/tag": rule}}</c>. A secret listed under
/// <c>secrets</c> uses its own rule; any other uses <c>default</c>; with no <c>default</c> unlisted secrets are refused.
/// </summary>
public sealed record SecretPolicy
{
    /// <summary>The rule of secrets not listed.</summary>
    [JsonPropertyName("default")] public SecretRule? Default { get; init; }
    /// <summary>Rules by secret path (<c>repository/type/tag</c>).</summary>
    [JsonPropertyName("secrets")] public IReadOnlyDictionary<string, SecretRule> Secrets { get; init; } = new Dictionary<string, SecretRule>();

    /// <summary>True when some rule allows simulated platforms (the broker then trusts the simulator root).</summary>
    public bool AnyAllowsSimulated => (Default?.AllowSimulated ?? false) || Secrets.Values.Any(r => r.AllowSimulated);

    /// <summary>Null when <paramref name="path"/> may be released for <paramref name="evidence"/>, else why not.</summary>
    public string? Check(string path, AppraisedEvidence evidence) =>
        (Secrets.TryGetValue(path, out var rule) ? rule : Default) is { } r
            ? r.Check(evidence)
            : $"no policy rule for '{path}' and no default";

    /// <summary>Loads a policy file.</summary>
    /// <exception cref="AttestationException">Missing or malformed.</exception>
    public static SecretPolicy Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<SecretPolicy>(File.ReadAllText(path), new JsonSerializerOptions
            {
                ReadCommentHandling = JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
                UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            }) ?? throw new AttestationException($"policy '{path}' is empty");
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new AttestationException($"policy '{path}' cannot be read: {e.Message}", e);
        }
    }
}
