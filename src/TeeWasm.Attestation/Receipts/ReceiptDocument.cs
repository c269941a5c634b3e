using System.Globalization;
using System.Text.Json;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Tokens;

namespace TeeWasm.Attestation.Receipts;

/// <summary>A receipt as read from its file: the receipt, its signature, and the exact signed member.</summary>
/// <param name="Receipt">The receipt.</param>
/// <param name="Signature">The host key's signature.</param>
/// <param name="Signed">The <c>receipt</c> member as read (its canonical form is what was signed).</param>
public sealed record SignedReceipt(RunReceipt Receipt, HostKeySignature Signature, EvidenceDocument Signed);

/// <summary>
/// The receipt file (docs/receipts.md, docs/schemas/receipt.schema.json): <c>{"receipt":{…},"signature":{"alg":"ES256",
/// "host_key","value"}}</c>, the signature over the RFC 8785 canonical form of <c>receipt</c>. Reading is strict.
/// </summary>
public static class ReceiptDocument
{
    /// <summary>Signs <paramref name="receipt"/> with <paramref name="key"/> (which must be the receipt's host key) and writes the file's JSON.</summary>
    /// <exception cref="ArgumentException">The key is not the receipt's host key.</exception>
    public static string Sign(RunReceipt receipt, HostAttestationKey key)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        ArgumentNullException.ThrowIfNull(key);
        if (!key.PublicPoint.AsSpan().SequenceEqual(receipt.HostKey)) throw new ArgumentException("the receipt names another host key", nameof(key));
        EvidenceDocument body = EvidenceDocument.Parse(EvidenceDocument.WriteDocument(w => Write(w, receipt)));
        HostKeySignature signature = HostKeySignature.Sign(key, body.Canonical());
        return EvidenceDocument.WriteDocument(w =>
        {
            w.Document("receipt", body);
            w.Object("signature", signature.WriteTo);
        }, indented: true);
    }

    /// <summary>Writes the receipt's members.</summary>
    public static void Write(EvidenceDocument.Writer w, RunReceipt r)
    {
        ArgumentNullException.ThrowIfNull(r);
        w.String("format", RunReceipt.Format);
        w.Hex("receipt_id", r.ReceiptId);
        w.Hex("workload_sha256", r.Workload.Digest);
        w.Object("workload", d => WorkloadDocument.Write(d, r.Workload));
        w.Object("measurement_log", log =>
        {
            log.String("algorithm", "sha256");
            log.Hex("value", r.MeasurementLogValue.Value);
            log.Objects("entries", r.MeasurementLog, (e, entry) => entry.WriteTo(e));
        });
        w.Object("files", f =>
        {
            f.String("tracking", r.FileTracking);
            f.Objects("read", r.FilesRead, WriteFile);
            f.Objects("written", r.FilesWritten, WriteFile);
            f.Strings("deleted", r.FilesDeleted);
        });
        w.Object("stdout", s =>
        {
            s.Hex("sha256", r.StdoutSha256);
            s.Number("bytes", r.StdoutBytes);
        });
        w.Number("exit_code", r.ExitCode);
        w.String("error", r.Error);
        w.String("started", Time(r.Started));
        w.String("ended", Time(r.Ended));
        w.Strings("tokens", r.Tokens);
        w.Document("attestation", r.LaunchAttestation);
        w.Hex("host_key", r.HostKey);
    }

    private static void WriteFile(EvidenceDocument.Writer w, ReceiptFile f)
    {
        w.String("directory", f.Directory);
        w.String("path", f.Path);
        if (f.Sha256 is { } sha) w.Hex("sha256", sha);
        else w.Null("sha256");
        w.Number("bytes", f.Bytes);
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Reads a receipt file.</summary>
    /// <exception cref="AttestationException">Not a receipt file; the message says what is wrong.</exception>
    public static SignedReceipt Parse(ReadOnlyMemory<byte> utf8)
    {
        EvidenceDocument root;
        try
        {
            root = EvidenceDocument.Parse(utf8);
        }
        catch (JsonException e)
        {
            throw new AttestationException("receipt is not JSON: " + e.Message, e);
        }
        EvidenceDocument body = root.GetObject("receipt") ?? throw Bad("has no \"receipt\" object");
        EvidenceDocument signature = root.GetObject("signature") ?? throw Bad("has no \"signature\" object");
        return new SignedReceipt(Read(body), HostKeySignature.Read(signature), body);
    }

    /// <summary>True when <paramref name="document"/> looks like a receipt file (it has a <c>receipt</c> of this format).</summary>
    public static bool IsReceipt(EvidenceDocument document) =>
        document.GetObject("receipt")?.GetString("format") == RunReceipt.Format;

    /// <summary>Reads the <c>receipt</c> member.</summary>
    /// <exception cref="AttestationException">Malformed; the message says what is wrong.</exception>
    public static RunReceipt Read(EvidenceDocument d)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (d.GetString("format") is var format && format != RunReceipt.Format) throw Bad($"format '{format}' is not {RunReceipt.Format}");
        try
        {
            EvidenceDocument log = d.GetObject("measurement_log") ?? throw Bad("has no \"measurement_log\"");
            EvidenceDocument files = d.GetObject("files") ?? throw Bad("has no \"files\"");
            EvidenceDocument stdout = d.GetObject("stdout") ?? throw Bad("has no \"stdout\"");
            var entries = (log.GetObjects("entries") ?? throw Bad("measurement_log has no \"entries\"")).Select(MeasurementLogEntry.Read).ToList();
            byte[] workloadSha = Hex(d, "workload_sha256", 32);
            WorkloadIdentity workload = WorkloadDocument.Read(d.GetObject("workload") ?? throw Bad("has no \"workload\""));
            if (!workload.Digest.AsSpan().SequenceEqual(workloadSha))
                throw Bad("workload document does not hash to its workload_sha256 (the document was changed)");
            return new RunReceipt
            {
                ReceiptId = Hex(d, "receipt_id", 32),
                Workload = workload,
                MeasurementLog = entries,
                MeasurementLogValue = new MeasurementLogValue(Hex(log, "value", 32), entries.Count),
                FileTracking = files.GetString("tracking") ?? throw Bad("files has no \"tracking\""),
                FilesRead = ReadFiles(files, "read"),
                FilesWritten = ReadFiles(files, "written"),
                FilesDeleted = [.. (files.GetStrings("deleted") ?? throw Bad("files has no \"deleted\"")).Select(s => s ?? throw Bad("files.deleted holds a non-string"))],
                StdoutSha256 = Hex(stdout, "sha256", 32),
                StdoutBytes = stdout.GetInt64("bytes") ?? throw Bad("stdout has no \"bytes\""),
                ExitCode = d.GetInt64("exit_code") is long code and >= int.MinValue and <= int.MaxValue ? (int)code : throw Bad("has no \"exit_code\""),
                Error = d.GetString("error"),
                Started = Date(d, "started"),
                Ended = Date(d, "ended"),
                Tokens = [.. (d.GetStrings("tokens") ?? throw Bad("has no \"tokens\"")).Select(t => t ?? throw Bad("tokens holds a non-string"))],
                LaunchAttestation = d.GetObject("attestation") ?? throw Bad("has no \"attestation\" object"),
                HostKey = Hex(d, "host_key", 65),
            };
        }
        catch (InvalidOperationException e)
        {
            throw Bad("has a member of the wrong type: " + e.Message);
        }
    }

    private static List<ReceiptFile> ReadFiles(EvidenceDocument files, string name) =>
        [.. (files.GetObjects(name) ?? throw Bad($"files has no \"{name}\"")).Select(f => new ReceiptFile(
            f.GetString("directory") ?? throw Bad($"a files.{name} entry has no \"directory\""),
            f.GetString("path") ?? throw Bad($"a files.{name} entry has no \"path\""),
            f.IsNullOrAbsent("sha256") ? null : Hex(f, "sha256", 32),
            f.GetInt64("bytes") ?? throw Bad($"a files.{name} entry has no \"bytes\"")))];

    private static byte[] Hex(EvidenceDocument d, string name, int length)
    {
        try
        {
            byte[] value = d.GetHex(name) ?? throw Bad($"has no \"{name}\" (hex)");
            return value.Length == length ? value : throw Bad($"{name} is not {length} bytes");
        }
        catch (FormatException)
        {
            throw Bad($"{name} is not hex");
        }
    }

    private static DateTimeOffset Date(EvidenceDocument d, string name) =>
        DateTimeOffset.TryParse(d.GetString(name), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t
            : throw Bad($"{name} is not a date-time");

    private static AttestationException Bad(string what) => new("receipt " + what);
}
