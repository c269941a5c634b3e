using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Tokens;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>
/// GPU evidence from NVIDIA hardware: NVML collects the SPDM report over the 32-byte nonce and the device certificate
/// chain; <see cref="GpuReportVerifier"/> checks it locally (signature, chain to the pinned NVIDIA root, nonce, FWID),
/// NRAS adds its signed verdict when configured (required, or preferred with local verification as the fallback:
/// <see cref="RemoteGpuVerification"/>), and RIMs appraise the measurements when a RIM folder is configured.
/// Without NVML it falls back to the nvattest CLI (whose answer NRAS is not asked about: there is no report to send).
/// </summary>
public sealed class NvidiaGpuEvidenceSource : IGpuEvidenceSource
{
    private const string Platform = "NVIDIA GPU";
    private readonly NvidiaGpuEvidenceSourceOptions _options;
    private readonly bool _useNvml;

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
    }

    /// <summary>
    /// The source for automatic detection: null when no NVIDIA software is installed (no NVML, no
    /// nvattest) or NVML counts no GPU.
    /// </summary>
    /// <exception cref="NvidiaAttestationException">NVML is installed but fails (driver not loaded, no permission…): the reason.</exception>
    public static NvidiaGpuEvidenceSource? TryCreate(NvidiaGpuEvidenceSourceOptions options)
    {
        try
        {
            var source = new NvidiaGpuEvidenceSource(options);
            return source.GpuCount > 0 ? source : null;
        }
        catch (NvidiaAttestationException) when (!NvmlLibrary.IsInstalled(options.NvmlLibrary))
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
        NvmlGpuEvidence collected;
        using (NvmlLibrary nvml = NvmlLibrary.Open(_options.NvmlLibrary))
        {
            collected = nvml.CollectEvidence(index, nonce32);
        }
        var evidence = new NvidiaGpuEvidence
        {
            Origin = NvidiaEvidenceOrigin.Nvml, Source = "nvml", GpuIndex = index, Report = collected.Report,
            CertificateChainPem = collected.CertificateChainPem, CcMode = collected.ConfCompute.ModeName, StatedNonce = nonce32,
        };
        X509Certificate2 root = _options.DeviceRoot ?? NvidiaRootCertificates.DeviceIdentityCa;
        var (appraisal, reasons) = new NvidiaGpuEvidenceVerifier(new NvidiaGpuVerifierOptions { Root = root, ExpectedNonce = nonce32 })
            .Check(evidence, new VerificationContext { Time = _options.Time.GetUtcNow() }, nonceSource: "");
        GpuReportVerifier.ThrowFirstFailure(appraisal, reasons);
        GpuAttestationReport report = GpuAttestationReport.Parse(collected.Report);
        string note = appraisal.Note!;
        if (collected.ConfCompute.DevToolsMode == 1) note += "; WARNING: CC devtools mode is on";

        RemoteGpuVerdict? remote = AskRemoteVerifier(collected, nonce32, ref note);
        // A positive NRAS verdict compared the measurements with NVIDIA's RIMs: a RIM missing here is then only noted.
        var rims = AppraiseWithRims(report, ref note, requireRims: _options.RequireRims && remote is null);
        evidence = evidence with
        {
            Verdict = note,
            Uuid = collected.Uuid,
            Nvml = new NvmlDetails(collected.Name, collected.Uuid, collected.DriverVersion, collected.VbiosVersion, collected.ConfCompute,
                root.GetNameInfo(X509NameType.SimpleName, false), report.OpaqueData.Fwid is not null, rims, remote),
        };
        return new CollectedEvidence(Verified(index, report.ComputeMeasurementDigest(), nonce32, nonce, moduleHash, note) with { DeviceId = collected.Uuid },
            evidence, appraisal);
    }

    // The remote verifier's verified verdict, or null (no verifier, or — when preferred — it gave no verdict: noted).
    private RemoteGpuVerdict? AskRemoteVerifier(NvmlGpuEvidence collected, byte[] nonce32, ref string note)
    {
        if (_options.RemoteVerifier is not { } verifier) return null;
        try
        {
            var remote = verifier.Attest([(collected.Report, collected.CertificateChainPem)], nonce32, ArchOf(NvidiaCertificateChain.ParsePem(collected.CertificateChainPem)[0]));
            note += "; NRAS verdict verified (ES384, eat_nonce, measres success)";
            return remote;
        }
        catch (NvidiaAttestationException e) when (_options.RemoteMode == RemoteGpuVerification.Prefer && e.Reason != NvidiaFailureReason.NrasRefused)
        {
            note += $"; NRAS gave no verdict ({e.Message}): verified locally";
            return null;
        }
    }

    private List<RimAppraisal> AppraiseWithRims(GpuAttestationReport report, ref string note, bool requireRims)
    {
        var results = new List<RimAppraisal>();
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
                if (requireRims)
                    throw new NvidiaAttestationException(NvidiaFailureReason.RimNotAvailable, $"RIM not available for {kind} {version ?? "(unknown version)"} in {_options.RimDirectory}");
                note += $"; RIM not available for {kind} {version}";
                results.Add(new RimAppraisal(kind, version, "RIM not available", null));
                continue;
            }
            RimComparison comparison = verifier.VerifyAndCompare(rim, report);
            note += $"; {kind} RIM {rim.Version}: {comparison.Compared} measurements match";
            results.Add(new RimAppraisal(kind, rim.Version, "match", comparison.Compared));
        }
        return results;
    }

    private CollectedEvidence AttestWithNvattest(int index, byte[] nonce32, byte[] nonce, byte[] moduleHash)
    {
        NvattestResult result = new NvattestCli(_options.NvattestExecutable).Attest(nonce32);
        const string note = "nvattest local verifier: result_code 0, measres success, eat_nonce matches (its token is not signed by a key we pin)";
        // No report bytes come back from nvattest: the measurement is the digest of its claims.
        byte[] measurement = SHA384.HashData(System.Text.Encoding.UTF8.GetBytes(result.ClaimsJson));
        var evidence = new NvidiaGpuEvidence
        {
            Origin = NvidiaEvidenceOrigin.Nvattest, Source = "nvattest", GpuIndex = index, StatedNonce = nonce32, NvattestAnswer = result, Verdict = note,
        };
        // nvattest's own verifier is the appraisal: there is no SPDM report to check here, nor for a policy.
        var appraisal = new Appraisal
        {
            Kind = NvidiaGpuEvidenceVerifier.Kind, EvidenceValid = true, Reason = "None", Message = note, Note = note,
            NoPolicyInput = "the GPU evidence JSON carries no SPDM measurement report",
            Claims = new EvidenceClaims
            {
                Platform = Platform, Subject = EvidenceSubject.Gpu, Measurement = measurement, ReportData = nonce32,
            },
        };
        return new CollectedEvidence(Verified(index, measurement, nonce32, nonce, moduleHash, note), evidence, appraisal);
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

    private static string ArchOf(X509Certificate2 leaf) =>
        leaf.Subject.Contains("GB1", StringComparison.Ordinal) || leaf.Subject.Contains("GB2", StringComparison.Ordinal) ? "BLACKWELL" : "HOPPER";
}
