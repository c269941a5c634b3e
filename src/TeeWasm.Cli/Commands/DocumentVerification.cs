using System.CommandLine;
using System.Text.Json;
using TeeWasm.Cli.CommandLine;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Bundles;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Receipts;
using TeeWasm.Attestation.Verification;
using TeeWasm.Runtime.Hosting;

namespace TeeWasm.Cli.Commands;

/// <summary>
/// What <c>tee-wasm verify</c> does with TeeWasm's own documents: a composite result (<c>attest all</c>: the VM and every
/// GPU, one verdict naming each device that failed), an offline bundle (<c>attest --bundle</c>: verified with its own
/// collateral only, stale pieces named) and a receipt (<c>run --receipt</c>, with <c>--bundle</c>, <c>--dir</c>,
/// <c>--stdout</c>). The verification is the library's; this prints.
/// </summary>
internal static class DocumentVerification
{
    /// <summary>The options of <c>verify</c> for these documents.</summary>
    internal sealed class Options
    {
        private readonly Option<string?> _bundle = new("--bundle") { Description = "Receipt: the bundle of its launch attestation (run --receipt R --bundle B); its collateral is used", HelpName = "FILE" };
        private readonly Option<string[]> _dirs = new("--dir") { Description = "Receipt: compare the receipt's file digests with the files in HOST, the guest's directory GUEST (repeatable)", HelpName = "HOST::GUEST" };
        private readonly Option<string?> _stdout = new("--stdout") { Description = "Receipt: compare the guest's stdout, saved in FILE, with the receipt's digest", HelpName = "FILE" };

        public void AddTo(Command command)
        {
            command.Options.Add(_bundle);
            command.Options.Add(_dirs);
            command.Options.Add(_stdout);
        }

        public Values Values(ParseResult parse) => new(parse.GetValue(_bundle), parse.GetValue(_dirs) ?? [], parse.GetValue(_stdout));
    }

    /// <summary>The values of <see cref="Options"/>.</summary>
    internal sealed record Values(string? Bundle, string[] Directories, string? Stdout)
    {
        public bool ForReceipt => Bundle is not null || Directories.Length > 0 || Stdout is not null;
    }

    /// <summary>True when <paramref name="data"/> is a bundle or a receipt: verified with what it carries (<c>--offline</c> applies without <c>--fetch</c>).</summary>
    public static bool IsBundleOrReceipt(byte[] data) =>
        ReadDocument(data) is { } d && (BundleDocument.IsBundle(d) || ReceiptDocument.IsReceipt(d));

    private static EvidenceDocument? ReadDocument(byte[] data)
    {
        if (data.AsSpan().TrimStart(" \t\r\n"u8) is not [(byte)'{', ..]) return null;
        try
        {
            return EvidenceDocument.Parse(data);
        }
        catch (Exception e) when (e is JsonException or AttestationException)
        {
            return null;
        }
    }

    /// <summary>Verifies and prints <paramref name="data"/> when it is one of these documents; null when it is not (plain evidence).</summary>
    public static int? TryRun(byte[] data, VerifyOptions options, Values values, bool json, TextWriter o)
    {
        EvidenceDocument? document = ReadDocument(data);
        bool receipt = document is not null && ReceiptDocument.IsReceipt(document);
        if (values.ForReceipt && !receipt) throw new UsageException("--bundle, --dir and --stdout apply to a receipt (tee-wasm run --receipt) only");
        if (document is null) return null;
        try
        {
            if (receipt) return Receipt(data, options, values, json, o);
            if (BundleDocument.IsBundle(document)) return Bundle(data, options, json, o);
            if (CompositeEvidence.IsComposite(document)) return Composite(AttestationPlatforms.VerifyComposite(document, options), json, o);
        }
        catch (VerificationInputException e)
        {
            throw new UsageException(e.Message);
        }
        catch (AttestationException e)
        {
            // The document itself is malformed (not an input of the user's): a rejection.
            o.WriteLine("REJECTED: " + e.Message);
            return 1;
        }
        return null;
    }

    private static int Composite(CompositeAppraisal a, bool json, TextWriter o)
    {
        if (json) WriteJson(o, w => WriteComposite(w, a));
        else WriteComposite(o, a, "");
        return a.Valid ? 0 : 1;
    }

    private static void WriteComposite(TextWriter o, CompositeAppraisal a, string indent)
    {
        o.WriteLine(indent + a.Verdict);
        foreach (DeviceAppraisal d in a.Devices)
        {
            o.WriteLine($"{indent}{d.Device.Label}: {VerifyOutput.Headline(d.Appraisal)}");
            VerifyOutput.WriteChecks(o, d.Appraisal.Checks, indent + "    ");
        }
        VerifyOutput.WriteChecks(o, a.Checks, indent + "  ");
    }

    private static void WriteComposite(Utf8JsonWriter w, CompositeAppraisal a)
    {
        w.WriteStartObject();
        w.WriteString("verdict", a.Valid ? "valid" : "rejected");
        w.WriteString("kind", "composite");
        w.WriteString("message", a.Verdict);
        w.WriteStartArray("devices");
        foreach (DeviceAppraisal d in a.Devices)
        {
            w.WriteStartObject();
            w.WriteString("device", d.Device.Device);
            if (d.Device.Uuid is { } uuid) w.WriteString("uuid", uuid);
            w.WritePropertyName("appraisal");
            VerifyOutput.WriteAppraisal(w, d.Appraisal, d.Device.GpuIndex);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        WriteChecks(w, a.Checks);
        w.WriteEndObject();
    }

    private static int Bundle(byte[] data, VerifyOptions options, bool json, TextWriter o)
    {
        BundleAppraisal a = BundleVerifier.Verify(BundleDocument.Parse(data), options);
        if (json)
        {
            WriteJson(o, w =>
            {
                w.WriteStartObject();
                w.WriteString("verdict", a.Valid ? "valid" : "rejected");
                w.WriteString("kind", "bundle");
                w.WriteString("time", a.Time.UtcDateTime.ToString("O"));
                WriteChecks(w, a.Checks);
                w.WriteStartArray("collateral");
                foreach (CollateralValidity c in a.Collateral)
                {
                    w.WriteStartObject();
                    w.WriteString("kind", CollateralSet.KindName(c.Item.Kind));
                    w.WriteString("name", c.Item.Name);
                    w.WriteString("source", c.Item.Source);
                    w.WriteBoolean("stale", c.IsStaleAt(a.Time));
                    w.WriteString("description", c.Describe(a.Time));
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            });
            return a.Valid ? 0 : 1;
        }
        string kind = a.Bundle.Bundle.IsComposite ? "a composite result (the VM and every GPU)"
            : a.Evidence is { } e ? $"{e.File.Kind} evidence" : "an attestation result";
        o.WriteLine(a.Valid
            ? $"VALID: bundle of {kind}, verified with its own collateral as of {a.Time:u}"
            : $"REJECTED: bundle of {kind}: {a.Failures}");
        VerifyOutput.WriteChecks(o, a.Checks, "  ");
        if (a.Composite is { } composite) WriteComposite(o, composite, "  ");
        o.WriteLine($"  collateral ({a.Collateral.Count} piece{(a.Collateral.Count == 1 ? "" : "s")}):");
        foreach (CollateralValidity c in a.Collateral) o.WriteLine("    " + c.Describe(a.Time));
        var stale = a.Stale.ToList();
        o.WriteLine(stale.Count == 0
            ? $"  stale at {a.Time:u}: none"
            : $"  stale at {a.Time:u}: {string.Join(", ", stale.Select(c => $"{CollateralSet.KindName(c.Item.Kind)} '{c.Item.Name}'"))}");
        return a.Valid ? 0 : 1;
    }

    private static int Receipt(byte[] data, VerifyOptions options, Values values, bool json, TextWriter o)
    {
        SignedReceipt signed = ReceiptDocument.Parse(data);
        SignedBundle? bundle = null;
        if (values.Bundle is { } path)
        {
            if (!File.Exists(path)) throw new UsageException($"--bundle: file '{path}' not found");
            bundle = BundleDocument.Parse(File.ReadAllBytes(path));
        }
        var directories = values.Directories.Select(spec =>
        {
            DirectoryMapping d;
            try
            {
                d = DirectoryMapping.Parse(spec);
            }
            catch (FormatException e)
            {
                throw new UsageException(e.Message);
            }
            return new KeyValuePair<string, string>(d.GuestPath, d.HostPath);
        }).ToList();
        ReceiptAppraisal a = ReceiptVerifier.Verify(signed, new ReceiptVerifyOptions
        {
            Evidence = options, Directories = directories, StdoutFile = values.Stdout, Bundle = bundle,
        });
        RunReceipt r = signed.Receipt;
        if (json)
        {
            WriteJson(o, w =>
            {
                w.WriteStartObject();
                w.WriteString("verdict", a.Valid ? "valid" : "rejected");
                w.WriteString("kind", "receipt");
                w.WriteString("workload_sha256", r.Workload.DigestHex);
                w.WriteString("module_sha256", Convert.ToHexStringLower(r.Workload.ModuleSha256));
                w.WriteNumber("exit_code", r.ExitCode);
                w.WriteString("measurement_log", r.MeasurementLogValue.Hex);
                WriteChecks(w, a.Checks);
                w.WriteEndObject();
            });
            return a.Valid ? 0 : 1;
        }
        o.WriteLine(a.Valid
            ? $"VALID: receipt of workload {r.Workload.DigestHex[..16]}… (module {Convert.ToHexStringLower(r.Workload.ModuleSha256)[..16]}…), exit code {r.ExitCode}, signed by the attested host key"
            : "REJECTED: receipt: " + a.Failures);
        VerifyOutput.WriteChecks(o, a.Checks, "  ");
        o.WriteLine($"  measurement log: {r.MeasurementLog.Count} entr{(r.MeasurementLog.Count == 1 ? "y" : "ies")}, value {r.MeasurementLogValue.Hex}");
        foreach (MeasurementLogEntry e in r.MeasurementLog) o.WriteLine("    " + e);
        foreach (ReceiptFile f in r.FilesRead) o.WriteLine($"  read     {f.GuestPath}  {(f.Sha256 is { } s ? "sha256 " + Convert.ToHexStringLower(s) : "(changed during the run)")}");
        foreach (ReceiptFile f in r.FilesWritten) o.WriteLine($"  written  {f.GuestPath}  sha256 {Convert.ToHexStringLower(f.Sha256!)} ({f.Bytes} bytes)");
        foreach (string f in r.FilesDeleted) o.WriteLine($"  deleted  {f}");
        return a.Valid ? 0 : 1;
    }

    private static void WriteChecks(Utf8JsonWriter w, IReadOnlyList<AppraisalCheck> checks)
    {
        w.WriteStartArray("checks");
        foreach (AppraisalCheck c in checks)
        {
            w.WriteStartObject();
            w.WriteString("name", c.Name);
            w.WriteString("status", c.Status.ToString().ToLowerInvariant());
            w.WriteString("reason", c.Reason);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void WriteJson(TextWriter o, Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            write(w);
        o.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
