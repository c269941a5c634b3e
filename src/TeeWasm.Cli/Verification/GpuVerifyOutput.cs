using System.Text.Json;
using Result = TeeWasm.Cli.Verification.GpuEvidenceVerification.Result;

namespace TeeWasm.Cli.Verification;

/// <summary>
/// Prints the GPU verdicts of <c>tee-wasm verify</c> as the VM kinds do: a verdict line, then each check and the decoded
/// fields; with several GPUs an overall line first and one block per GPU, each headed <c>GPU i: VALID|REJECTED: …</c>.
/// </summary>
internal static class GpuVerifyOutput
{
    public static void WriteText(TextWriter o, GpuEvidenceFile file, IReadOnlyList<Result> results)
    {
        bool multi = results.Count > 1;
        if (multi)
        {
            int failed = results.Count(r => !r.Valid);
            int firstBad = results.ToList().FindIndex(r => !r.Valid);
            o.WriteLine(failed == 0
                ? $"VALID: {file.Kind}: all {results.Count} GPUs verify"
                : $"REJECTED: {file.Kind}: {failed} of {results.Count} GPUs rejected (GPU {firstBad}: {Headline(results[firstBad])})");
        }
        else
        {
            o.WriteLine(Headline(results[0]));
            o.WriteLine("  evidence: " + file.Kind);
        }
        for (int i = 0; i < results.Count; i++)
        {
            Result r = results[i];
            string indent = multi ? "    " : "  ";
            if (multi) o.WriteLine($"GPU {i}: {Headline(r)}");
            int nameWidth = r.Checks.Max(c => c.Name.Length);
            foreach (VerifyCheck c in r.Checks)
                o.WriteLine($"{indent}{c.Status.ToString().ToUpperInvariant(),-4}  {c.Name.PadRight(nameWidth)}  {c.Reason}");
            int width = r.Fields.Count == 0 ? 0 : r.Fields.Max(f => f.Key.Length);
            foreach (var (k, v) in r.Fields) o.WriteLine($"{indent}{k.PadRight(width)}  {v}");
            if (r.Policy is { Allowed: false } p)
                foreach (string v in p.Violations) o.WriteLine($"{indent}policy violation: {v}");
        }
    }

    /// <summary>"VALID: …" or "REJECTED: …" for one GPU, like the VM kinds' first line.</summary>
    private static string Headline(Result r)
    {
        if (!r.EvidenceValid) return "REJECTED: " + r.Verdict;
        if (!r.Valid)
            return $"REJECTED: {r.Verdict}, but "
                + string.Join("; ", r.Checks.Where(c => c.Status == CheckStatus.Fail).Select(c => $"{c.Name}: {c.Reason}"));
        return "VALID: " + r.Verdict + (r.Policy is not null ? "; policy allows it" : "");
    }

    public static void WriteJson(TextWriter o, GpuEvidenceFile file, IReadOnlyList<Result> results)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("verdict", results.All(r => r.Valid) ? "valid" : "rejected");
            w.WriteString("kind", file.Kind);
            w.WriteStartArray("gpus");
            for (int i = 0; i < results.Count; i++)
            {
                Result r = results[i];
                w.WriteStartObject();
                w.WriteNumber("index", i);
                w.WriteString("verdict", r.Valid ? "valid" : "rejected");
                w.WriteBoolean("evidence_valid", r.EvidenceValid);
                w.WriteString("reason", r.Reason);
                w.WriteString("message", r.Verdict);
                w.WriteStartArray("checks");
                foreach (VerifyCheck c in r.Checks)
                {
                    w.WriteStartObject();
                    w.WriteString("name", c.Name);
                    w.WriteString("status", c.Status.ToString().ToLowerInvariant());
                    w.WriteString("reason", c.Reason);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartObject("fields");
                foreach (var (k, v) in r.Fields) w.WriteString(k, v);
                w.WriteEndObject();
                if (r.Policy is { } p) PolicyVerdictJson.Write(w, p);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        o.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
