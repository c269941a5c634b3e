using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using TeeWasm.Attestation.Platforms.Snp;

namespace TeeWasm.Attestation.Evidence;

/// <summary>
/// Writes the evidence JSON carried in <see cref="AttestationResult.Evidence"/>: <c>tee_type</c>, <c>source</c>,
/// <c>simulated</c>, <c>report</c> (base64 of the raw hardware report or quote), <c>certificates</c> (PEM, leaf first),
/// decoded <c>fields</c>, and the <c>binding</c> inputs (module hash, host key, nonce) a verifier needs to recompute
/// report_data (added by the <see cref="Attester"/>). <c>tee-wasm verify</c> reads this format back.
/// </summary>
public static class EvidenceJson
{
    private static readonly JsonSerializerOptions s_relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Evidence for an SNP report.</summary>
    public static string ForSnp(string source, bool simulated, byte[] report, SnpReport parsed, IEnumerable<X509Certificate2> certificates) =>
        Write("AMD_SEV_SNP", source, simulated, report, certificates, w =>
        {
            w.WriteNumber("version", parsed.Version);
            w.WriteNumber("guest_svn", parsed.GuestSvn);
            w.WriteString("policy", $"0x{parsed.Policy:x16}");
            w.WriteBoolean("debug_allowed", parsed.DebugAllowed);
            w.WriteNumber("vmpl", parsed.Vmpl);
            w.WriteString("measurement", Convert.ToHexStringLower(parsed.Measurement));
            w.WriteString("report_data", Convert.ToHexStringLower(parsed.ReportData));
            w.WriteString("host_data", Convert.ToHexStringLower(parsed.HostData));
            w.WriteString("reported_tcb", parsed.ReportedTcb.ToString());
            w.WriteString("chip_id", Convert.ToHexStringLower(parsed.ChipId));
            w.WriteString("signing_key", parsed.SigningKey.ToString());
        });

    /// <summary>Evidence JSON with caller-written decoded fields.</summary>
    public static string Write(string teeType, string source, bool simulated, byte[] report, IEnumerable<X509Certificate2> certificates,
        Action<Utf8JsonWriter> fields)
    {
        using var buffer = new MemoryStream(4096);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("tee_type", teeType);
            w.WriteString("source", source);
            w.WriteBoolean("simulated", simulated);
            w.WriteString("report", Convert.ToBase64String(report));
            w.WriteStartArray("certificates");
            foreach (var c in certificates) w.WriteStringValue(c.ExportCertificatePem());
            w.WriteEndArray();
            w.WriteStartObject("fields");
            fields(w);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Adds the <c>binding</c> object (the inputs of report_data, TeeWasm's scheme) to an evidence JSON object.</summary>
    public static string WithBinding(string evidenceJson, ReadOnlySpan<byte> moduleHash, ReadOnlySpan<byte> hostKey, ReadOnlySpan<byte> nonce) =>
        WithBinding(evidenceJson, new System.Text.Json.Nodes.JsonObject
        {
            ["scheme"] = BindingSchemeNames.TeeWasmFormula,
            ["module_sha256"] = Convert.ToHexStringLower(moduleHash),
            ["host_key"] = Convert.ToHexStringLower(hostKey),
            ["nonce"] = Convert.ToHexStringLower(nonce),
        });

    /// <summary>Adds the <c>binding</c> object (<see cref="VmBinding.ToJson"/>: scheme, inputs, runtime data) to an evidence JSON object.</summary>
    public static string WithBinding(string evidenceJson, VmBinding binding) => WithBinding(evidenceJson, binding.ToJson());

    private static string WithBinding(string evidenceJson, System.Text.Json.Nodes.JsonObject binding)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(evidenceJson) as System.Text.Json.Nodes.JsonObject
            ?? throw new AttestationException("evidence is not a JSON object");
        node["binding"] = binding;
        return node.ToJsonString(s_relaxed);
    }
}
