using System.Text.Json;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Policy;
using TeeWasm.Attestation.Services.Tokens;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Cli.Commands;

/// <summary>
/// Prints the appraisals of <c>tee-wasm verify</c>: a verdict line, then each check, warnings and the decoded fields.
/// GPU evidence: with several GPUs an overall line first and one block per GPU, each headed <c>GPU i: VALID|REJECTED: …</c>.
/// </summary>
internal static class VerifyOutput
{
    private static readonly JsonWriterOptions s_json = new() { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void WriteText(TextWriter o, FileAppraisal result, CollateralSet? fetched = null)
    {
        if (result.File.Platform.Subject == EvidenceSubject.Gpu)
        {
            WriteGpuText(o, result, fetched);
            return;
        }
        Appraisal a = result.Appraisals[0];
        o.WriteLine(Headline(a));
        o.WriteLine("  evidence: " + result.File.Kind);
        if (result.File.Note is { } note) o.WriteLine("  note: " + note);
        WriteCollateral(o, result);
        WriteFetched(o, fetched, "  ");
        WriteChecks(o, a, "  ");
        foreach (string w in a.Warnings) o.WriteLine("  warning: " + w);
        WriteFields(o, a, "  ");
    }

    private static void WriteCollateral(TextWriter o, FileAppraisal result)
    {
        foreach (CollateralFile f in result.Collateral?.Files ?? [])
            o.WriteLine($"  collateral: {f.Name}: {f.RecognisedAs}{(f.Used ? "" : " (not used)")}");
    }

    private static void WriteFetched(TextWriter o, CollateralSet? fetched, string indent)
    {
        foreach (CollateralItem i in fetched?.Items ?? [])
            o.WriteLine($"{indent}fetched: {i.Request.Describe()} from {i.Url?.GetLeftPart(UriPartial.Query) ?? i.Source}{(i.FromCache ? " (cache)" : "")}, fresh until {i.NextUpdate:yyyy-MM-dd HH:mm}Z");
    }

    private static void WriteGpuText(TextWriter o, FileAppraisal result, CollateralSet? fetched)
    {
        IReadOnlyList<Appraisal> gpus = result.Appraisals;
        bool multi = gpus.Count > 1;
        if (multi)
        {
            int failed = gpus.Count(r => !r.Valid);
            int firstBad = gpus.ToList().FindIndex(r => !r.Valid);
            o.WriteLine(failed == 0
                ? $"VALID: {result.File.Kind}: all {gpus.Count} GPUs verify"
                : $"REJECTED: {result.File.Kind}: {failed} of {gpus.Count} GPUs rejected (GPU {firstBad}: {Headline(gpus[firstBad])})");
        }
        else
        {
            o.WriteLine(Headline(gpus[0]));
            o.WriteLine("  evidence: " + result.File.Kind);
        }
        WriteCollateral(o, result);
        WriteFetched(o, fetched, "  ");
        for (int i = 0; i < gpus.Count; i++)
        {
            string indent = multi ? "    " : "  ";
            if (multi) o.WriteLine($"GPU {i}: {Headline(gpus[i])}");
            WriteChecks(o, gpus[i], indent);
            WriteFields(o, gpus[i], indent);
        }
    }

    /// <summary>"VALID: …" or "REJECTED: …".</summary>
    internal static string Headline(Appraisal a) =>
        !a.EvidenceValid ? "REJECTED: " + a.Message
        : !a.Valid ? $"REJECTED: {a.Message}, but {a.Failures}"
        : "VALID: " + a.Message + (a.Policy is not null ? "; policy allows it" : "");

    private static void WriteChecks(TextWriter o, Appraisal a, string indent) => WriteChecks(o, a.Checks, indent);

    /// <summary>One line per check: status, name, reason.</summary>
    internal static void WriteChecks(TextWriter o, IReadOnlyList<AppraisalCheck> checks, string indent)
    {
        if (checks.Count == 0) return;
        int nameWidth = checks.Max(c => c.Name.Length);
        foreach (AppraisalCheck c in checks)
            o.WriteLine($"{indent}{c.Status.ToString().ToUpperInvariant(),-4}  {c.Name.PadRight(nameWidth)}  {c.Reason}");
    }

    internal static void WriteFields(TextWriter o, Appraisal a, string indent)
    {
        int width = a.Fields.Count == 0 ? 0 : a.Fields.Max(f => f.Key.Length);
        foreach (var (k, v) in a.Fields) o.WriteLine($"{indent}{k.PadRight(width)}  {v}");
        if (a.Policy is { Allowed: false } p)
            foreach (string v in p.Violations) o.WriteLine($"{indent}policy violation: {v}");
    }

    public static void WriteJson(TextWriter o, FileAppraisal result, CollateralSet? fetched = null)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, s_json))
        {
            if (result.File.Platform.Subject == EvidenceSubject.Gpu)
            {
                w.WriteStartObject();
                w.WriteString("verdict", result.Valid ? "valid" : "rejected");
                w.WriteString("kind", result.File.Kind);
                w.WriteStartArray("gpus");
                for (int i = 0; i < result.Appraisals.Count; i++) WriteAppraisal(w, result.Appraisals[i], gpuIndex: i, result.File.Items[i].Binding, result.Expected);
                w.WriteEndArray();
                WriteCollateralJson(w, result.Collateral);
                WriteFetchedJson(w, fetched);
                w.WriteEndObject();
            }
            else
            {
                WriteAppraisal(w, result.Appraisals[0], gpuIndex: null, result.File.Items[0].Binding, result.Expected, result.Collateral, fetched);
            }
        }
        o.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>
    /// VM: <c>{verdict, kind, evidence_valid, reason, message, checks [name, status, required, reason], warnings, fields, [policy]}</c>;
    /// GPU: <c>{index, verdict, evidence_valid, reason, message, checks [name, status, reason], fields, [policy]}</c>.
    /// </summary>
    private static void WriteFetchedJson(Utf8JsonWriter w, CollateralSet? fetched)
    {
        if (fetched is null) return;
        w.WriteStartArray("fetched");
        foreach (CollateralItem i in fetched.Items)
        {
            w.WriteStartObject();
            w.WriteString("kind", i.Request.Kind.ToString());
            w.WriteString("url", i.Source);
            w.WriteBoolean("from_cache", i.FromCache);
            if (i.NextUpdate is { } next) w.WriteString("next_update", next); else w.WriteNull("next_update");
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>One appraisal as JSON; <paramref name="expected"/> null (a composite's devices) leaves out the binding objects.</summary>
    internal static void WriteAppraisal(Utf8JsonWriter w, Appraisal a, int? gpuIndex, VmBinding? binding = null, ExpectedBinding? expected = null,
        CollateralFolder? collateral = null, CollateralSet? fetched = null)
    {
        w.WriteStartObject();
        if (gpuIndex is int index) w.WriteNumber("index", index);
        w.WriteString("verdict", a.Valid ? "valid" : "rejected");
        if (gpuIndex is null) w.WriteString("kind", a.Kind);
        w.WriteBoolean("evidence_valid", a.EvidenceValid);
        w.WriteString("reason", a.VerdictReason);
        w.WriteString("message", a.Message);
        w.WriteStartArray("checks");
        foreach (AppraisalCheck c in a.Checks)
        {
            w.WriteStartObject();
            w.WriteString("name", c.Name);
            w.WriteString("status", c.Status.ToString().ToLowerInvariant());
            if (gpuIndex is null) w.WriteBoolean("required", true);
            if (c.ReasonCode is { } code) w.WriteString("code", code);
            w.WriteString("reason", c.Reason);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (gpuIndex is null)
        {
            w.WriteStartArray("warnings");
            foreach (string s in a.Warnings) w.WriteStringValue(s);
            w.WriteEndArray();
        }
        w.WriteStartObject("fields");
        foreach (var (k, v) in a.Fields) w.WriteString(k, v);
        w.WriteEndObject();
        if (expected is not null) WriteBinding(w, binding, expected);
        WriteCollateralJson(w, collateral);
        WriteFetchedJson(w, fetched);
        if (a.Policy is { } p) WritePolicy(w, p);
        w.WriteEndObject();
    }

    /// <summary><c>"collateral": [{file, recognised_as, used}]</c> when <c>--collateral</c> was given.</summary>
    private static void WriteCollateralJson(Utf8JsonWriter w, CollateralFolder? collateral)
    {
        if (collateral is null) return;
        w.WriteStartArray("collateral");
        foreach (CollateralFile f in collateral.Files)
        {
            w.WriteStartObject();
            w.WriteString("file", f.Path);
            w.WriteString("recognised_as", f.RecognisedAs);
            w.WriteBoolean("used", f.Used);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary><c>"binding": {scheme, module_sha256, host_key, nonce, report_data} | null</c> and <c>"expected": {nonce, module_sha256, report_data}</c> (what was asked for).</summary>
    private static void WriteBinding(Utf8JsonWriter w, VmBinding? binding, ExpectedBinding expected)
    {
        if (binding is null)
        {
            w.WriteNull("binding");
        }
        else
        {
            w.WriteStartObject("binding");
            w.WriteString("scheme", binding.Scheme.ToShortName());
            w.WriteString("module_sha256", Convert.ToHexStringLower(binding.ModuleHash));
            w.WriteString("host_key", Convert.ToHexStringLower(binding.HostKey));
            w.WriteString("nonce", Convert.ToHexStringLower(binding.Nonce));
            w.WriteString("report_data", Convert.ToHexStringLower(binding.ReportData));
            w.WriteEndObject();
        }
        w.WriteStartObject("expected");
        WriteHexOrNull(w, "nonce", expected.Nonce);
        WriteHexOrNull(w, "module_sha256", expected.ModuleHash);
        WriteHexOrNull(w, "report_data", expected.ReportData);
        w.WriteEndObject();
    }

    private static void WriteHexOrNull(Utf8JsonWriter w, string name, byte[]? value)
    {
        if (value is null) w.WriteNull(name);
        else w.WriteString(name, Convert.ToHexStringLower(value));
    }

    /// <summary>A token: the verdict, its checks, then signer, header and claims (and each submodule of a detached EAT).</summary>
    public static void WriteTokenText(TextWriter o, TokenAppraisal t)
    {
        o.WriteLine(t.Valid ? $"VALID: {t.Kind}{(t.Signer is { } s ? ", signed by " + s : "")}" : $"REJECTED: {t.Kind}: {t.Failures}");
        WriteToken(o, t, "  ");
        foreach (var (name, sub) in t.Submodules)
        {
            o.WriteLine($"{name}: {(sub.Valid ? "VALID" : "REJECTED: " + sub.Failures)}");
            WriteToken(o, sub, "    ");
        }
    }

    private static void WriteToken(TextWriter o, TokenAppraisal t, string indent)
    {
        int width = t.Checks.Max(c => c.Name.Length);
        foreach (AppraisalCheck c in t.Checks)
            o.WriteLine($"{indent}{c.Status.ToString().ToUpperInvariant(),-4}  {c.Name.PadRight(width)}  {c.Reason}");
        if (t.Signer is { } signer) o.WriteLine($"{indent}signer  {signer}");
        if (t.HeaderJson is { } h) o.WriteLine($"{indent}header  {h}");
        if (t.ClaimsJson is { } c2) o.WriteLine($"{indent}claims  {c2}");
    }

    /// <summary><c>{verdict, kind, reason, signer, checks [name, status, code, reason], header, claims, submodules {name: …}}</c>.</summary>
    public static void WriteTokenJson(TextWriter o, TokenAppraisal t)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, s_json)) WriteTokenObject(w, t);
        o.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void WriteTokenObject(Utf8JsonWriter w, TokenAppraisal t)
    {
        w.WriteStartObject();
        w.WriteString("verdict", t.Valid ? "valid" : "rejected");
        w.WriteString("kind", t.Kind);
        w.WriteString("reason", t.VerdictReason);
        if (t.Signer is null) w.WriteNull("signer"); else w.WriteString("signer", t.Signer);
        w.WriteStartArray("checks");
        foreach (AppraisalCheck c in t.Checks)
        {
            w.WriteStartObject();
            w.WriteString("name", c.Name);
            w.WriteString("status", c.Status.ToString().ToLowerInvariant());
            if (c.ReasonCode is { } code) w.WriteString("code", code);
            w.WriteString("reason", c.Reason);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WritePropertyName("header");
        if (t.HeaderJson is null) w.WriteNullValue(); else w.WriteRawValue(t.HeaderJson);
        w.WritePropertyName("claims");
        if (t.ClaimsJson is null) w.WriteNullValue(); else w.WriteRawValue(t.ClaimsJson);
        if (t.Submodules.Count > 0)
        {
            w.WriteStartObject("submodules");
            foreach (var (name, sub) in t.Submodules)
            {
                w.WritePropertyName(name);
                WriteTokenObject(w, sub);
            }
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private static void WritePolicy(Utf8JsonWriter w, PolicyVerdict verdict)
    {
        w.WriteStartObject("policy");
        w.WriteBoolean("allowed", verdict.Allowed);
        w.WriteStartArray("violations");
        foreach (string s in verdict.Violations) w.WriteStringValue(s);
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
