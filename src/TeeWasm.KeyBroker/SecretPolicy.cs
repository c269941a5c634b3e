using System.Text.Json.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Inputs;
using TeeWasm.Attestation.Policy;
using TeeWasm.KeyBroker.Appraisers;

namespace TeeWasm.KeyBroker;

/// <summary>One secret's release rule.</summary>
public sealed record SecretRule
{
    /// <summary>The refusal when a rule lists module hashes but the evidence binds no module (Trustee format).</summary>
    public const string ModuleNotBound =
        "policy lists module_hashes but Trustee-format evidence does not bind the guest module (attest with TeeWasm evidence: --kbs-evidence teewasm)";

    /// <summary>The refusal when a rule lists workload digests but the evidence binds no workload (Trustee format).</summary>
    public const string WorkloadNotBound =
        "policy lists workload_digests but Trustee-format evidence does not bind the launch (attest with TeeWasm evidence: --kbs-evidence teewasm)";

    /// <summary>A rule that imposes nothing beyond the safe defaults (no simulated platforms, no debug).</summary>
    public SecretRule() { }

    /// <summary>
    /// The JSON constructor: lists a rule leaves out stay empty rather than null (the source-generated serializer sets
    /// absent init-only properties to default(T) unless they are constructor parameters; dotnet/runtime#84484).
    /// </summary>
    [JsonConstructor]
    internal SecretRule(IReadOnlyList<string> platforms = null!, IReadOnlyList<string> moduleHashes = null!, IReadOnlyList<string> measurements = null!,
        IReadOnlyList<string> workloadDigests = null!)
    {
        Platforms = platforms ?? [];
        ModuleHashes = moduleHashes ?? [];
        Measurements = measurements ?? [];
        WorkloadDigests = workloadDigests ?? [];
    }

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
    /// <summary>
    /// Accepted workload digests (hex SHA-256 of the workload document: module, arguments, environment, directories, host
    /// interfaces, runtime; <c>tee-wasm run --print-workload</c>); empty accepts any launch.
    /// </summary>
    [JsonPropertyName("workload_digests")] public IReadOnlyList<string> WorkloadDigests { get; init; } = [];

    /// <summary>
    /// The full attestation policy (docs/policy.md: minimum SNP TCB, guest SVN, VMPL, TDX MRTD/RTMRs, TEE_TCB_SVN, TCB
    /// status…), evaluated by <see cref="PolicyEvaluator"/> on the verified report; null imposes nothing more.
    /// </summary>
    [JsonPropertyName("attestation")]
    [JsonConverter(typeof(SecretRuleAttestationConverter))]
    public AttestationPolicy? Attestation { get; init; }

    /// <summary>Whether simulated platforms may pass: <c>allow_simulated</c> here or in <see cref="Attestation"/> (same meaning).</summary>
    public bool AllowsSimulated => AllowSimulated
        || Attestation is { } a && (a.AllowSimulated || a.AcceptedPlatforms.Contains(AttestationPolicy.SimulatedPlatform, StringComparer.Ordinal));

    /// <summary>Whether debuggable guests may pass: <c>allow_debug</c> here or in <see cref="Attestation"/> (same meaning).</summary>
    public bool AllowsDebug => AllowDebug || Attestation is { AllowDebug: true };

    /// <summary>
    /// Null when <paramref name="e"/> satisfies the rule, else why not; <paramref name="now"/> ages the evidence. A launch
    /// whose workload is not allowed is refused naming how it differs from the closest allowed workload whose document
    /// is in <paramref name="knownWorkloads"/> (by digest, hex).
    /// </summary>
    public string? Check(AppraisedEvidence e, DateTimeOffset? now = null, IReadOnlyDictionary<string, WorkloadIdentity>? knownWorkloads = null)
    {
        if (e.Simulated && !AllowsSimulated) return "policy forbids simulated platforms";
        if (e.Debug && !AllowsDebug) return "policy forbids debuggable guests";
        if (Platforms.Count > 0 && !Platforms.Contains(e.Platform, StringComparer.OrdinalIgnoreCase))
            return $"platform {e.Platform} not in the policy's platforms";
        if (ModuleHashes.Count > 0 && !e.BindsModule)
            return ModuleNotBound;
        if (ModuleHashes.Count > 0 && !ModuleHashes.Contains(e.ModuleHash, StringComparer.OrdinalIgnoreCase))
            return $"module {e.ModuleHash} not in the policy's module_hashes";
        if (Measurements.Count > 0 && !Measurements.Contains(e.Measurement, StringComparer.OrdinalIgnoreCase))
            return "launch measurement not in the policy's measurements";
        if (WorkloadDigests.Count > 0 && CheckWorkload(e, knownWorkloads) is { } refused) return refused;
        if (Attestation is not { } policy) return null;
        if (e.PolicyInput is not { } input) return "no verified report to evaluate the rule's attestation policy on";
        var verdict = PolicyEvaluator.Evaluate(policy with { AllowSimulated = AllowsSimulated, AllowDebug = AllowsDebug }, input, now);
        return verdict.Allowed ? null : "attestation policy: " + verdict;
    }

    private string? CheckWorkload(AppraisedEvidence e, IReadOnlyDictionary<string, WorkloadIdentity>? known)
    {
        if (!e.BindsModule) return WorkloadNotBound;
        if (e.WorkloadSha256 is not { } digest) return "policy lists workload_digests but the evidence binds no workload (its report_data binds only the module)";
        if (WorkloadDigests.Contains(digest, StringComparer.OrdinalIgnoreCase)) return null;
        string refusal = $"workload {digest[..16]}… not in the policy's workload_digests";
        if (e.Workload is not { } launch) return refusal + " (the evidence carries no workload document to compare)";
        var allowed = WorkloadDigests
            .Select(d => known is not null && known.TryGetValue(d.ToLowerInvariant(), out var doc) ? doc : null)
            .OfType<WorkloadIdentity>()
            .Select(doc => (doc, diff: launch.DifferencesFrom(doc)))
            .OrderBy(x => x.diff.Count)
            .FirstOrDefault();
        return allowed.doc is null
            ? refusal + " (none of the allowed workloads' documents is known to the broker, so the difference cannot be named: give kbs serve --workloads DIR)"
            : $"{refusal}: it differs from allowed workload {allowed.doc.DigestHex[..16]}… in {string.Join("; ", allowed.diff)}";
    }
}

/// <summary>
/// Reads a rule's <c>attestation</c> object with <see cref="AttestationPolicy.Parse"/> (unknown keys and bad values are
/// errors) and refuses a <c>gpu</c> section, which the broker cannot enforce (it appraises no GPU evidence).
/// </summary>
internal sealed class SecretRuleAttestationConverter : JsonConverter<AttestationPolicy>
{
    public override AttestationPolicy Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var element = JsonDocument.ParseValue(ref reader);
        if (element.RootElement.ValueKind != JsonValueKind.Object) throw new RuleException("must be an object (an attestation policy, docs/policy.md)");
        AttestationPolicy policy;
        try
        {
            policy = AttestationPolicy.Parse(element.RootElement.GetRawText());
        }
        catch (PolicyException e)
        {
            throw new RuleException(e.Message, e);
        }
        if (policy.Gpu is not null) throw new RuleException("gpu rules cannot be enforced by the key broker (it appraises no GPU evidence)");
        return policy;
    }

    /// <summary>What is wrong inside an <c>attestation</c> object; the serializer adds where it is (<see cref="JsonException.Path"/>).</summary>
    internal sealed class RuleException : JsonException
    {
        public RuleException(string message, Exception? inner = null) : base(message, inner) { }
    }

    public override void Write(Utf8JsonWriter writer, AttestationPolicy value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, (JsonTypeInfo<AttestationPolicy>)options.GetTypeInfo(typeof(AttestationPolicy)));
}

/// <summary>
/// The broker's policy file: <c>{"default": rule, "secrets": {"repo/type/tag": rule}}</c>. A secret listed under
/// <c>secrets</c> uses its own rule; any other uses <c>default</c>; with no <c>default</c> unlisted secrets are refused.
/// </summary>
public sealed record SecretPolicy
{
    /// <summary>A policy without rules: every secret is refused.</summary>
    public SecretPolicy() { }

    /// <summary>The JSON constructor: a file without <c>secrets</c> has none (see <see cref="SecretRule"/>'s).</summary>
    [JsonConstructor]
    internal SecretPolicy(IReadOnlyDictionary<string, SecretRule> secrets = null!) => Secrets = secrets ?? new Dictionary<string, SecretRule>();

    /// <summary>The rule of secrets not listed.</summary>
    [JsonPropertyName("default")] public SecretRule? Default { get; init; }
    /// <summary>Rules by secret path (<c>repository/type/tag</c>).</summary>
    [JsonPropertyName("secrets")] public IReadOnlyDictionary<string, SecretRule> Secrets { get; init; } = new Dictionary<string, SecretRule>();

    /// <summary>True when some rule allows simulated platforms (the broker then trusts the simulator root).</summary>
    public bool AnyAllowsSimulated => (Default?.AllowsSimulated ?? false) || Secrets.Values.Any(r => r.AllowsSimulated);

    /// <summary>
    /// Null when <paramref name="path"/> may be released for <paramref name="evidence"/>, else why not; <paramref name="now"/>
    /// ages the evidence; <paramref name="knownWorkloads"/> (by digest) name how a refused launch differs from an allowed one.
    /// </summary>
    public string? Check(string path, AppraisedEvidence evidence, DateTimeOffset? now = null, IReadOnlyDictionary<string, WorkloadIdentity>? knownWorkloads = null) =>
        (Secrets.TryGetValue(path, out var rule) ? rule : Default) is { } r
            ? r.Check(evidence, now, knownWorkloads)
            : $"no policy rule for '{path}' and no default";

    /// <summary>Parses a policy (unknown keys are errors, also inside a rule's <c>attestation</c>).</summary>
    /// <exception cref="PolicyException">Malformed, with where.</exception>
    public static SecretPolicy Parse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, KeyBrokerJsonContext.Default.SecretPolicy) ?? throw new PolicyException("invalid policy: null");
        }
        catch (SecretRuleAttestationConverter.RuleException e)
        {
            throw new PolicyException($"{e.Path}: {e.Message}", e);
        }
        catch (JsonException e)
        {
            throw PolicyException.FromJson(e, KeyBrokerJsonContext.Default.SecretPolicy);
        }
    }

    /// <summary>Loads a policy file.</summary>
    /// <exception cref="PolicyException">Missing or malformed, with the file's name.</exception>
    public static SecretPolicy Load(string path)
    {
        string text;
        try
        {
            text = BoundedRead.Text(path, InputLimits.Policy, "policy file");
        }
        catch (InputTooLargeException e)
        {
            throw new PolicyException(e.Message, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PolicyException($"policy '{path}' cannot be read: {e.Message}", e);
        }
        try
        {
            return Parse(text);
        }
        catch (PolicyException e)
        {
            throw new PolicyException($"policy '{path}': {e.Message}", e);
        }
    }
}
