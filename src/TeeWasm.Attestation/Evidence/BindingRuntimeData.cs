using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace TeeWasm.Attestation.Evidence;

/// <summary>
/// The runtime data a service-specific binding hashes into report_data: compact UTF-8 JSON
/// <c>{"module_sha256":HEX,"host_key":HEX,"nonce":HEX}</c>, with a bound launch also <c>"workload_sha256":HEX</c> last
/// (lower-case hex, this key order, nothing else). It carries the module hash, host key, relying-party nonce and
/// workload digest, so they stay committed by the report.
/// </summary>
public static class BindingRuntimeData
{
    /// <summary>What runtime data names.</summary>
    /// <param name="ModuleSha256">The module hash.</param>
    /// <param name="HostKey">The host key (SEC1).</param>
    /// <param name="Nonce">The relying party's nonce.</param>
    /// <param name="WorkloadSha256">The workload digest, or null when the launch is not bound.</param>
    public sealed record Contents(byte[] ModuleSha256, byte[] HostKey, byte[] Nonce, byte[]? WorkloadSha256);

    /// <summary>The runtime data for these inputs.</summary>
    public static byte[] Write(ReadOnlySpan<byte> moduleHash, ReadOnlySpan<byte> hostKey, ReadOnlySpan<byte> nonce, byte[]? workloadSha256 = null)
    {
        using var buffer = new MemoryStream(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("module_sha256", Convert.ToHexStringLower(moduleHash));
            w.WriteString("host_key", Convert.ToHexStringLower(hostKey));
            w.WriteString("nonce", Convert.ToHexStringLower(nonce));
            if (workloadSha256 is not null) w.WriteString("workload_sha256", Convert.ToHexStringLower(workloadSha256));
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>Reads runtime data back; false with the reason when it is not exactly that JSON object.</summary>
    public static bool TryRead(ReadOnlySpan<byte> runtimeData, [NotNullWhen(true)] out Contents? contents, [NotNullWhen(false)] out string? error)
    {
        contents = null;
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
            byte[]? workload = null;
            bool hasWorkload = root.TryGetProperty("workload_sha256", out _);
            if (count != (hasWorkload ? 4 : 3) || !TryHex(root, "module_sha256", out byte[]? module) || !TryHex(root, "host_key", out byte[]? key)
                || !TryHex(root, "nonce", out byte[]? nonce) || (hasWorkload && !TryHex(root, "workload_sha256", out workload)))
            {
                error = "runtime data is not {module_sha256, host_key, nonce[, workload_sha256]} (hex strings)";
                return false;
            }
            contents = new Contents(module, key, nonce, workload);
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
