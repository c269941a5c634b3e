using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Platforms.Simulator;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Policy;
using TeeWasm.Cli.Verification;

namespace TeeWasm.Cli.Commands;

/// <summary>
/// <c>tee-wasm verify FILE [--cert CERT]... [--collateral DIR] [--td-quote FILE] [--policy F] [--json] [--at TIME]</c>: verify evidence
/// on disk (SNP report, TDX quote, Azure HCL report, or attestation JSON), or NVIDIA GPU evidence (<c>attest gpu</c> JSON,
/// NVIDIA SDK evidence JSON, or a raw SPDM report with <c>--cert</c> and <c>--nonce</c>; see <see cref="VerifyGpuEvidence"/>).
/// Exit 0 valid, 1 rejected, 2 usage.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create(TextWriter stdout)
    {
        var file = new Argument<string>("FILE") { Description = "Evidence: SNP report (1184/1204 bytes), TDX quote (v4/v5), Azure HCL report, base64 of one, or the JSON 'tee-wasm attest' writes; or NVIDIA GPU evidence: 'tee-wasm attest gpu' JSON (also --all), NVIDIA attestation SDK evidence JSON, or a raw SPDM report (binary, hex, base64) with --cert and --nonce" };
        var certs = new Option<string[]>("--cert") { Description = "Add certificates (DER or PEM; VCEK/VLEK, ASK/ASVK, ARK; for a raw GPU report: its device chain, PEM, leaf first); repeatable", HelpName = "CERT" };
        var collateral = new Option<string?>("--collateral") { Description = "TDX collateral folder (files named *tcbinfo*, *qeidentity*, *crl*)", HelpName = "DIR" };
        var allowUnsigned = new Option<bool>("--allow-unsigned-collateral") { Description = "Accept TDX collateral whose signing chain is not supplied (its signature cannot be checked)" };
        var policy = new Option<string?>("--policy") { Description = "Also apply this policy (see docs/policy.md)", HelpName = "FILE" };
        var json = new Option<bool>("--json") { Description = "Print a machine-readable JSON verdict" };
        var trustSimulator = new Option<string?>("--trust-simulator")
        {
            Description = "Also trust the TeeWasm simulator's root in DIR (default: the user's simulator directory); results say SIMULATED",
            HelpName = "DIR",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var tdQuote = new Option<string?>("--td-quote")
        {
            Description = "Azure TDX HCL report: the TD quote made from its TDREPORT (raw or base64); verified and compared field by field with the TDREPORT",
            HelpName = "FILE",
        };
        var gpuNonce = new Option<string?>("--nonce")
        {
            Description = "GPU evidence: the 32-byte SPDM request nonce (hex) every report must be over; default: the evidence's binding (attest gpu JSON) or its stated nonce (SDK JSON); required for a raw report",
            HelpName = "HEX",
        };
        var rim = new Option<string?>("--rim") { Description = "GPU evidence: appraise each report's measurements against the NVIDIA RIMs (*.xml) in DIR, driver and VBIOS RIM chosen by version", HelpName = "DIR" };
        var at = new Option<string?>("--at") { Description = "Verify as of this time (ISO 8601, e.g. 2025-06-01) instead of now", HelpName = "TIME" };

        var command = new Command("verify", "Verify VM or NVIDIA GPU evidence from a file; exit 0 valid (every GPU, for GPU evidence), 1 rejected, 2 usage error")
        {
            file, certs, collateral, allowUnsigned, tdQuote, policy, json, at, trustSimulator, gpuNonce, rim,
        };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!;
            if (!File.Exists(path)) throw new UsageException($"evidence file '{path}' not found");
            DateTimeOffset? time = ParseTime(parse.GetValue(at));
            byte[] data = File.ReadAllBytes(path);
            if (GpuEvidenceFile.TryRead(data) is { } gpu)
            {
                return VerifyGpuEvidence.Run(gpu, new VerifyGpuEvidence.Inputs
                {
                    Time = time, CertFiles = parse.GetValue(certs) ?? [], Nonce = parse.GetValue(gpuNonce), RimDirectory = parse.GetValue(rim),
                    PolicyFile = parse.GetValue(policy), TrustSimulator = parse.GetResult(trustSimulator) is not null,
                    SimulatorDirectory = parse.GetValue(trustSimulator), Json = parse.GetValue(json),
                    VmOnlyOptions = [.. new[] { ("--collateral", parse.GetValue(collateral) is not null), ("--td-quote", parse.GetValue(tdQuote) is not null),
                        ("--allow-unsigned-collateral", parse.GetValue(allowUnsigned)) }.Where(o => o.Item2).Select(o => o.Item1)],
                }, stdout);
            }
            if (parse.GetValue(gpuNonce) is not null || parse.GetValue(rim) is not null)
                throw new UsageException("--nonce and --rim apply to NVIDIA GPU evidence only");
            var extra = new List<X509Certificate2>();
            foreach (string c in parse.GetValue(certs) ?? [])
            {
                if (!File.Exists(c)) throw new UsageException($"--cert: file '{c}' not found");
                try { extra.AddRange(SnpCertificateLoader.LoadFile(c)); }
                catch (SnpException e) { throw new UsageException($"--cert {c}: {e.Message}"); }
            }
            TdxCollateral? tdxCollateral = null;
            if (parse.GetValue(collateral) is { } dir)
            {
                if (!Directory.Exists(dir)) throw new UsageException($"--collateral: folder '{dir}' not found");
                tdxCollateral = TdxCollateral.LoadDirectory(dir);
            }
            AttestationPolicy? pol = null;
            if (parse.GetValue(policy) is { } policyPath)
            {
                try { pol = AttestationPolicy.Load(policyPath); }
                catch (PolicyException e) { throw new UsageException(e.Message); }
            }

            X509Certificate2? simulatorArk = null;
            if (parse.GetResult(trustSimulator) is not null)
            {
                string simDir = parse.GetValue(trustSimulator) ?? SimulatorAuthority.DefaultDirectory;
                if (!Directory.Exists(simDir)) throw new UsageException($"--trust-simulator: no simulator directory at '{simDir}'");
                using var authority = SimulatorAuthority.LoadOrCreate(simDir);
                simulatorArk = X509CertificateLoader.LoadCertificate(authority.Ark.RawData);
            }
            byte[]? tdQuoteBytes = null;
            if (parse.GetValue(tdQuote) is { } quotePath)
            {
                if (!File.Exists(quotePath)) throw new UsageException($"--td-quote: file '{quotePath}' not found");
                tdQuoteBytes = EvidenceFile.ReadTdQuote(File.ReadAllBytes(quotePath))
                    ?? throw new UsageException($"--td-quote {quotePath}: not a TDX quote (v4/v5) or base64 of one");
            }
            var evidence = EvidenceFile.Read(data);
            if (tdQuoteBytes is not null && !(evidence.Kind == EvidenceKind.AzureHclReport && HclReport.TryParse(evidence.Report, out var h, out _) && h.ReportType == HclReportType.Tdx))
                throw new UsageException("--td-quote applies to an Azure HCL report with a TDREPORT inside only");
            var outcome = EvidenceVerification.Verify(evidence, new EvidenceVerification.Settings
            {
                Certificates = [.. evidence.Certificates, .. extra],
                Collateral = tdxCollateral,
                AllowUnsignedCollateral = parse.GetValue(allowUnsigned),
                Time = time,
                SimulatorArk = simulatorArk,
                TdQuote = tdQuoteBytes,
            });
            IReadOnlyList<VerifyCheck> checks = VerifyChecks.Evaluate(outcome, pol, evidence.Timestamp, time ?? DateTimeOffset.UtcNow, out PolicyVerdict? verdict);
            bool ok = outcome.Valid && checks.All(c => c.Status == CheckStatus.Pass);
            if (parse.GetValue(json)) WriteJson(stdout, outcome, checks, verdict, ok);
            else WriteText(stdout, outcome, checks, verdict, ok, evidence.Note);
            return ok ? 0 : 1;
        });
        return command;
    }

    private static DateTimeOffset? ParseTime(string? text)
    {
        if (text is null) return null;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)) return t;
        throw new UsageException($"--at '{text}' is not a date/time (e.g. 2025-06-01 or 2025-06-01T12:00:00Z)");
    }

    private static void WriteText(TextWriter o, EvidenceVerification.Outcome outcome, IReadOnlyList<VerifyCheck> checks, PolicyVerdict? verdict, bool ok, string? note)
    {
        if (!outcome.Valid) o.WriteLine("REJECTED: " + outcome.Verdict);
        else if (!ok)
        {
            o.WriteLine($"REJECTED: {outcome.Verdict}, but "
                + string.Join("; ", checks.Where(c => c.Status == CheckStatus.Fail).Select(c => $"{c.Name}: {c.Reason}")));
        }
        else o.WriteLine("VALID: " + outcome.Verdict + (verdict is not null ? "; policy allows it" : ""));
        if (note is not null) o.WriteLine("  note: " + note);
        int nameWidth = checks.Max(c => c.Name.Length);
        foreach (VerifyCheck c in checks)
        {
            o.WriteLine($"  {c.Status.ToString().ToUpperInvariant(),-4}  {c.Name.PadRight(nameWidth)}  {c.Reason}");
        }
        foreach (string w in outcome.Warnings) o.WriteLine("  warning: " + w);
        int width = outcome.Fields.Count == 0 ? 0 : outcome.Fields.Max(f => f.Key.Length);
        foreach (var (k, v) in outcome.Fields) o.WriteLine($"  {k.PadRight(width)}  {v}");
        if (verdict is { Allowed: false })
            foreach (string v in verdict.Violations) o.WriteLine("  policy violation: " + v);
    }

    private static void WriteJson(TextWriter o, EvidenceVerification.Outcome outcome, IReadOnlyList<VerifyCheck> checks, PolicyVerdict? verdict, bool ok)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("verdict", ok ? "valid" : "rejected");
            w.WriteString("kind", outcome.Kind);
            w.WriteBoolean("evidence_valid", outcome.Valid);
            w.WriteString("reason", outcome.Reason);
            w.WriteString("message", outcome.Verdict);
            w.WriteStartArray("checks");
            foreach (VerifyCheck c in checks)
            {
                w.WriteStartObject();
                w.WriteString("name", c.Name);
                w.WriteString("status", c.Status.ToString().ToLowerInvariant());
                w.WriteBoolean("required", true);
                w.WriteString("reason", c.Reason);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("warnings");
            foreach (string s in outcome.Warnings) w.WriteStringValue(s);
            w.WriteEndArray();
            w.WriteStartObject("fields");
            foreach (var (k, v) in outcome.Fields) w.WriteString(k, v);
            w.WriteEndObject();
            if (verdict is not null) PolicyVerdictJson.Write(w, verdict);
            w.WriteEndObject();
        }
        o.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
