using System.Buffers.Binary;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Tpm;

namespace TeeWasm.Cli.Verification;

/// <summary>What a file given to <c>tee-wasm verify</c> holds.</summary>
internal enum EvidenceKind
{
    SnpReport,
    TdxQuote,
    AzureHclReport,
}

/// <summary>
/// Evidence read from a file, its kind detected from the content: a raw SNP report (1184 bytes, or 1204 with Azure's
/// IGVM header: the first 1184 are used), a TDX quote (v4/v5), an Azure HCL report ("HCLA"), base64 of any of these,
/// or the JSON <c>tee-wasm attest</c> writes (an AttestationResult whose "evidence" is JSON with "report" base64 and
/// "certificates" PEM list; Azure evidence also carries "tpm_quote", and for a TDX CVM "td_quote").
/// </summary>
internal sealed class EvidenceFile
{
    public required EvidenceKind Kind { get; init; }

    public required byte[] Report { get; init; }

    public IReadOnlyList<X509Certificate2> Certificates { get; init; } = [];

    public TpmQuote? Quote { get; init; }

    public IReadOnlyList<byte[]>? PcrValues { get; init; }

    public TpmPcrSelection? PcrSelection { get; init; }

    public byte[]? QuoteNonce { get; init; }

    /// <summary>The TD quote for an Azure TDX HCL report (the evidence JSON's "td_quote"), when any.</summary>
    public byte[]? TdQuote { get; init; }

    /// <summary>
    /// The report_data the JSON's <c>binding</c> (scheme, module_sha256, host_key, nonce, runtime data; see
    /// <c>VmBinding.FromJson</c>) says the report must carry, or null when the JSON has none.
    /// </summary>
    public byte[]? ExpectedReportData { get; init; }

    /// <summary>Why the JSON's <c>binding</c> is unusable (unknown scheme, runtime data naming other inputs…), or null.</summary>
    public string? BindingError { get; init; }

    /// <summary>The evidence time the JSON gives ("timestamp"), when any.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>True when the JSON says the evidence came from the simulator.</summary>
    public bool Simulated { get; init; }

    /// <summary>A note on how the file was read (e.g. "IGVM header ignored").</summary>
    public string? Note { get; init; }

    public static EvidenceFile Read(byte[] data)
    {
        var trimmed = data.AsSpan().Trim(" \t\r\n"u8);
        if (trimmed.Length > 0 && trimmed[0] == (byte)'{') return FromJson(trimmed.ToArray());
        if (Detect(data) is { } binary) return binary;
        if (TryBase64(trimmed, out byte[]? decoded) && Detect(decoded) is { } fromBase64) return fromBase64;
        throw new UsageException("unrecognized evidence: not an SNP report, TDX quote, Azure HCL report, attestation JSON, or NVIDIA GPU evidence");
    }

    /// <summary>A TDX quote from a file's bytes (raw, or base64 of one); null when it holds none.</summary>
    public static byte[]? ReadTdQuote(byte[] data)
    {
        if (Detect(data) is { Kind: EvidenceKind.TdxQuote } raw) return raw.Report;
        var trimmed = data.AsSpan().Trim(" \t\r\n"u8);
        return TryBase64(trimmed, out byte[]? decoded) && Detect(decoded) is { Kind: EvidenceKind.TdxQuote } b64 ? b64.Report : null;
    }

    private static EvidenceFile? Detect(byte[] data)
    {
        if (HclReport.HasSignature(data)) return new() { Kind = EvidenceKind.AzureHclReport, Report = data };
        if (data.Length >= 48)
        {
            ushort version = BinaryPrimitives.ReadUInt16LittleEndian(data);
            ushort keyType = BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(2));
            uint tee = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(4));
            if (version is 4 or 5 && keyType == 2 && tee == 0x81) return new() { Kind = EvidenceKind.TdxQuote, Report = data };
        }
        if (data.Length is SnpReport.Size or SnpReport.Size + HclReport.IgvmHeaderSize)
        {
            uint version = BinaryPrimitives.ReadUInt32LittleEndian(data);
            if (version is >= SnpReport.MinVersion and <= SnpReport.MaxVersion)
            {
                return new()
                {
                    Kind = EvidenceKind.SnpReport, Report = data[..SnpReport.Size],
                    Note = data.Length > SnpReport.Size ? "the 20 bytes after the report (Azure IGVM request header) are not signed and were ignored" : null,
                };
            }
        }
        return null;
    }

    private static bool TryBase64(ReadOnlySpan<byte> text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? decoded)
    {
        decoded = null;
        if (text.Length < 16) return false;
        try
        {
            decoded = Convert.FromBase64String(Encoding.ASCII.GetString(text));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static EvidenceFile FromJson(byte[] json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            DateTimeOffset? timestamp = root.TryGetProperty("timestamp", out var ts) && ts.TryGetInt64(out long secs) ? DateTimeOffset.FromUnixTimeSeconds(secs) : null;
            bool simulated = root.TryGetProperty("simulated", out var sim) && sim.ValueKind == JsonValueKind.True;
            JsonElement evidence = root;
            JsonDocument? inner = null;
            if (root.TryGetProperty("evidence", out var e))
            {
                if (e.ValueKind == JsonValueKind.String)
                {
                    inner = JsonDocument.Parse(e.GetString()!);
                    evidence = inner.RootElement;
                }
                else if (e.ValueKind == JsonValueKind.Object) evidence = e;
                else throw new UsageException("the JSON's \"evidence\" is null: the attestation it records failed");
            }
            using (inner)
            {
                if (!evidence.TryGetProperty("report", out var r) || r.ValueKind != JsonValueKind.String)
                    throw new UsageException("evidence JSON has no \"report\" (base64)");
                byte[] report = Convert.FromBase64String(r.GetString()!);
                var kind = Detect(report) ?? throw new UsageException("the JSON's \"report\" is not an SNP report, TDX quote or HCL report");
                var certs = new List<X509Certificate2>();
                if (evidence.TryGetProperty("certificates", out var cs) && cs.ValueKind == JsonValueKind.Array)
                    foreach (var c in cs.EnumerateArray())
                        if (c.GetString() is { Length: > 0 } pem) certs.AddRange(SnpCertificateLoader.Load(pem.AsSpan()));
                if (evidence.TryGetProperty("simulated", out var sim2) && sim2.ValueKind == JsonValueKind.True) simulated = true;

                TpmQuote? quote = null;
                IReadOnlyList<byte[]>? pcrs = null;
                TpmPcrSelection? selection = null;
                byte[]? nonce = null;
                if (evidence.TryGetProperty("tpm_quote", out var q) && q.ValueKind == JsonValueKind.Object)
                {
                    quote = new TpmQuote(Convert.FromBase64String(q.GetProperty("attest").GetString()!),
                        TpmSignature.Parse(Convert.FromBase64String(q.GetProperty("signature").GetString()!)));
                    if (q.TryGetProperty("pcrs", out var p) && q.TryGetProperty("pcr_selection", out var sel))
                    {
                        pcrs = [.. p.EnumerateArray().Select(x => Convert.FromHexString(x.GetString()!))];
                        selection = new TpmPcrSelection(sel.EnumerateArray().Select(x => x.GetInt32()));
                    }
                    if (q.TryGetProperty("nonce", out var n)) nonce = Convert.FromHexString(n.GetString()!);
                }
                byte[]? tdQuote = evidence.TryGetProperty("td_quote", out var tq) && tq.ValueKind == JsonValueKind.String
                    ? Convert.FromBase64String(tq.GetString()!) : null;
                byte[]? expected = null;
                string? bindingError = null;
                if (evidence.TryGetProperty("binding", out var bind) && bind.ValueKind == JsonValueKind.Object)
                {
                    // By the binding's scheme (teewasm, maa, ita); a service scheme's runtime data must name the same inputs.
                    try
                    {
                        expected = VmBinding.FromJson(bind).ReportData;
                    }
                    catch (TeeWasm.Attestation.Evidence.AttestationException ex)
                    {
                        bindingError = ex.Message;
                    }
                }
                return new EvidenceFile
                {
                    ExpectedReportData = expected, BindingError = bindingError,
                    Kind = kind.Kind, Report = kind.Report, Note = kind.Note, Certificates = certs, Timestamp = timestamp, Simulated = simulated,
                    Quote = quote, PcrValues = pcrs, PcrSelection = selection, QuoteNonce = nonce, TdQuote = tdQuote,
                };
            }
        }
        catch (Exception ex) when (ex is JsonException or FormatException or KeyNotFoundException or InvalidOperationException or ArgumentException or TeeWasm.Attestation.Evidence.AttestationException)
        {
            throw new UsageException("malformed evidence JSON: " + ex.Message);
        }
    }
}
