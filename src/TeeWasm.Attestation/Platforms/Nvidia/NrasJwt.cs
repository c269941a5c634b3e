using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;

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

    /// <summary>Splits and decodes a compact JWS.</summary>
    /// <exception cref="NvidiaAttestationException">Not a three-part base64url JWS with JSON header and payload.</exception>
    public static NrasJwt Parse(string token)
    {
        string[] parts = token.Split('.');
        if (parts.Length != 3 || parts.Any(p => p.Length == 0))
            throw new NvidiaAttestationException(NvidiaFailureReason.Nras, "NRAS token is not a compact JWS (header.payload.signature)");
        try
        {
            using JsonDocument header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0]));
            string alg = header.RootElement.GetProperty("alg").GetString() ?? "";
            string? kid = header.RootElement.TryGetProperty("kid", out var k) ? k.GetString() : null;
            JsonElement payload = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1])).RootElement.Clone();
            if (payload.ValueKind != JsonValueKind.Object) throw new JsonException("payload is not an object");
            return new NrasJwt(token, alg, kid, payload, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url.DecodeFromChars(parts[2]));
        }
        catch (Exception e) when (e is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
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
