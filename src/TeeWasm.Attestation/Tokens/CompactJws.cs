using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace TeeWasm.Attestation.Tokens;

/// <summary>
/// A compact JWS (RFC 7515 §7.1, <c>header.payload.signature</c>) split strictly, before any signature check: exactly
/// three segments, each canonical base64url (RFC 7515 §2: no padding, no characters outside the alphabet, unused
/// trailing bits zero), header and payload each exactly one JSON object. One token has one spelling: a copy with
/// <c>==</c> appended, or with a different last character that decodes to the same bytes, is not a JWS here.
/// </summary>
public sealed class CompactJws
{
    private CompactJws(string token, string headerJson, string payloadJson, byte[] signature, int signingInputLength)
    {
        Token = token;
        HeaderJson = headerJson;
        PayloadJson = payloadJson;
        Signature = signature;
        _signingInputLength = signingInputLength;
    }

    private readonly int _signingInputLength;

    /// <summary>The token as given.</summary>
    public string Token { get; }

    /// <summary>The decoded header (one JSON object).</summary>
    public string HeaderJson { get; }

    /// <summary>The decoded payload (one JSON object).</summary>
    public string PayloadJson { get; }

    /// <summary>The decoded signature; empty for an unsecured token (<c>header.payload.</c>).</summary>
    public byte[] Signature { get; }

    /// <summary>ASCII of <c>header.payload</c>: what the signature covers.</summary>
    public byte[] SigningInput => Encoding.ASCII.GetBytes(Token[.._signingInputLength]);

    /// <summary>Splits and decodes <paramref name="token"/>; false with the reason (for "malformed token: …") when it is not a strict compact JWS.</summary>
    public static bool TryParse(string token, [NotNullWhen(true)] out CompactJws? jws, [NotNullWhen(false)] out string? error)
    {
        jws = null;
        string[] parts = token.Split('.');
        if (parts.Length != 3 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            error = "not a compact JWS (header.payload.signature)";
            return false;
        }
        byte[]?[] decoded = new byte[3][];
        string[] names = ["header", "payload", "signature"];
        for (int i = 0; i < 3; i++)
        {
            decoded[i] = DecodeCanonical(parts[i]);
            if (decoded[i] is null)
            {
                error = $"the {names[i]} is not canonical base64url (RFC 7515: no padding, no other characters, unused bits zero)";
                return false;
            }
        }
        if (OneJsonObject(decoded[0]!) is not { } header)
        {
            error = "the header is not one JSON object";
            return false;
        }
        if (OneJsonObject(decoded[1]!) is not { } payload)
        {
            error = "the payload is not one JSON object";
            return false;
        }
        jws = new CompactJws(token, header, payload, decoded[2]!, parts[0].Length + 1 + parts[1].Length);
        error = null;
        return true;
    }

    /// <summary>The bytes of a canonical base64url string (RFC 7515 §2), or null when it is not one.</summary>
    public static byte[]? DecodeCanonical(string segment)
    {
        if (segment.Length % 4 == 1) return null;
        byte[] bytes = new byte[Base64Url.GetMaxDecodedLength(segment.Length)];
        if (Base64Url.DecodeFromChars(segment, bytes, out int consumed, out int written) != System.Buffers.OperationStatus.Done || consumed != segment.Length)
            return null;
        bytes = bytes[..written];
        // Padding, whitespace and non-zero unused bits all decode too; only the one canonical spelling re-encodes to itself.
        return Base64Url.EncodeToString(bytes) == segment ? bytes : null;
    }

    /// <summary>
    /// The token with an ECDSA signature (<c>alg</c> ES256, ES384, ES512) in its low-S form
    /// (<see cref="EcdsaSignatureForm"/>), otherwise the token itself: the one string both spellings of a valid ECDSA
    /// token share. Issuers other than the local verifier sign in either form (NRAS's real tokens are high-S about half
    /// the time), so their tokens verify in both; wherever a token string is a key (the audit log's fingerprint) this
    /// form is used.
    /// </summary>
    public string CanonicalToken =>
        HeaderString("alg") is "ES256" or "ES384" or "ES512" && !EcdsaSignatureForm.IsLowS(Signature)
            ? Token[..(_signingInputLength + 1)] + Base64Url.EncodeToString(EcdsaSignatureForm.ToLowS(Signature))
            : Token;

    /// <summary>The header's string member <paramref name="name"/>, or null.</summary>
    public string? HeaderString(string name)
    {
        using var doc = JsonDocument.Parse(HeaderJson);
        return doc.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }

    private static string? OneJsonObject(byte[] utf8)
    {
        try
        {
            using var doc = JsonDocument.Parse(utf8);
            return doc.RootElement.ValueKind == JsonValueKind.Object ? Encoding.UTF8.GetString(utf8) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
