using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Services.Nras;
using TeeWasm.Attestation.Tokens;

namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>
/// GPU evidence from NVIDIA hardware: NVML collects the SPDM report over the 32-byte nonce and the device certificate
/// chain; <see cref="GpuReportVerifier"/> checks it locally (signature, chain to the pinned NVIDIA root, nonce, FWID),
/// RIMs appraise the measurements when a RIM folder is configured, and NRAS adds its signed verdict when configured.
/// Without NVML it falls back to the nvattest CLI.
/// </summary>
public sealed class NvidiaGpuEvidenceSource : IGpuEvidenceSource
{
    private const string Platform = "NVIDIA GPU";
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };
    private readonly NvidiaGpuEvidenceSourceOptions _options;
    private readonly bool _useNvml;
    private readonly NrasClient? _nras;

    /// <summary>Creates the source; it uses NVML when it loads, otherwise nvattest when present.</summary>
    /// <exception cref="NvidiaAttestationException">Neither NVML nor nvattest is usable.</exception>
    public NvidiaGpuEvidenceSource(NvidiaGpuEvidenceSourceOptions? options = null)
    {
        _options = options ?? new NvidiaGpuEvidenceSourceOptions();
        if (NvmlLibrary.TryOpen(_options.NvmlLibrary, out NvmlLibrary? nvml, out string? reason))
        {
            using (nvml)
            {
                GpuCount = nvml!.GetDeviceCount();
            }
            _useNvml = true;
        }
        else if (new NvattestCli(_options.NvattestExecutable).IsAvailable)
        {
            GpuCount = 1; // nvattest attests "the GPU"; only index 0 is offered
        }
        else
        {
            throw new NvidiaAttestationException(NvidiaFailureReason.Nvml, $"no NVIDIA GPU evidence source: {reason}, and {_options.NvattestExecutable} is not on PATH");
        }
        if (_options.Nras is { } nras) _nras = new NrasClient(nras with { Time = _options.Time });
    }

    /// <summary>
    /// The source for <see cref="AttestationMode.Auto"/>: null when no NVIDIA software is installed (no NVML, no
    /// nvattest) or NVML counts no GPU.
    /// </summary>
    /// <exception cref="NvidiaAttestationException">NVML is installed but fails (driver not loaded, no permission…): the reason.</exception>
    public static NvidiaGpuEvidenceSource? TryCreate(AttesterOptions options)
    {
        try
        {
            var source = new NvidiaGpuEvidenceSource(new NvidiaGpuEvidenceSourceOptions { NvmlLibrary = options.Probe.NvmlLibrary, Time = options.Time });
            return source.GpuCount > 0 ? source : null;
        }
        catch (NvidiaAttestationException) when (!NvmlLibrary.IsInstalled(options.Probe.NvmlLibrary))
        {
            return null;
        }
    }

    /// <inheritdoc />
    public int GpuCount { get; }

    /// <inheritdoc />
    public bool Simulated => false;

    /// <summary>True when evidence comes from NVML (false: the nvattest fallback).</summary>
    public bool UsesNvml => _useNvml;

    /// <inheritdoc />
    public CollectedEvidence Attest(int index, ReadOnlySpan<byte> nonce32, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> moduleHash)
    {
        if (nonce32.Length != GpuAttestationReport.NonceLength)
            throw new ArgumentException($"the GPU nonce must be {GpuAttestationReport.NonceLength} bytes", nameof(nonce32));
        if (index < 0 || index >= GpuCount)
            throw new NvidiaAttestationException(NvidiaFailureReason.GpuIndexOutOfRange, $"GPU index {index} out of range: {GpuCount} GPU(s) present");
        return _useNvml ? AttestWithNvml(index, nonce32.ToArray(), nonce.ToArray(), moduleHash.ToArray())
            : AttestWithNvattest(index, nonce32.ToArray(), nonce.ToArray(), moduleHash.ToArray());
    }

    private CollectedEvidence AttestWithNvml(int index, byte[] nonce32, byte[] nonce, byte[] moduleHash)
    {
        NvmlGpuEvidence evidence;
        using (NvmlLibrary nvml = NvmlLibrary.Open(_options.NvmlLibrary))
        {
            evidence = nvml.CollectEvidence(index, nonce32);
        }
        GpuAttestationReport report = GpuAttestationReport.Parse(evidence.Report);
        GpuReportVerification verified = new GpuReportVerifier(_options.Time, _options.DeviceRoot).Verify(report, evidence.CertificateChainPem, nonce32);
        string note = verified.Note;
        if (evidence.ConfCompute.DevToolsMode == 1) note += "; WARNING: CC devtools mode is on";

        var rims = AppraiseWithRims(report, ref note);
        NrasAttestation? nras = null;
        if (_nras is not null)
        {
            nras = _nras.Attest([(evidence.Report, evidence.CertificateChainPem)], nonce32, ArchOf(verified));
            note += "; NRAS verdict verified (ES384, eat_nonce, measres success)";
        }

        var json = new JsonObject
        {
            ["platform"] = Platform,
            ["source"] = "nvml",
            ["gpu_index"] = index,
            ["name"] = evidence.Name,
            ["uuid"] = evidence.Uuid,
            ["driver_version"] = evidence.DriverVersion,
            ["vbios_version"] = evidence.VbiosVersion,
            ["cc"] = new JsonObject
            {
                ["mode"] = evidence.ConfCompute.ModeName,
                ["environment"] = evidence.ConfCompute.EnvironmentName,
                ["devtools"] = evidence.ConfCompute.DevToolsMode == 1,
                ["multi_gpu_mode"] = evidence.ConfCompute.MultiGpuMode,
            },
            ["nonce"] = Convert.ToHexStringLower(nonce32),
            ["report"] = new JsonObject
            {
                ["spdm_base64"] = Convert.ToBase64String(evidence.Report),
                ["measurement_blocks"] = report.Blocks.Count,
                ["measurement_digest_sha384"] = Convert.ToHexStringLower(report.ComputeMeasurementDigest()),
                ["opaque_driver_version"] = report.OpaqueData.DriverVersion,
                ["opaque_vbios_version"] = report.OpaqueData.VbiosVersion,
                ["project"] = report.OpaqueData.Project,
                ["project_sku"] = report.OpaqueData.ProjectSku,
                ["chip_sku"] = report.OpaqueData.ChipSku,
                ["fwid"] = report.OpaqueData.Fwid is { } f ? Convert.ToHexStringLower(f) : null,
            },
            ["certificates_pem"] = evidence.CertificateChainPem,
            ["verdict"] = new JsonObject
            {
                ["report_signature"] = "valid",
                ["certificate_chain"] = "valid to " + (_options.DeviceRoot?.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false) ?? "NVIDIA Device Identity CA"),
                ["nonce"] = "match",
                ["fwid"] = verified.FwidChecked ? "match" : "absent from report",
                ["rims"] = rims,
                ["nras"] = nras is null ? null : new JsonObject
                {
                    ["overall_token"] = nras.OverallToken,
                    ["overall_claims"] = JsonNode.Parse(nras.OverallClaimsJson),
                },
                ["note"] = note,
            },
        };
        return new CollectedEvidence(Verified(index, report.ComputeMeasurementDigest(), nonce32, nonce, moduleHash, note),
            json.ToJsonString(s_indented));
    }

    private JsonArray AppraiseWithRims(GpuAttestationReport report, ref string note)
    {
        var results = new JsonArray();
        if (_options.RimDirectory is null)
        {
            note += "; measurements not appraised (no RIM folder configured)";
            return results;
        }
        var rims = Directory.EnumerateFiles(_options.RimDirectory, "*.xml").Select(NvidiaRim.Load).ToList();
        var verifier = new RimVerifier(_options.Time);
        foreach (var (kind, version) in new[] { ("driver", report.OpaqueData.DriverVersion), ("vbios", report.OpaqueData.VbiosVersion) })
        {
            NvidiaRim? rim = version is null ? null : rims.FirstOrDefault(r => string.Equals(r.Version, version, StringComparison.OrdinalIgnoreCase));
            if (rim is null)
            {
                if (_options.RequireRims)
                    throw new NvidiaAttestationException(NvidiaFailureReason.RimNotAvailable, $"RIM not available for {kind} {version ?? "(unknown version)"} in {_options.RimDirectory}");
                note += $"; RIM not available for {kind} {version}";
                results.Add(new JsonObject { ["kind"] = kind, ["version"] = version, ["result"] = "RIM not available" });
                continue;
            }
            RimComparison comparison = verifier.VerifyAndCompare(rim, report);
            note += $"; {kind} RIM {rim.Version}: {comparison.Compared} measurements match";
            results.Add(new JsonObject { ["kind"] = kind, ["version"] = rim.Version, ["result"] = "match", ["compared"] = comparison.Compared });
        }
        return results;
    }

    private CollectedEvidence AttestWithNvattest(int index, byte[] nonce32, byte[] nonce, byte[] moduleHash)
    {
        NvattestResult result = new NvattestCli(_options.NvattestExecutable).Attest(nonce32);
        const string note = "nvattest local verifier: result_code 0, measres success, eat_nonce matches (its token is not signed by a key we pin)";
        var json = new JsonObject
        {
            ["platform"] = Platform,
            ["source"] = "nvattest",
            ["gpu_index"] = index,
            ["driver_version"] = result.DriverVersion,
            ["hwmodel"] = result.HardwareModel,
            ["nonce"] = Convert.ToHexStringLower(nonce32),
            ["claims"] = JsonNode.Parse(result.ClaimsJson),
            ["token"] = result.OverallToken,
            ["verdict"] = new JsonObject { ["note"] = note },
        };
        // No report bytes come back from nvattest: the measurement is the digest of its claims.
        byte[] measurement = SHA384.HashData(System.Text.Encoding.UTF8.GetBytes(result.ClaimsJson));
        return new CollectedEvidence(Verified(index, measurement, nonce32, nonce, moduleHash, note), json.ToJsonString(s_indented));
    }

    private static VerifiedEvidence Verified(int index, byte[] measurement, byte[] nonce32, byte[] nonce, byte[] moduleHash, string note) => new()
    {
        Platform = Platform,
        Subject = "gpu",
        GpuIndex = index,
        Measurement = measurement,
        ReportData = nonce32,
        Nonce = nonce,
        ModuleHash = moduleHash,
        VerifierNote = note,
    };

    private static string ArchOf(GpuReportVerification verified) =>
        verified.Leaf.Subject.Contains("GB1", StringComparison.Ordinal) || verified.Leaf.Subject.Contains("GB2", StringComparison.Ordinal) ? "BLACKWELL" : "HOPPER";
}
