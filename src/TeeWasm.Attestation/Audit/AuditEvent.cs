using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TeeWasm.Attestation.Tokens;

namespace TeeWasm.Attestation.Audit;

/// <summary>
/// One audit event, written as one JSON line: <c>time</c>, <c>event</c>, <c>module</c>, <c>platform</c>,
/// <c>verdict</c>, <c>reason</c>, and when they apply <c>service</c>, <c>subject</c> (a secret's name, a token's issuer)
/// and <c>token_sha256</c> (a prefix of the token's SHA-256, never the token).
/// </summary>
public sealed record AuditEvent
{
    /// <summary>When it happened.</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>What happened: one of the <see cref="AuditEvents"/> names.</summary>
    public required string Event { get; init; }

    /// <summary>SHA-256 of the guest module (hex), or null when no module is involved.</summary>
    public string? ModuleHash { get; init; }

    /// <summary>The platform ("AMD SEV-SNP", "Intel TDX", "NVIDIA GPU", "None"…), or null.</summary>
    public string? Platform { get; init; }

    /// <summary>The outcome: "ok", "failed", "released", "refused"…</summary>
    public required string Verdict { get; init; }

    /// <summary>Why (for failures and refusals), or null.</summary>
    public string? Reason { get; init; }

    /// <summary>The remote service involved ("Azure Attestation at https://…"), or null.</summary>
    public string? Service { get; init; }

    /// <summary>The subject: a secret's name, a token's issuer; never a secret value.</summary>
    public string? Subject { get; init; }

    /// <summary>The first 16 hex digits of a token's SHA-256, or null.</summary>
    public string? TokenSha256 { get; init; }

    /// <summary>Whether the platform was the simulator.</summary>
    public bool Simulated { get; init; }

    /// <summary>
    /// The first 16 hex digits of SHA-256 of <paramref name="token"/>: enough to correlate, never to replay. Both
    /// spellings of an ECDSA token (the high-S and low-S forms of its signature) have one fingerprint: that of
    /// <see cref="CompactJws.CanonicalToken"/>.
    /// </summary>
    public static string Fingerprint(string token) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            CompactJws.TryParse(token, out var jws, out _) ? jws.CanonicalToken : token)))[..16];

    /// <summary>The event as one line of JSON (no trailing newline).</summary>
    public string ToJsonLine()
    {
        using var buffer = new MemoryStream(256);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("time", Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("event", Event);
            Nullable(w, "module", ModuleHash);
            Nullable(w, "platform", Platform);
            w.WriteString("verdict", Verdict);
            Nullable(w, "reason", Reason);
            if (Service is not null) w.WriteString("service", Service);
            if (Subject is not null) w.WriteString("subject", Subject);
            if (TokenSha256 is not null) w.WriteString("token_sha256", TokenSha256);
            if (Simulated) w.WriteBoolean("simulated", true);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Nullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name);
        else w.WriteString(name, value);
    }
}

/// <summary>The event names of the audit log.</summary>
public static class AuditEvents
{
    /// <summary>The platform was detected.</summary>
    public const string Detect = "detect";
    /// <summary>Evidence was collected and verified (or that failed).</summary>
    public const string Attest = "attest";
    /// <summary>Evidence from elsewhere was verified (the key broker's appraisal).</summary>
    public const string Verify = "verify";
    /// <summary>A token was issued (locally or by a remote service).</summary>
    public const string TokenIssued = "token_issued";
    /// <summary>A token was checked.</summary>
    public const string TokenVerified = "token_verified";
    /// <summary>A guest or client asked for a secret.</summary>
    public const string SecretRequested = "secret_requested";
    /// <summary>A secret was handed out.</summary>
    public const string SecretReleased = "secret_released";
    /// <summary>A secret was withheld.</summary>
    public const string SecretRefused = "secret_refused";
}
