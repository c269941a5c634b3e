using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Platforms.Nvidia;
using TeeWasm.Attestation.Policy;

namespace TeeWasm.Cli.Verification;

/// <summary>
/// Verifies each GPU of a <see cref="GpuEvidenceFile"/> check by check: the device certificate chain to the pinned NVIDIA
/// Device Identity CA (or the trusted simulator GPU root), every certificate's validity at the verification time, the
/// report's ECDSA P-384 signature with the leaf, the request nonce, the opaque FWID against the leaf's DICE FWID, then —
/// only when those hold — CC mode, driver and VBIOS versions, RIM appraisal (<c>--rim</c>) and the policy.
/// </summary>
internal static class GpuEvidenceVerification
{
    /// <summary>How to verify.</summary>
    public sealed class Settings
    {
        /// <summary>The verification time (--at, or now).</summary>
        public required DateTimeOffset Time { get; init; }

        /// <summary>The nonce the reports must be over (--nonce), overriding what the evidence states.</summary>
        public byte[]? ExpectedNonce { get; init; }

        /// <summary>The simulator's GPU root, trusted beside NVIDIA's when --trust-simulator is given.</summary>
        public X509Certificate2? SimulatorRoot { get; init; }

        /// <summary>The RIMs of --rim DIR, or null when no RIM appraisal was asked for.</summary>
        public IReadOnlyList<NvidiaRim>? Rims { get; init; }

        /// <summary>The folder the RIMs came from (for messages).</summary>
        public string? RimDirectory { get; init; }

        /// <summary>The --policy, or null.</summary>
        public AttestationPolicy? Policy { get; init; }
    }

    /// <summary>The verdict on one GPU.</summary>
    public sealed class Result
    {
        /// <summary>True when no check failed.</summary>
        public required bool Valid { get; init; }

        /// <summary>True when the report itself verified (chain, validity, signature, nonce, FWID).</summary>
        public required bool EvidenceValid { get; init; }

        /// <summary>A one-line description of the report (when it verified) or the first failure.</summary>
        public required string Verdict { get; init; }

        /// <summary>A machine-readable reason (an <see cref="NvidiaFailureReason"/> name, "Policy", or "None").</summary>
        public required string Reason { get; init; }

        /// <summary>The checks in order.</summary>
        public required IReadOnlyList<VerifyCheck> Checks { get; init; }

        /// <summary>Decoded fields of the report.</summary>
        public List<KeyValuePair<string, string>> Fields { get; } = [];

        /// <summary>The verdict of the remaining policy rules, when --policy was given and the report verified.</summary>
        public PolicyVerdict? Policy { get; init; }
    }

    private const string ChainCheck = "certificate chain";
    private const string ValidityCheck = "validity";
    private const string SignatureCheck = "report signature";
    private const string NonceCheck = "nonce";
    private const string FwidCheck = "fwid";

    /// <summary>Verifies every GPU of <paramref name="file"/>.</summary>
    public static IReadOnlyList<Result> Verify(GpuEvidenceFile file, Settings settings) =>
        [.. file.Items.Select(item => Verify(item, settings))];

    private static Result Verify(GpuEvidenceItem item, Settings settings)
    {
        if (item.Error is { } error) return Unverifiable("evidence", error);
        if (!GpuAttestationReport.TryParse(item.Report, out GpuAttestationReport? report, out string? parseError))
            return Unverifiable("report", "GPU attestation report is malformed: " + parseError);

        var checks = new List<VerifyCheck>();
        var reasons = new Dictionary<string, NvidiaFailureReason>();
        void Add(VerifyCheck c, NvidiaFailureReason failure)
        {
            checks.Add(c);
            if (c.Status == CheckStatus.Fail) reasons[c.Name] = failure;
        }

        ChainOutcome chain = CheckChain(item, settings);
        Add(chain.Chain, NvidiaFailureReason.CertificateChain);
        Add(chain.Validity, NvidiaFailureReason.CertificateExpired);
        X509Certificate2? leaf = item.Chain.Count > 0 && !IsCa(item.Chain[0]) ? item.Chain[0] : null;
        Add(CheckSignature(report!, leaf, chain.Chain.Status == CheckStatus.Pass), NvidiaFailureReason.ReportSignature);
        (VerifyCheck nonce, bool? bound) = CheckNonce(report!, item, settings);
        Add(nonce, NvidiaFailureReason.NonceMismatch);
        Add(CheckFwid(report!, leaf), NvidiaFailureReason.FwidMismatch);

        bool evidenceValid = checks.All(c => c.Status != CheckStatus.Fail);
        bool simulated = item.Simulated || chain.SimulatorRoot;
        PolicyVerdict? rest = null;
        if (evidenceValid)
        {
            GpuPolicy gpu = settings.Policy?.Gpu ?? new GpuPolicy();
            Add(CheckCcMode(item.CcMode, settings.Policy is null ? null : gpu.CcModeRequired), NvidiaFailureReason.ConfidentialComputingOff);
            Add(CheckVersion("driver", report!.OpaqueData.DriverVersion, gpu.MinDriverVersion, 10, "gpu.min_driver_version"), NvidiaFailureReason.None);
            Add(CheckVersion("vbios", report.OpaqueData.VbiosVersion, gpu.MinVbiosVersion, 16, "gpu.min_vbios_version"), NvidiaFailureReason.None);
            if (settings.Rims is null)
            {
                checks.Add(new("rim", CheckStatus.Skip, "measurements not appraised against NVIDIA RIMs (give --rim DIR)"));
            }
            else
            {
                var rimVerifier = new RimVerifier(new FixedTime(settings.Time));
                foreach (var (kind, version) in new[] { ("driver", report.OpaqueData.DriverVersion), ("vbios", report.OpaqueData.VbiosVersion) })
                {
                    var (c, why) = CheckRim(kind, version, report, rimVerifier, settings);
                    Add(c, why);
                }
            }
            if (settings.Policy is { } policy)
            {
                // CC mode and the minimum versions are shown above; the other rules are evaluated here.
                AttestationPolicy others = policy with { Gpu = gpu with { CcModeRequired = false, MinDriverVersion = null, MinVbiosVersion = null } };
                rest = PolicyEvaluator.Evaluate(others, PolicyInput.FromGpu(report, item.CcMode, bound, item.Timestamp, simulated), settings.Time);
                Add(new("policy", rest.Allowed ? CheckStatus.Pass : CheckStatus.Fail,
                    rest.Allowed ? "every other rule of the policy holds" : string.Join("; ", rest.Violations)), NvidiaFailureReason.None);
            }
        }
        else
        {
            foreach (string name in new[] { "cc mode", "driver", "vbios", "rim" })
                checks.Add(new(name, CheckStatus.Skip, "not evaluated: the report did not verify, so its fields cannot be trusted"));
            if (settings.Policy is not null)
                checks.Add(new("policy", CheckStatus.Skip, "not evaluated: the report did not verify, so its fields cannot be trusted"));
        }

        VerifyCheck? firstFail = checks.FirstOrDefault(c => c.Status == CheckStatus.Fail);
        var result = new Result
        {
            Valid = firstFail is null,
            EvidenceValid = evidenceValid,
            Verdict = evidenceValid ? Describe(report!, leaf, chain, simulated) : firstFail!.Reason,
            Reason = firstFail is null ? "None" : reasons[firstFail.Name] is var r && r != NvidiaFailureReason.None ? r.ToString() : "Policy",
            Checks = checks,
            Policy = rest,
        };
        AddFields(result, report!, item, leaf, simulated);
        return result;
    }

    private static Result Unverifiable(string name, string why) => new()
    {
        Valid = false, EvidenceValid = false, Verdict = why, Reason = NvidiaFailureReason.Malformed.ToString(),
        Checks = [new VerifyCheck(name, CheckStatus.Fail, why)],
    };

    private sealed record ChainOutcome(VerifyCheck Chain, VerifyCheck Validity, X509Certificate2? Root, bool SimulatorRoot);

    /// <summary>The chain to the NVIDIA root, else (with --trust-simulator) to the simulator's GPU root; then validity.</summary>
    private static ChainOutcome CheckChain(GpuEvidenceItem item, Settings settings)
    {
        var roots = new List<(X509Certificate2 Root, bool Simulator)> { (NvidiaRootCertificates.DeviceIdentityCa, false) };
        if (settings.SimulatorRoot is { } sim) roots.Add((sim, true));
        NvidiaAttestationException? first = null;
        foreach (var (root, isSimulator) in roots)
        {
            try
            {
                NvidiaCertificateChain.Validate(item.Chain, root, settings.Time, "GPU device certificate");
                return new ChainOutcome(new(ChainCheck, CheckStatus.Pass, ChainText(item.Chain, root, isSimulator)),
                    new(ValidityCheck, CheckStatus.Pass, $"every certificate of the chain is valid at {settings.Time:u}"), root, isSimulator);
            }
            catch (NvidiaAttestationException e) when (e.Reason == NvidiaFailureReason.CertificateExpired)
            {
                // Validate checks names, CA constraints and signatures before validity: the chain itself holds.
                return new ChainOutcome(new(ChainCheck, CheckStatus.Pass, ChainText(item.Chain, root, isSimulator)),
                    new(ValidityCheck, CheckStatus.Fail, e.Message), root, isSimulator);
            }
            catch (NvidiaAttestationException e)
            {
                first ??= e;
            }
        }
        string message = first!.Message;
        if (item.Simulated && settings.SimulatorRoot is null)
            message += " (the evidence comes from the TeeWasm simulator: --trust-simulator trusts its GPU root)";
        return new ChainOutcome(new(ChainCheck, CheckStatus.Fail, message), Validity(item.Chain, settings.Time), null, false);
    }

    /// <summary>Validity of the certificates as given, for a chain that does not verify (so the dates are still reported).</summary>
    private static VerifyCheck Validity(IReadOnlyList<X509Certificate2> chain, DateTimeOffset time)
    {
        foreach (X509Certificate2 cert in chain)
        {
            DateTimeOffset notBefore = new(cert.NotBefore.ToUniversalTime()), notAfter = new(cert.NotAfter.ToUniversalTime());
            if (time < notBefore || time > notAfter)
                return new(ValidityCheck, CheckStatus.Fail,
                    $"certificate '{Name(cert)}' is {(time < notBefore ? "not yet valid" : "expired")} (valid {notBefore:u} → {notAfter:u}, verification time {time:u})");
        }
        return new(ValidityCheck, CheckStatus.Pass, $"every certificate given is valid at {time:u} (but the chain does not verify)");
    }

    private static string ChainText(IReadOnlyList<X509Certificate2> chain, X509Certificate2 root, bool simulator)
    {
        var names = chain.Select(Name).ToList();
        if (!chain[^1].RawData.AsSpan().SequenceEqual(root.RawData)) names.Add(Name(root));
        return string.Join(" → ", names) + (simulator ? " (SIMULATED: the trusted simulator GPU root)" : " (pinned NVIDIA root)");
    }

    private static VerifyCheck CheckSignature(GpuAttestationReport report, X509Certificate2? leaf, bool chainValid)
    {
        if (leaf is null)
            return new(SignatureCheck, CheckStatus.Skip, "the chain has no device (leaf) certificate to check the signature with");
        using ECDsa? key = leaf.GetECDsaPublicKey();
        if (key is null)
            return new(SignatureCheck, CheckStatus.Fail, $"device certificate '{Name(leaf)}' has no ECDSA key");
        bool ok = GpuReportVerifier.SignatureVerifies(report, key);
        string untrusted = chainValid ? "" : " (but that certificate is not trusted: see the certificate chain)";
        return ok
            ? new(SignatureCheck, CheckStatus.Pass, $"ECDSA P-384/SHA-384 over request ‖ response verifies with '{Name(leaf)}'{untrusted}")
            : new(SignatureCheck, CheckStatus.Fail, $"GPU attestation report signature does not verify with the device certificate '{Name(leaf)}'");
    }

    private static (VerifyCheck Check, bool? Bound) CheckNonce(GpuAttestationReport report, GpuEvidenceItem item, Settings settings)
    {
        if (settings.ExpectedNonce is null && item.BindingError is { } bindingError)
            return (new(NonceCheck, CheckStatus.Fail, "evidence binding rejected: " + bindingError), false);
        (byte[]? expected, string source, bool binds) = settings.ExpectedNonce is { } given ? (given, "the --nonce given", true)
            : item.BindingNonce is { } b ? (b, "the first 32 bytes of the evidence's binding (module, host key, nonce)", true)
            : item.StatedNonce is { } s ? (s, "the nonce the evidence JSON states (give --nonce to check freshness)", false)
            : (null, "", false);
        if (expected is null)
            return (new(NonceCheck, CheckStatus.Fail, "no expected nonce: the evidence states none; give --nonce HEX"), null);
        string actual = Convert.ToHexStringLower(report.RequestNonce.Span);
        return CryptographicOperations.FixedTimeEquals(report.RequestNonce.Span, expected)
            ? (new(NonceCheck, CheckStatus.Pass, $"request nonce {actual} equals {source}"), binds ? true : null)
            : (new(NonceCheck, CheckStatus.Fail, $"GPU attestation report is over nonce {actual}, expected {Convert.ToHexStringLower(expected)} ({source})"), false);
    }

    private static VerifyCheck CheckFwid(GpuAttestationReport report, X509Certificate2? leaf)
    {
        if (report.OpaqueData.Fwid is not { } fwid)
            return new(FwidCheck, CheckStatus.Skip, "the report carries no FWID opaque field (as with drivers before 550); NVIDIA's verifier skips this check then");
        if (leaf is null) return new(FwidCheck, CheckStatus.Skip, "no device certificate to compare the report's FWID with");
        string hex = Convert.ToHexStringLower(fwid);
        return GpuReportVerifier.FwidMatches(fwid, leaf, out byte[]? certFwid)
            ? new(FwidCheck, CheckStatus.Pass, $"report FWID {hex[..16]}… equals the device certificate's TCG DICE FWID")
            : new(FwidCheck, CheckStatus.Fail,
                $"report FWID {hex} differs from the device certificate's {(certFwid is null ? "(none)" : Convert.ToHexStringLower(certFwid))}");
    }

    /// <summary>CC mode as the evidence states it (NVML or the simulator; not part of the signed report).</summary>
    /// <param name="mode">The stated mode, or null.</param>
    /// <param name="required">The policy's gpu.cc_mode_required, or null without --policy.</param>
    private static VerifyCheck CheckCcMode(string? mode, bool? required)
    {
        const string Name = "cc mode";
        if (required == false) return new(Name, CheckStatus.Pass, $"CC mode {mode ?? "not stated"}; gpu.cc_mode_required is false");
        if (mode is null)
        {
            return required == true
                ? new(Name, CheckStatus.Fail, "GPU confidential-computing mode is unknown (the evidence does not state it); gpu.cc_mode_required is true")
                : new(Name, CheckStatus.Skip, "the evidence does not state the CC mode (NVIDIA SDK evidence and raw SPDM reports carry none)");
        }
        string source = required == true ? "gpu.cc_mode_required is true" : "CC mode must be on";
        return string.Equals(mode, "on", StringComparison.OrdinalIgnoreCase)
            ? new(Name, CheckStatus.Pass, $"CC mode '{mode}' as the evidence states it (NVML; not signed by the GPU)")
            : new(Name, CheckStatus.Fail, $"GPU confidential-computing mode is '{mode}', not 'on'; {source}");
    }

    private static VerifyCheck CheckVersion(string what, string? actual, string? minimum, int radix, string key)
    {
        if (actual is null)
        {
            return minimum is null
                ? new(what, CheckStatus.Skip, $"the report's opaque data has no {what} version")
                : new(what, CheckStatus.Fail, $"GPU {what} version is absent from the report; {key} {minimum} cannot be checked");
        }
        if (minimum is null) return new(what, CheckStatus.Pass, $"{what} {actual} (signed opaque data); no minimum set ({key})");
        if (!GpuVersion.TryParse(actual, radix, out long[] a))
            return new(what, CheckStatus.Fail, $"GPU {what} version '{actual}' cannot be read; {key} {minimum} cannot be checked");
        GpuVersion.TryParse(minimum, radix, out long[] min);
        return GpuVersion.Compare(a, min) < 0
            ? new(what, CheckStatus.Fail, $"GPU {what} version {actual} is below {key} {minimum}")
            : new(what, CheckStatus.Pass, $"{what} {actual} (signed opaque data) is at least {key} {minimum}");
    }

    /// <summary>
    /// The RIM(s) of DIR for <paramref name="version"/>: passes when one verifies and matches every active index; otherwise
    /// the first one's failure. No RIM for the version fails ("RIM not available").
    /// </summary>
    private static (VerifyCheck Check, NvidiaFailureReason Reason) CheckRim(string kind, string? version, GpuAttestationReport report, RimVerifier verifier, Settings settings)
    {
        string name = kind + " rim";
        var candidates = version is null ? []
            : settings.Rims!.Where(r => string.Equals(r.Version, version, StringComparison.OrdinalIgnoreCase)).ToList();
        if (candidates.Count == 0)
            return (new(name, CheckStatus.Fail, $"RIM not available for {kind} {version ?? "(version not in the report)"} in {settings.RimDirectory}"), NvidiaFailureReason.RimNotAvailable);
        (VerifyCheck Check, NvidiaFailureReason Reason)? first = null;
        foreach (NvidiaRim rim in candidates)
        {
            try
            {
                RimComparison comparison = verifier.VerifyAndCompare(rim, report);
                return (new(name, CheckStatus.Pass,
                    $"RIM {rim.Name} {rim.Version}: signature and chain to {Name(NvidiaRootCertificates.RimRootCa)} valid; all {comparison.Compared} active measurements match"),
                    NvidiaFailureReason.None);
            }
            catch (NvidiaAttestationException e)
            {
                first ??= (new(name, CheckStatus.Fail, e.Message), e.Reason);
            }
            catch (CryptographicException e)
            {
                first ??= (new(name, CheckStatus.Fail, $"RIM {rim.Name} {rim.Version}: its signature cannot be checked: {e.Message}"), NvidiaFailureReason.RimSignature);
            }
        }
        return first!.Value;
    }

    private static string Describe(GpuAttestationReport report, X509Certificate2? leaf, ChainOutcome chain, bool simulated)
    {
        string product = string.Join("/", new[] { report.OpaqueData.Project, report.OpaqueData.ProjectSku, report.OpaqueData.ChipSku }.Where(x => x is not null));
        string signer = leaf is null ? "" : $", signed by '{Name(leaf)}'";
        string root = chain.SimulatorRoot || simulated ? "SIMULATED: chain to the trusted simulator GPU root" : $"chain to the pinned {Name(chain.Root!)}";
        return $"NVIDIA GPU report ({product}, driver {report.OpaqueData.DriverVersion ?? "?"}){signer}, {root}, request nonce matches"
            + (report.OpaqueData.Fwid is null ? ", no FWID in report" : ", FWID matches");
    }

    private static void AddFields(Result result, GpuAttestationReport report, GpuEvidenceItem item, X509Certificate2? leaf, bool simulated)
    {
        void Add(string k, string? v)
        {
            if (v is not null) result.Fields.Add(new(k, v));
        }
        Add("arch", item.Arch);
        Add("device_certificate", leaf?.Subject);
        Add("driver_version", report.OpaqueData.DriverVersion);
        Add("vbios_version", report.OpaqueData.VbiosVersion);
        Add("project", report.OpaqueData.Project);
        Add("project_sku", report.OpaqueData.ProjectSku);
        Add("chip_sku", report.OpaqueData.ChipSku);
        Add("cc_mode", item.CcMode);
        Add("request_nonce", Convert.ToHexStringLower(report.RequestNonce.Span));
        Add("fwid", report.OpaqueData.Fwid is { } f ? Convert.ToHexStringLower(f) : null);
        Add("measurement_blocks", report.Blocks.Count.ToString(CultureInfo.InvariantCulture));
        Add("measurement_digest", Convert.ToHexStringLower(report.ComputeMeasurementDigest()));
        if (simulated) Add("simulated", "yes");
    }

    private static string Name(X509Certificate2 c) => c.GetNameInfo(X509NameType.SimpleName, false);

    private static bool IsCa(X509Certificate2 c) =>
        c.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is { CertificateAuthority: true };

    /// <summary>A clock stopped at the verification time (for <see cref="RimVerifier"/>).</summary>
    private sealed class FixedTime(DateTimeOffset time) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => time;
    }
}
