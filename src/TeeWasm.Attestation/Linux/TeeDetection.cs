using System.Text.Json;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Linux;

/// <summary>The detected platform, as <c>detect_tee</c> reports it.</summary>
/// <param name="Type">The TEE kind.</param>
/// <param name="Simulated">True when the platform is the simulator.</param>
/// <param name="Source">Which probe found it (a path or "simulator"), for diagnostics.</param>
public sealed record TeeDetection(TeeType Type, bool Simulated = false, string? Source = null)
{
    /// <summary>Whether this platform can produce attestation evidence.</summary>
    public bool SupportsAttestation => Type.SupportsAttestation();

    /// <summary>The ABI JSON <c>{"supports_attestation":bool,"tee_type":"…"}</c> (+ <c>"simulated":true</c>).</summary>
    public byte[] ToJsonUtf8()
    {
        using var buffer = new MemoryStream(64);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteBoolean("supports_attestation", SupportsAttestation);
            w.WriteString("tee_type", Type.ToAbiName());
            if (Simulated) w.WriteBoolean("simulated", true);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
