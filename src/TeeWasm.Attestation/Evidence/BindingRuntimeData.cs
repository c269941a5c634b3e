using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace TeeWasm.Attestation.Evidence;

/// <summary>
/// The runtime data a service-specific binding hashes into report_data: compact UTF-8 JSON
/// <c>{"module_sha256":HEX,"host_key":HEX,"nonce":HEX}</c> (lower-case hex, this key order, nothing else).
/// It carries the module hash, host key and relying-party nonce, so they stay committed by the report.
/// </summary>
public static class BindingRuntimeData
{
    /// <summary>The runtime data for these inputs.</summary>
    public static byte[] Write(ReadOnlySpan<byte> moduleHash, ReadOnlySpan<byte> hostKey, ReadOnlySpan<byte> nonce)
    {
        using var buffer = new MemoryStream(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("module_sha256", Convert.ToHexStringLower(moduleHash));
            w.WriteString("host_key", Convert.ToHexStringLower(hostKey));
            w.WriteString("nonce", Convert.ToHexStringLower(nonce));
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>Reads runtime data back; false with the reason when it is not exactly that JSON object.</summary>
    public static bool TryRead(ReadOnlySpan<byte> runtimeData, [NotNullWhen(true)] out byte[]? moduleHash,
        [NotNullWhen(true)] out byte[]? hostKey, [NotNullWhen(true)] out byte[]? nonce, [NotNullWhen(false)] out string? error)
    {
        moduleHash = hostKey = nonce = null;
        try
        {
            using var doc = JsonDocument.Parse(runtimeData.ToArray());
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "runtime data is not a JSON object";
                return false;
            }
            int count = 0;
            foreach (var _ in root.EnumerateObject()) count++;
            if (count != 3 || !TryHex(root, "module_sha256", out moduleHash) || !TryHex(root, "host_key", out hostKey) || !TryHex(root, "nonce", out nonce))
            {
                error = "runtime data is not {module_sha256, host_key, nonce} (hex strings)";
                return false;
            }
            error = null;
            return true;
        }
        catch (JsonException e)
        {
            error = "runtime data is not JSON: " + e.Message;
            return false;
        }
    }

    private static bool TryHex(JsonElement root, string name, [NotNullWhen(true)] out byte[]? value)
    {
        value = null;
        if (!root.TryGetProperty(name, out var p) || p.ValueKind != JsonValueKind.String) return false;
        try
        {
            value = Convert.FromHexString(p.GetString()!);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
