using System.Text.Json;
using TeeWasm.Attestation.Policy;

namespace TeeWasm.Cli.Verification;

/// <summary>The <c>policy</c> member of <c>tee-wasm verify --json</c>: <c>{"allowed": bool, "violations": [...]}</c>.</summary>
internal static class PolicyVerdictJson
{
    public static void Write(Utf8JsonWriter w, PolicyVerdict verdict)
    {
        w.WriteStartObject("policy");
        w.WriteBoolean("allowed", verdict.Allowed);
        w.WriteStartArray("violations");
        foreach (string s in verdict.Violations) w.WriteStringValue(s);
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
