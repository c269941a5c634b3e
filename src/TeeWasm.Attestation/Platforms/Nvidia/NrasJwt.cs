using System.Globalization;
using System.Text.Json;
using TeeWasm.Attestation.Tokens;

namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>A compact JWS as NRAS issues it (ES384), split and decoded; the signature is not yet checked.</summary>
public sealed class NrasJwt
{
    private NrasJwt(string token, string alg, string? kid, JsonElement payload, byte[] signingInput, byte[] signature)
    {
        Token = token;
        Algorithm = alg;
        KeyId = kid;
        Payload = payload;
        SigningInput = signingInput;
        Signature = signature;
    }

    /// <summary>The compact token.</summary>
    public string Token { get; }

    /// <summary>The header's <c>alg</c>.</summary>
    public string Algorithm { get; }

    /// <summary>The header's <c>kid</c>, if any.</summary>
    public string? KeyId { get; }

    /// <summary>The decoded claims.</summary>
    public JsonElement Payload { get; }

    /// <summary>ASCII of header.payload (what the signature covers).</summary>
    public byte[] SigningInput { get; }

    /// <summary>The signature (r ‖ s for ES384).</summary>
    public byte[] Signature { get; }

    /// <summary>The claims as JSON text.</summary>
    public string PayloadJson => Payload.GetRawText();

    /// <summary>
    /// Splits and decodes a compact JWS strictly (<see cref="CompactJws"/>: one spelling per token). Its ECDSA signature
    /// may be in either form: NRAS signs without normalising s (its real tokens are high-S about half the time), so
    /// requiring low-S would refuse genuine verdicts; <see cref="CompactJws.CanonicalToken"/> is the one string both forms share.
    /// </summary>
    /// <exception cref="NvidiaAttestationException">Not a three-part canonical base64url JWS with a JSON object as header and payload.</exception>
    public static NrasJwt Parse(string token)
    {
        if (!CompactJws.TryParse(token, out var jws, out string? malformed) || jws.Signature.Length == 0)
            throw new NvidiaAttestationException(NvidiaFailureReason.Nras, "NRAS token is not a compact JWS (header.payload.signature): " + (malformed ?? "no signature"));
        try
        {
            using JsonDocument header = JsonDocument.Parse(jws.HeaderJson);
            string alg = header.RootElement.TryGetProperty("alg", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : "";
            string? kid = header.RootElement.TryGetProperty("kid", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
            JsonElement payload = JsonDocument.Parse(jws.PayloadJson).RootElement.Clone();
            return new NrasJwt(token, alg, kid, payload, jws.SigningInput, jws.Signature);
        }
        catch (JsonException e)
        {
            throw new NvidiaAttestationException(NvidiaFailureReason.Nras, "NRAS token does not decode: " + e.Message, e);
        }
    }

    /// <summary>A string claim, or null.</summary>
    public string? GetString(string name) =>
        Payload.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText() : null;

    /// <summary>A boolean claim given as JSON true/false or the strings "True"/"False"; null when absent or other.</summary>
    public bool? GetBoolean(string name)
    {
        if (!Payload.TryGetProperty(name, out var v)) return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String when bool.TryParse(v.GetString(), out bool b) => b,
            _ => null,
        };
    }

    /// <summary>A NumericDate claim (NRAS's GPU tokens give these as strings); null when absent or not a number.</summary>
    public DateTimeOffset? GetTime(string name)
    {
        if (!Payload.TryGetProperty(name, out var v)) return null;
        long seconds;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out seconds)) return DateTimeOffset.FromUnixTimeSeconds(seconds);
        if (v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out seconds))
            return DateTimeOffset.FromUnixTimeSeconds(seconds);
        return null;
    }
}
