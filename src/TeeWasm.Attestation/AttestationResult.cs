using System.Text;
using System.Text.Json;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Policy;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation;

/// <summary>
/// The outcome of one attestation, as the guest ABI returns it: JSON with the keys
/// <c>success, token, evidence, error, timestamp</c>, then <c>tee_type</c> (omitted when unknown)
/// and <c>simulated</c> (present only when the evidence came from the simulator).
/// </summary>
public sealed record AttestationResult
{
    private byte[]? _json; // the serialised form, made once (a cached result is returned many times)

    /// <summary>Creates an empty result (use the object initializer).</summary>
    public AttestationResult() { }

    // `with` copies must not inherit the serialised form of the original.
    private AttestationResult(AttestationResult original)
    {
        Success = original.Success;
        Token = original.Token;
        Evidence = original.Evidence;
        Error = original.Error;
        Timestamp = original.Timestamp;
        TeeType = original.TeeType;
        Simulated = original.Simulated;
        ExpiresAt = original.ExpiresAt;
        Appraisal = original.Appraisal;
        Binding = original.Binding;
    }

    /// <summary>The error text of the original host when no TEE is present; guests match on it.</summary>
    public const string NoTeeError =
        "No TEE attestation available. Not running in a Confidential VM (Intel TDX or AMD SEV-SNP)?";

    /// <summary>True when evidence was collected and verified and a token issued.</summary>
    public required bool Success { get; init; }

    /// <summary>The attestation token (a JWT), or null on failure.</summary>
    public string? Token { get; init; }

    /// <summary>The evidence as a JSON text, or null.</summary>
    public string? Evidence { get; init; }

    /// <summary>Why the attestation failed, or null on success.</summary>
    public string? Error { get; init; }

    /// <summary>When the result was made, in Unix seconds.</summary>
    public required long Timestamp { get; init; }

    /// <summary>The ABI name of the TEE ("AMD SEV-SNP", "Intel TDX", "NVIDIA GPU"…), or null when unknown.</summary>
    public string? TeeType { get; init; }

    /// <summary>True when the evidence came from the simulator rather than hardware.</summary>
    public bool Simulated { get; init; }

    /// <summary>When the token stops being valid; results are cached no longer than this.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The verifier's appraisal of the evidence (not part of the JSON); null on failure.</summary>
    public Appraisal? Appraisal { get; init; }

    /// <summary>What the evidence's report_data binds, as recorded with it (the JSON's <c>evidence</c> carries it too); null on failure.</summary>
    public VmBinding? Binding { get; init; }

    /// <summary>The evidence, typed (not part of the JSON); null on failure.</summary>
    public AttestationEvidence? TypedEvidence { get; init; }

    /// <summary>What the token was issued for (the verifier's claims, the workload, the log's value); null on failure.</summary>
    public Tokens.VerifiedEvidence? Verified { get; init; }

    /// <summary>
    /// Evaluates <paramref name="policy"/> on the verified evidence of this result (its appraisal, aged from
    /// <see cref="Timestamp"/>); a failed result is a violation.
    /// </summary>
    public PolicyVerdict Evaluate(AttestationPolicy policy, DateTimeOffset? now = null) => Evaluate(policy, bound => bound, now);

    /// <summary>
    /// Evaluates <paramref name="policy"/> for a relying party whose module, host key and nonce are given: the evidence is
    /// bound only when its recorded binding names these inputs (its report_data was checked against that binding when
    /// it was verified, and is not checked again).
    /// </summary>
    public PolicyVerdict Evaluate(AttestationPolicy policy, ReadOnlySpan<byte> moduleHash, ReadOnlySpan<byte> hostKey, ReadOnlySpan<byte> nonce,
        DateTimeOffset? now = null)
    {
        bool names = Binding is { } b && b.Names(moduleHash, hostKey, nonce, out _);
        return Evaluate(policy, bound => names ? bound : false, now);
    }

    private PolicyVerdict Evaluate(AttestationPolicy policy, Func<bool?, bool?> bound, DateTimeOffset? now)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (!Success) return new PolicyVerdict(false, [Error ?? "attestation failed"]);
        if (Appraisal is not { } appraisal) return new PolicyVerdict(false, ["the attestation result carries no appraisal"]);
        return (appraisal.PolicyInput is { } input
            ? appraisal with { PolicyInput = input with { EvidenceTime = DateTimeOffset.FromUnixTimeSeconds(Timestamp), ReportDataBound = bound(input.ReportDataBound) } }
            : appraisal).Evaluate(policy, now);
    }

    /// <summary>
    /// The result as a guest under <paramref name="policy"/> sees it, for the guest's module, host key and nonce: a
    /// successful result the policy refuses becomes a failure whose error names the violations (the evidence stays, so
    /// the guest can see what was refused).
    /// </summary>
    public AttestationResult UnderPolicy(AttestationPolicy? policy, ReadOnlySpan<byte> moduleHash, ReadOnlySpan<byte> hostKey, ReadOnlySpan<byte> nonce)
    {
        if (policy is null || !Success) return this;
        var verdict = Evaluate(policy, moduleHash, hostKey, nonce);
        return verdict.Allowed ? this : this with { Success = false, Token = null, Error = "policy: " + verdict };
    }

    /// <summary>A failed result with the given error.</summary>
    public static AttestationResult Failure(string error, long timestamp, string? teeType = null, bool simulated = false) =>
        new() { Success = false, Error = error, Timestamp = timestamp, TeeType = teeType, Simulated = simulated };

    /// <summary>The ABI's JSON (UTF-8, keys in ABI order); made once per result. Do not modify the returned bytes.</summary>
    public ReadOnlySpan<byte> JsonUtf8 => _json ??= ToJsonUtf8();

    /// <summary>Serialises to the ABI's JSON (UTF-8, keys in ABI order) into a new array.</summary>
    public byte[] ToJsonUtf8()
    {
        using var buffer = new MemoryStream(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteBoolean("success", Success);
            WriteNullable(w, "token", Token);
            WriteNullable(w, "evidence", Evidence);
            WriteNullable(w, "error", Error);
            w.WriteNumber("timestamp", Timestamp);
            if (TeeType is not null) w.WriteString("tee_type", TeeType);
            if (Simulated) w.WriteBoolean("simulated", true);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>The ABI JSON as a string.</summary>
    public string ToJson() => Encoding.UTF8.GetString(ToJsonUtf8());

    /// <summary>Writes <paramref name="value"/>, or JSON null when it is null.</summary>
    internal static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name);
        else w.WriteString(name, value);
    }
}
