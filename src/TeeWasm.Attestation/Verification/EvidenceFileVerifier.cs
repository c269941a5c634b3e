using System.Text;
using System.Text.Json;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Verification;

/// <summary>The appraisals of every piece of evidence in a file (one for VM evidence; one per GPU).</summary>
/// <param name="File">The file as read.</param>
/// <param name="Appraisals">One appraisal per item of <see cref="EvidenceFile.Items"/>, in order.</param>
public sealed record FileAppraisal(EvidenceFile File, IReadOnlyList<Appraisal> Appraisals)
{
    /// <summary>What the relying party said the evidence must be bound to (<c>--nonce</c>, <c>--module</c>, <c>--report-data</c>).</summary>
    public ExpectedBinding Expected { get; init; } = new();

    /// <summary>The collateral folder as used (what each file was recognised as), when one was given.</summary>
    public CollateralFolder? Collateral { get; init; }

    /// <summary>True when every appraisal is valid.</summary>
    public bool Valid => Appraisals.All(a => a.Valid);
}

/// <summary>
/// What <c>tee-wasm verify</c> does with a file, as a library: recognises the evidence in it (a platform's vendor format;
/// TeeWasm's evidence JSON, alone or as an attestation result, one or an array of GPU results; a raw report or quote,
/// binary or base64), makes the platform's verifier from the inputs, and appraises every item. Knows platforms only
/// through their <see cref="EvidencePlatform"/>.
/// </summary>
/// <param name="platforms">The registered platforms, in the order their formats are tried.</param>
public sealed class EvidenceFileVerifier(IReadOnlyList<EvidencePlatform> platforms)
{
    /// <summary>Reads and verifies <paramref name="data"/>.</summary>
    /// <exception cref="VerificationInputException">The file is not recognised evidence, or an input is missing or does not apply.</exception>
    public FileAppraisal Verify(ReadOnlyMemory<byte> data, VerifyInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        EvidenceFile file = Read(data);
        ExpectedBinding expected = inputs.Expected;
        bool gpu = file.Platform.Subject == EvidenceSubject.Gpu;
        if (gpu && expected.ReportData is not null)
            throw new VerificationInputException("--report-data applies to VM evidence; a GPU report is over a request nonce: give --nonce");
        if (!gpu && (expected.Nonce is not null || expected.ModuleHash is not null) && file.Items.Any(i => i.Binding is null && i.BindingError is null))
            throw new VerificationInputException($"--nonce and --module need evidence that records its binding (module, host key, nonce: the JSON 'tee-wasm attest' writes); this {file.Kind} carries none: give --report-data HEX to check its report_data");
        IEvidenceVerifier verifier;
        try
        {
            verifier = file.Platform.CreateVerifier(inputs, file);
        }
        catch (CollateralUnavailableException e)
        {
            throw new VerificationInputException("--fetch: " + e.Message, e);
        }
        inputs.Collateral?.RequireEveryFileRecognised();
        VerificationContext context = inputs.Options.Context with { ExpectedReportData = expected.ReportData };
        var appraisals = new List<Appraisal>();
        foreach (AttestationEvidence item in file.Items)
        {
            Appraisal a = verifier.Verify(item, context);
            // GPU evidence without a binding: --nonce is the SPDM request nonce, which the GPU verifier checked itself.
            AppraisalCheck? check = gpu
                ? (item.Binding is null ? expected with { Nonce = null } : expected) is { IsEmpty: false } e ? e.Check(item, a, a.Claims?.ReportData) : null
                : expected.Check(item, a, a.Claims?.ReportData);
            if (check is not null) a = a with { Checks = [.. a.Checks, check] };
            appraisals.Add(a);
        }
        return new FileAppraisal(file, appraisals) { Expected = expected, Collateral = inputs.Collateral };
    }

    /// <summary>Recognises the evidence in <paramref name="data"/>.</summary>
    /// <exception cref="VerificationInputException">Not recognised, or recognised but malformed.</exception>
    public EvidenceFile Read(ReadOnlyMemory<byte> data)
    {
        foreach (EvidencePlatform p in platforms)
            if (p.TryReadFile(data) is { } vendor) return vendor;

        ReadOnlyMemory<byte> trimmed = Trim(data);
        if (trimmed.Length > 0 && trimmed.Span[0] is (byte)'{' or (byte)'[')
        {
            if (EvidenceDocument.TryParseObjects(trimmed, out bool isArray, out string? syntaxError) is { } records)
            {
                if (ReadGpuRecords(records, isArray) is { } gpus) return gpus;
                if (!isArray) return ReadVmRecord(records[0]);
            }
            else if (trimmed.Span[0] == (byte)'{')
            {
                throw new VerificationInputException("malformed evidence JSON: " + (syntaxError ?? "not a JSON object"));
            }
        }
        if (ReadRaw(data) is { } raw) return raw;
        if (TryHex(trimmed.Span, out byte[]? fromHexText) && ReadRaw(fromHexText) is { } fromHex) return fromHex with { Kind = fromHex.Kind + " (hex)" };
        if (TryBase64(trimmed.Span, out byte[]? decoded) && ReadRaw(decoded) is { } fromBase64) return fromBase64 with { Kind = fromBase64.Kind + " (base64)" };
        string vm = string.Join(", ", platforms.Where(p => p.Subject == EvidenceSubject.Vm && p.RawName is not null).Select(p => p.RawName));
        string gpu = string.Join(", ", platforms.Where(p => p.Subject == EvidenceSubject.Gpu && p.RawName is not null).Select(p => p.RawName));
        throw new VerificationInputException($"unrecognized evidence: not an {vm} (binary, hex or base64), evidence JSON (TeeWasm's, Trustee's), a token (JWT), or {gpu}");
    }

    /// <summary>The evidence of an evidence document, its binding read (as <see cref="AttestationEvidence.BindingError"/> when unusable); null when no platform knows it.</summary>
    /// <exception cref="AttestationException">The document is a platform's evidence but malformed.</exception>
    /// <exception cref="FormatException">A member that must be base64 or hex is not.</exception>
    public AttestationEvidence? ReadDocument(EvidenceDocument document)
    {
        foreach (EvidencePlatform p in platforms)
            if (p.TryRead(document) is { } evidence) return Complete(evidence, document, time: null, simulated: false);
        return null;
    }

    private EvidenceFile? ReadRaw(ReadOnlyMemory<byte> data)
    {
        foreach (EvidencePlatform p in platforms)
        {
            if (p.TryReadRaw(data) is { } evidence)
                return new EvidenceFile { Kind = p.RawName ?? p.Name, Platform = p, Items = [evidence], Note = evidence.ReadNote };
        }
        return null;
    }

    /// <summary>
    /// GPU results: one object or an array of them, each an attestation result for a GPU (or the GPU evidence itself);
    /// null when they are not all GPU results.
    /// </summary>
    private EvidenceFile? ReadGpuRecords(IReadOnlyList<EvidenceDocument> records, bool isArray)
    {
        EvidencePlatform? platform = null;
        foreach (EvidenceDocument r in records)
        {
            EvidencePlatform? p = GpuPlatformOf(r);
            if (p is null || (platform is not null && p != platform)) return null;
            platform = p;
        }
        if (platform is null) return null;
        try
        {
            List<AttestationEvidence> items = [.. records.Select(r => ReadGpuRecord(platform, r))];
            string kind = isArray
                ? $"tee-wasm attest gpu --all JSON ({(items.Count == 1 ? "1 GPU" : $"{items.Count} GPUs")})"
                : "tee-wasm attest gpu JSON";
            return new EvidenceFile { Kind = kind, Platform = platform, Items = items };
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or KeyNotFoundException or JsonException or AttestationException)
        {
            throw new VerificationInputException("malformed GPU evidence JSON: " + e.Message, e);
        }
    }

    /// <summary>The GPU platform a result (or bare evidence) belongs to, by what it says it is; null for another subject.</summary>
    private EvidencePlatform? GpuPlatformOf(EvidenceDocument record)
    {
        foreach (EvidencePlatform p in platforms.Where(p => p.Subject == EvidenceSubject.Gpu))
        {
            if (p.Recognizes(record) || record.TeeType == p.Name) return p;
            EvidenceDocument? inner = record.GetObject("evidence");
            if (inner is null && record.GetString("evidence") is { } json)
            {
                try
                {
                    inner = EvidenceDocument.Parse(json);
                }
                catch (Exception e) when (e is JsonException or AttestationException)
                {
                    inner = null;
                }
            }
            if (inner is not null && p.Recognizes(inner)) return p;
        }
        return null;
    }

    private static AttestationEvidence ReadGpuRecord(EvidencePlatform platform, EvidenceDocument result)
    {
        DateTimeOffset? time = result.GetInt64("timestamp") is long secs ? DateTimeOffset.FromUnixTimeSeconds(secs) : null;
        bool simulated = result.Simulated;
        if (platform.Recognizes(result)) return Complete(platform.Read(result), result, time, simulated);
        if (result.IsNullOrAbsent("evidence"))
        {
            string error = result.GetString("error") ?? "no evidence";
            return platform.FailedAttestation("the JSON records a failed attestation: " + error) is { } failed
                ? failed with { Simulated = simulated, Time = time }
                : throw new AttestationException("the JSON records a failed attestation: " + error);
        }
        EvidenceDocument inner = result.GetObject("evidence") ?? result.GetEmbedded("evidence")
            ?? throw new InvalidOperationException("\"evidence\" is neither an object nor a string");
        return Complete(platform.Read(inner), inner, time, simulated);
    }

    /// <summary>VM evidence: an attestation result (<c>evidence</c> as a string or an object) or the evidence object itself.</summary>
    private EvidenceFile ReadVmRecord(EvidenceDocument root)
    {
        try
        {
            DateTimeOffset? time = root.GetInt64("timestamp") is long secs ? DateTimeOffset.FromUnixTimeSeconds(secs) : null;
            EvidenceDocument evidence = root;
            if (root.Has("evidence"))
            {
                evidence = root.GetEmbedded("evidence") ?? root.GetObject("evidence")
                    ?? throw new VerificationInputException("the JSON's \"evidence\" is null: the attestation it records failed");
            }
            if (evidence.GetString("report") is null) throw new VerificationInputException("evidence JSON has no \"report\" (base64)");
            foreach (EvidencePlatform p in platforms.Where(p => p.Subject == EvidenceSubject.Vm))
            {
                if (p.TryRead(evidence) is { } read)
                {
                    AttestationEvidence complete = Complete(read, evidence, time, root.Simulated);
                    return new EvidenceFile { Kind = p.RawName ?? p.Name, Platform = p, Items = [complete], Note = complete.ReadNote };
                }
            }
            throw new VerificationInputException("the JSON's \"report\" is not an SNP report, TDX quote or HCL report");
        }
        catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException or ArgumentException
            or AttestationException && e is not VerificationInputException)
        {
            throw new VerificationInputException("malformed evidence JSON: " + e.Message, e);
        }
    }

    /// <summary>Adds what every evidence document records the same way: source, simulated, binding, time.</summary>
    internal static AttestationEvidence Complete(AttestationEvidence evidence, EvidenceDocument document, DateTimeOffset? time, bool simulated)
    {
        VmBinding? binding = null;
        string? bindingError = null;
        if (document.HasBinding)
        {
            try
            {
                binding = document.GetBinding();
            }
            catch (AttestationException e)
            {
                bindingError = e.Message;
            }
        }
        return evidence with
        {
            Source = document.Source ?? evidence.Source,
            Simulated = evidence.Simulated || document.Simulated || simulated,
            Binding = binding,
            BindingError = bindingError,
            Time = time,
        };
    }

    private static ReadOnlyMemory<byte> Trim(ReadOnlyMemory<byte> data)
    {
        ReadOnlySpan<byte> span = data.Span;
        int start = 0, end = span.Length;
        while (start < end && span[start] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') start++;
        while (end > start && span[end - 1] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') end--;
        return data[start..end];
    }

    /// <summary>Hex text (whitespace and a leading 0x allowed) of at least 16 digits, decoded.</summary>
    internal static bool TryHex(ReadOnlySpan<byte> text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? decoded)
    {
        decoded = null;
        if (text.StartsWith("0x"u8) || text.StartsWith("0X"u8)) text = text[2..];
        var digits = new StringBuilder(text.Length);
        foreach (byte b in text)
        {
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') continue;
            if (!char.IsAsciiHexDigit((char)b)) return false;
            digits.Append((char)b);
        }
        if (digits.Length < 16 || digits.Length % 2 != 0) return false;
        decoded = Convert.FromHexString(digits.ToString());
        return true;
    }

    /// <summary>Base64 text of at least 16 characters, decoded.</summary>
    internal static bool TryBase64(ReadOnlySpan<byte> text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? decoded)
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
}
