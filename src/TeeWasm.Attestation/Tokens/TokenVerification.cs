using System.Text.Json;

namespace TeeWasm.Attestation.Tokens;

/// <summary>The verdict on one token, as <c>verify_token_json</c> returns it.</summary>
public sealed record TokenVerification
{
    /// <summary>True when signature, lifetime, issuer and (for local tokens) the report_data binding all hold.</summary>
    public required bool Valid { get; init; }

    /// <summary>Why the token was rejected, or null when valid.</summary>
    public string? Reason { get; init; }

    /// <summary>The token's issuer as read from it (even when rejected), or null.</summary>
    public string? Issuer { get; init; }

    /// <summary>The payload's JSON (raw), or null when the token could not be decoded.</summary>
    public string? ClaimsJson { get; init; }

    /// <summary>A rejection.</summary>
    public static TokenVerification Reject(string reason, string? issuer = null, string? claimsJson = null) =>
        new() { Valid = false, Reason = reason, Issuer = issuer, ClaimsJson = claimsJson };

    /// <summary><c>{"valid":bool,"reason":…,"issuer":…,"claims":{…}}</c>.</summary>
    public byte[] ToJsonUtf8()
    {
        using var buffer = new MemoryStream(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteBoolean("valid", Valid);
            if (Reason is null) w.WriteNull("reason"); else w.WriteString("reason", Reason);
            if (Issuer is null) w.WriteNull("issuer"); else w.WriteString("issuer", Issuer);
            w.WritePropertyName("claims");
            if (ClaimsJson is not null && IsOneJsonValue(ClaimsJson))
            {
                w.WriteRawValue(ClaimsJson, skipInputValidation: true);
            }
            else
            {
                w.WriteStartObject();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    // Claims come from a token anyone can write: written raw only when they are exactly one JSON value.
    private static bool IsOneJsonValue(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
