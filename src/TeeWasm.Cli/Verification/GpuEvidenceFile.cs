using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Nvidia;

namespace TeeWasm.Cli.Verification;

/// <summary>One GPU's evidence as read from a file: the SPDM report, its device chain, and what the file states about it.</summary>
internal sealed class GpuEvidenceItem
{
    /// <summary>The report bytes (SPDM GET_MEASUREMENTS request ‖ response ‖ signature); empty when the file holds none.</summary>
    public byte[] Report { get; init; } = [];

    /// <summary>The device certificate chain, leaf first, as the file (or --cert) gives it.</summary>
    public IReadOnlyList<X509Certificate2> Chain { get; init; } = [];

    /// <summary>Why the item cannot be verified at all (failed attestation, no report, chain does not decode), or null.</summary>
    public string? Error { get; init; }

    /// <summary>The architecture the file names ("HOPPER", "BLACKWELL"), or null.</summary>
    public string? Arch { get; init; }

    /// <summary>The nonce the file states (SDK JSON "nonce", our JSON's "nonce" field); not a freshness proof.</summary>
    public byte[]? StatedNonce { get; init; }

    /// <summary>The first 32 bytes of the report_data our JSON's "binding" computes (what <c>attest gpu</c> asks the GPU to sign).</summary>
    public byte[]? BindingNonce { get; init; }

    /// <summary>Why our JSON's "binding" is unusable, or null.</summary>
    public string? BindingError { get; init; }

    /// <summary>The confidential-computing mode the evidence states ("ON", "on", "devtools"…), or null when it states none.</summary>
    public string? CcMode { get; init; }

    /// <summary>True when the evidence says it came from the TeeWasm simulator.</summary>
    public bool Simulated { get; init; }

    /// <summary>The evidence time our JSON gives, or null.</summary>
    public DateTimeOffset? Timestamp { get; init; }
}

/// <summary>
/// GPU evidence read from a file given to <c>tee-wasm verify</c>, its kind detected from the content: the JSON
/// <c>tee-wasm attest gpu</c> writes (one result, or the <c>--all</c> array), the evidence JSON of NVIDIA's attestation SDK
/// (nvattest/NRAS: an array of <c>{arch, certificate, evidence, nonce}</c>), or a raw SPDM report (binary, hex as
/// NVIDIA's tools store it, or base64) whose chain comes from <c>--cert</c>.
/// </summary>
internal sealed class GpuEvidenceFile
{
    /// <summary>Our evidence JSON's tee_type for GPUs.</summary>
    private const string GpuTeeType = "NVIDIA_GPU";

    /// <summary>The platform name our results and NVML evidence use.</summary>
    private const string GpuPlatform = "NVIDIA GPU";

    /// <summary>What the file is, in words.</summary>
    public required string Kind { get; init; }

    /// <summary>True for a raw report (the chain and nonce must come from the command line).</summary>
    public bool IsRaw { get; init; }

    /// <summary>True for NVIDIA SDK evidence JSON.</summary>
    public bool IsSdk { get; init; }

    /// <summary>The GPUs, in file order.</summary>
    public required IReadOnlyList<GpuEvidenceItem> Items { get; init; }

    /// <summary>GPU evidence from a file's bytes, or null when the file holds something else (VM evidence).</summary>
    /// <exception cref="UsageException">The file is GPU evidence but malformed.</exception>
    public static GpuEvidenceFile? TryRead(byte[] data)
    {
        ReadOnlySpan<byte> trimmed = data.AsSpan().Trim(" \t\r\n"u8);
        if (trimmed.Length == 0) return null;
        if (trimmed[0] is (byte)'{' or (byte)'[') return TryReadJson(trimmed.ToArray());
        if (IsReport(data)) return Raw(data, "binary");
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(trimmed);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
        string compact = string.Concat(text.Where(c => !char.IsWhiteSpace(c)));
        if (compact.Length >= 8 && compact.Length % 2 == 0 && compact.All(char.IsAsciiHexDigit))
        {
            byte[] bytes = Convert.FromHexString(compact);
            return IsReport(bytes) ? Raw(bytes, "hex") : null;
        }
        try
        {
            byte[] bytes = Convert.FromBase64String(compact);
            return IsReport(bytes) ? Raw(bytes, "base64") : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>True when the bytes begin with an SPDM 1.1 GET_MEASUREMENTS request (11 e0).</summary>
    private static bool IsReport(ReadOnlySpan<byte> b) =>
        b.Length >= 2 && b[0] == GpuAttestationReport.SpdmVersion11 && b[1] == GpuAttestationReport.GetMeasurementsCode;

    private static GpuEvidenceFile Raw(byte[] report, string form) => new()
    {
        Kind = $"NVIDIA GPU attestation report ({form})",
        IsRaw = true,
        Items = [new GpuEvidenceItem { Report = report }],
    };

    private static GpuEvidenceFile? TryReadJson(byte[] json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            return null; // not ours to judge: the VM reader reports malformed JSON
        }
        using (doc)
        {
            JsonElement root = doc.RootElement;
            try
            {
                if (root.ValueKind == JsonValueKind.Array)
                {
                    var elements = root.EnumerateArray().ToList();
                    if (elements.Count == 0 || elements.Any(e => e.ValueKind != JsonValueKind.Object)) return null;
                    if (elements.All(IsSdkItem))
                    {
                        return new GpuEvidenceFile
                        {
                            Kind = $"NVIDIA attestation SDK evidence JSON ({Gpus(elements.Count)})",
                            IsSdk = true,
                            Items = [.. NvidiaEvidenceList.Parse(Encoding.UTF8.GetString(json)).Select(SdkItem)],
                        };
                    }
                    if (elements.All(IsOurGpuResult))
                    {
                        return new GpuEvidenceFile
                        {
                            Kind = $"tee-wasm attest gpu --all JSON ({Gpus(elements.Count)})",
                            Items = [.. elements.Select(OurItem)],
                        };
                    }
                    return null;
                }
                if (root.ValueKind == JsonValueKind.Object && IsOurGpuResult(root))
                    return new GpuEvidenceFile { Kind = "tee-wasm attest gpu JSON", Items = [OurItem(root)] };
                return null;
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException or KeyNotFoundException or JsonException)
            {
                throw new UsageException("malformed GPU evidence JSON: " + e.Message);
            }
            catch (NvidiaAttestationException e)
            {
                throw new UsageException("malformed GPU evidence JSON: " + e.Message);
            }
        }
    }

    private static string Gpus(int n) => n == 1 ? "1 GPU" : $"{n} GPUs";

    private static bool IsSdkItem(JsonElement e) =>
        e.TryGetProperty("certificate", out var c) && c.ValueKind == JsonValueKind.String
        && e.TryGetProperty("evidence", out var ev) && ev.ValueKind == JsonValueKind.String
        && !e.TryGetProperty("tee_type", out _);

    private static GpuEvidenceItem SdkItem(NvidiaEvidenceItem e)
    {
        var (chain, chainError) = ParseChain(e.CertificateChainPem);
        return new GpuEvidenceItem
        {
            Report = e.Report,
            Chain = chain,
            Error = chainError,
            Arch = e.Arch.Length == 0 ? null : e.Arch,
            StatedNonce = e.Nonce.Length == 0 ? null : e.Nonce,
        };
    }

    /// <summary>An AttestationResult for a GPU, or the GPU evidence JSON itself (simulator or NVML source).</summary>
    private static bool IsOurGpuResult(JsonElement e)
    {
        if (IsGpuEvidence(e)) return true;
        if (e.TryGetProperty("tee_type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == GpuPlatform) return true;
        if (e.TryGetProperty("evidence", out var ev) && ev.ValueKind == JsonValueKind.String)
        {
            try
            {
                using var inner = JsonDocument.Parse(ev.GetString()!);
                return inner.RootElement.ValueKind == JsonValueKind.Object && IsGpuEvidence(inner.RootElement);
            }
            catch (JsonException)
            {
                return false;
            }
        }
        return e.TryGetProperty("evidence", out var obj) && obj.ValueKind == JsonValueKind.Object && IsGpuEvidence(obj);
    }

    private static bool IsGpuEvidence(JsonElement e) =>
        (e.TryGetProperty("tee_type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == GpuTeeType)
        || (e.TryGetProperty("platform", out var p) && p.ValueKind == JsonValueKind.String && p.GetString() == GpuPlatform);

    private static GpuEvidenceItem OurItem(JsonElement result)
    {
        DateTimeOffset? timestamp = result.TryGetProperty("timestamp", out var ts) && ts.TryGetInt64(out long secs) ? DateTimeOffset.FromUnixTimeSeconds(secs) : null;
        bool simulated = result.TryGetProperty("simulated", out var sim) && sim.ValueKind == JsonValueKind.True;
        if (IsGpuEvidence(result)) return FromEvidence(result, timestamp, simulated);
        if (!result.TryGetProperty("evidence", out var ev) || ev.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            string error = result.TryGetProperty("error", out var err) && err.ValueKind == JsonValueKind.String ? err.GetString()! : "no evidence";
            return new GpuEvidenceItem { Error = "the JSON records a failed attestation: " + error, Simulated = simulated, Timestamp = timestamp };
        }
        if (ev.ValueKind == JsonValueKind.Object) return FromEvidence(ev, timestamp, simulated);
        using var inner = JsonDocument.Parse(ev.GetString()!);
        return FromEvidence(inner.RootElement, timestamp, simulated);
    }

    /// <summary>
    /// Our GPU evidence JSON: the simulator's (<c>report</c> base64, <c>certificates</c> PEM list, <c>fields.cc_mode</c>,
    /// <c>fields.nonce</c>) or the NVML source's (<c>report.spdm_base64</c>, <c>certificates_pem</c>, <c>cc.mode</c>,
    /// <c>nonce</c>); both may carry the <c>binding</c> <c>attest</c> adds.
    /// </summary>
    private static GpuEvidenceItem FromEvidence(JsonElement ev, DateTimeOffset? timestamp, bool simulated)
    {
        if (ev.TryGetProperty("simulated", out var s) && s.ValueKind == JsonValueKind.True) simulated = true;
        string? b64 = ev.TryGetProperty("report", out var r)
            ? r.ValueKind == JsonValueKind.String ? r.GetString()
              : r.ValueKind == JsonValueKind.Object && r.TryGetProperty("spdm_base64", out var sb) ? sb.GetString() : null
            : null;
        JsonElement fields = ev.TryGetProperty("fields", out var f) && f.ValueKind == JsonValueKind.Object ? f : default;
        string? cc = ev.TryGetProperty("cc", out var c) && c.ValueKind == JsonValueKind.Object && c.TryGetProperty("mode", out var m) ? m.GetString()
            : fields.ValueKind == JsonValueKind.Object && fields.TryGetProperty("cc_mode", out var cm) ? cm.GetString() : null;
        string? nonceHex = ev.TryGetProperty("nonce", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()
            : fields.ValueKind == JsonValueKind.Object && fields.TryGetProperty("nonce", out var fn) ? fn.GetString() : null;

        var pem = new StringBuilder();
        if (ev.TryGetProperty("certificates", out var cs) && cs.ValueKind == JsonValueKind.Array)
            foreach (var cert in cs.EnumerateArray()) pem.Append(cert.GetString()).Append('\n');
        if (ev.TryGetProperty("certificates_pem", out var cp) && cp.ValueKind == JsonValueKind.String) pem.Append(cp.GetString());
        var (chain, chainError) = pem.Length == 0 ? ([], "the evidence carries no device certificate chain") : ParseChain(pem.ToString());

        byte[]? bindingNonce = null;
        string? bindingError = null;
        if (ev.TryGetProperty("binding", out var bind) && bind.ValueKind == JsonValueKind.Object)
        {
            try
            {
                byte[] reportData = VmBinding.FromJson(bind).ReportData;
                if (reportData.Length >= GpuAttestationReport.NonceLength) bindingNonce = reportData[..GpuAttestationReport.NonceLength];
                else bindingError = $"its report_data is {reportData.Length} bytes, shorter than a GPU request nonce";
            }
            catch (AttestationException e)
            {
                bindingError = e.Message;
            }
        }
        string? source = ev.TryGetProperty("source", out var src) && src.ValueKind == JsonValueKind.String ? src.GetString() : null;
        string? error = b64 is null
            ? source == "nvattest"
                ? "the evidence comes from the nvattest CLI and carries no SPDM report: it cannot be verified offline"
                : "the evidence JSON carries no SPDM report"
            : chainError;
        return new GpuEvidenceItem
        {
            Report = b64 is null ? [] : Convert.FromBase64String(b64),
            Chain = chain,
            Error = error,
            StatedNonce = nonceHex is null ? null : Convert.FromHexString(nonceHex),
            BindingNonce = bindingNonce,
            BindingError = bindingError,
            CcMode = cc,
            Simulated = simulated,
            Timestamp = timestamp,
        };
    }

    private static (IReadOnlyList<X509Certificate2> Chain, string? Error) ParseChain(string pem)
    {
        try
        {
            return (NvidiaCertificateChain.ParsePem(pem), null);
        }
        catch (NvidiaAttestationException e)
        {
            return ([], "device certificate chain: " + e.Message);
        }
    }
}
