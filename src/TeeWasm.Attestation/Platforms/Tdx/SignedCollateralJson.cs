using System.Text.Json;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>
/// Splits an Intel PCS collateral response <c>{"tcbInfo"|"enclaveIdentity": {...}, "signature": "hex"}</c> into the
/// exact bytes of the signed value (the signature covers them as served) and the signature.
/// </summary>
internal static class SignedCollateralJson
{
    public static (byte[] Body, byte[] Signature) Split(ReadOnlySpan<byte> json, string bodyProperty)
    {
        byte[]? body = null;
        byte[]? signature = null;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new TdxException($"collateral is not a JSON object with \"{bodyProperty}\"");
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isBody = reader.ValueTextEquals(bodyProperty);
                bool isSignature = reader.ValueTextEquals("signature");
                reader.Read();
                if (isBody)
                {
                    int start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    body = json[start..(int)reader.BytesConsumed].ToArray();
                }
                else if (isSignature && reader.TokenType == JsonTokenType.String)
                {
                    signature = Convert.FromHexString(reader.GetString()!);
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            throw new TdxException($"malformed collateral JSON ({bodyProperty}): {e.Message}", e);
        }
        return (body ?? throw new TdxException($"collateral has no \"{bodyProperty}\""), signature ?? []);
    }

    public static byte[] Hex(JsonElement e, string name, int length)
    {
        string? text = e.GetProperty(name).GetString();
        byte[] bytes = Convert.FromHexString(text ?? "");
        return bytes.Length == length ? bytes : throw new TdxException($"collateral field {name} has {bytes.Length} bytes, expected {length}");
    }

    public static DateTimeOffset Date(JsonElement e, string name) => e.GetProperty(name).GetDateTimeOffset();

    public static IReadOnlyList<string> Advisories(JsonElement level) =>
        level.TryGetProperty("advisoryIDs", out JsonElement a) ? [.. a.EnumerateArray().Select(x => x.GetString() ?? "")] : [];

    public static TcbStatus Status(JsonElement level)
    {
        string? text = level.GetProperty("tcbStatus").GetString();
        return TcbStatusExtensions.TryParse(text, out TcbStatus s) ? s : throw new TdxException($"unknown tcbStatus \"{text}\"");
    }

    public static T Wrap<T>(string what, Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            throw new TdxException($"malformed {what}: {e.Message}", e);
        }
    }
}
