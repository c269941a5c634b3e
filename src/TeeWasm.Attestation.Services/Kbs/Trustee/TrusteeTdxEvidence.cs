using System.Text.Json;
using System.Text.Json.Nodes;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Services.Kbs.Trustee;

/// <summary>
/// Trustee's <c>tdx</c> evidence (guest-components <c>attester/src/tdx</c>, trustee <c>deps/verifier/src/tdx</c>):
/// <c>{"cc_eventlog": base64 | null, "quote": base64}</c>, standard base64 with padding.
/// </summary>
public static class TrusteeTdxEvidence
{
    /// <summary>Writes the evidence for a TD quote (no CC event log: this host does not send one).</summary>
    public static JsonObject Write(ReadOnlySpan<byte> quote) =>
        new() { ["cc_eventlog"] = null, ["quote"] = Convert.ToBase64String(quote) };

    /// <summary>Reads the quote back.</summary>
    /// <exception cref="AttestationException">Not Trustee TDX evidence, with what is wrong.</exception>
    public static byte[] Parse(JsonElement evidence)
    {
        try
        {
            var q = evidence.GetProperty("quote");
            byte[] quote = Convert.FromBase64String(q.GetString() ?? throw new FormatException("quote is null"));
            if (quote.Length == 0) throw new FormatException("quote is empty");
            return quote;
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new AttestationException($"primary_evidence is not Trustee tdx evidence (quote, cc_eventlog): {e.Message}", e);
        }
    }
}
