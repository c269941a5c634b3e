using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Policy;
using TeeWasm.Attestation.Verification;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>What an <see cref="NvidiaGpuEvidenceVerifier"/> trusts and compares reports with.</summary>
public sealed record NvidiaGpuVerifierOptions
{
    /// <summary>The pinned root of device chains (default: NVIDIA Device Identity CA).</summary>
    public X509Certificate2 Root { get; init; } = NvidiaRootCertificates.DeviceIdentityCa;

    /// <summary>Simulator GPU roots tried after <see cref="Root"/>; a report that chains to one is simulated.</summary>
    public IReadOnlyList<X509Certificate2> SimulatorRoots { get; init; } = [];

    /// <summary>The nonce every report must be over, overriding the evidence's binding and stated nonce (<c>--nonce</c>).</summary>
    public byte[]? ExpectedNonce { get; init; }

    /// <summary>The device chain for evidence that carries none (a raw report: <c>--cert</c>).</summary>
    public IReadOnlyList<X509Certificate2>? CertificateChain { get; init; }

    /// <summary>The RIMs to appraise the measurements with; null: no RIM appraisal (one <c>rim</c> check says so).</summary>
    public IReadOnlyList<NvidiaRim>? Rims { get; init; }

    /// <summary>Where the RIMs came from (for messages).</summary>
    public string? RimDirectory { get; init; }

    /// <summary>OCSP answers for the certificates of the device chain and the RIM signing chains (given as files or fetched); none: revocation is a visible SKIP.</summary>
    public IReadOnlyList<OcspResponse> OcspResponses { get; init; } = [];

    /// <summary>Why OCSP answers are missing although they were asked for (a fetch that failed), for the SKIP.</summary>
    public string? OcspUnavailable { get; init; }
}

/// <summary>
/// Verifies NVIDIA GPU evidence check by check and appraises it: the device chain to the pinned NVIDIA Device Identity
/// CA (or a trusted simulator root), every certificate's validity, the report's ECDSA P-384 signature with the leaf,
/// the request nonce, the opaque FWID against the leaf's DICE FWID; only when those hold, CC mode, driver and VBIOS
/// versions (the default policy or the context's <c>gpu</c> rules), RIM appraisal and the policy's other rules.
/// Nothing here throws for bad evidence: a certificate whose key cannot be read fails the signature check.
/// </summary>
public sealed class NvidiaGpuEvidenceVerifier(NvidiaGpuVerifierOptions? options = null) : EvidenceVerifier<NvidiaGpuEvidence>
{
    /// <summary>What the appraisal calls this evidence.</summary>
    public const string Kind = "NVIDIA GPU report";

    /// <summary>The check of the device chain.</summary>
    public const string ChainCheck = "certificate chain";

    /// <summary>The check of every certificate's validity window.</summary>
    public const string ValidityCheck = "validity";

    /// <summary>The check of the report's signature.</summary>
    public const string SignatureCheck = "report signature";

    /// <summary>The check of the request nonce.</summary>
    public const string NonceCheck = "nonce";

    /// <summary>The check of the FWID.</summary>
    public const string FwidCheck = "fwid";

    /// <summary>The check of the device chain's OCSP status.</summary>
    public const string RevocationCheck = "revocation";

    private const string Untrusted = "not evaluated: the report did not verify, so its fields cannot be trusted";
    private readonly NvidiaGpuVerifierOptions _options = options ?? new NvidiaGpuVerifierOptions();

    /// <summary>The options.</summary>
    public NvidiaGpuVerifierOptions Options => _options;

    /// <inheritdoc />
    public override Appraisal Verify(NvidiaGpuEvidence evidence, VerificationContext context) => Check(evidence, context, nonceSource: null).Appraisal;

    /// <summary>The appraisal with the failure reason of each failed check (for the sources, which throw the first).</summary>
    /// <param name="evidence">The evidence.</param>
    /// <param name="context">Time, expected binding, policy.</param>
    /// <param name="nonceSource">How to name the expected nonce in a mismatch; null: by where it came from, "" names none.</param>
    internal (Appraisal Appraisal, IReadOnlyDictionary<string, NvidiaFailureReason> Reasons) Check(NvidiaGpuEvidence evidence, VerificationContext context, string? nonceSource)
    {
        var reasons = new Dictionary<string, NvidiaFailureReason>();
        if (evidence.Error is { } error) return (Unverifiable("evidence", error), reasons);
        IReadOnlyList<X509Certificate2> chain;
        if (evidence.CertificateChainPem is { } pem)
        {
            try
            {
                chain = NvidiaCertificateChain.ParsePem(pem);
            }
            catch (NvidiaAttestationException e)
            {
                return (Unverifiable("evidence", "device certificate chain: " + e.Message), reasons);
            }
        }
        else if (_options.CertificateChain is { } given)
        {
            chain = given;
        }
        else
        {
            return (Unverifiable("evidence", "the evidence carries no device certificate chain"), reasons);
        }
        if (!GpuAttestationReport.TryParse(evidence.Report, out GpuAttestationReport? parsed, out string? parseError))
            return (Unverifiable("report", "GPU attestation report is malformed: " + parseError), reasons);
        GpuAttestationReport report = parsed!;

        DateTimeOffset time = context.Now;
        var checks = new List<AppraisalCheck>();
        void Add(AppraisalCheck c, NvidiaFailureReason failure)
        {
            bool failed = c.Status == CheckStatus.Fail;
            checks.Add(failed && failure != NvidiaFailureReason.None && c.Code is null ? c with { Code = failure.ToString() } : c);
            if (failed) reasons[c.Name] = failure;
        }

        ChainOutcome chainOutcome = CheckChain(chain, evidence.Simulated, time);
        Add(chainOutcome.Chain, NvidiaFailureReason.CertificateChain);
        Add(chainOutcome.Validity, NvidiaFailureReason.CertificateExpired);
        Add(CheckRevocation(chain, chainOutcome, time), NvidiaFailureReason.CertificateRevoked);
        X509Certificate2? leaf = chain.Count > 0 && !IsCa(chain[0]) ? chain[0] : null;
        Add(CheckSignature(report, leaf, chainOutcome.Chain.Status == CheckStatus.Pass), NvidiaFailureReason.ReportSignature);
        (AppraisalCheck nonce, bool? bound) = CheckNonce(report, evidence, context, nonceSource);
        Add(nonce, NvidiaFailureReason.NonceMismatch);
        Add(CheckFwid(report, leaf), NvidiaFailureReason.FwidMismatch);

        bool evidenceValid = checks.All(c => c.Status != CheckStatus.Fail);
        bool simulated = evidence.Simulated || chainOutcome.SimulatorRoot;
        PolicyVerdict? rest = null;
        PolicyInput? input = null;
        if (evidenceValid)
        {
            AttestationPolicy? policy = context.Policy;
            GpuPolicy gpu = policy?.Gpu ?? new GpuPolicy();
            Add(CheckCcMode(evidence.CcMode, policy is null ? null : gpu.CcModeRequired), NvidiaFailureReason.ConfidentialComputingOff);
            Add(CheckVersion("driver", report.OpaqueData.DriverVersion, gpu.MinDriverVersion, 10, "gpu.min_driver_version"), NvidiaFailureReason.None);
            Add(CheckVersion("vbios", report.OpaqueData.VbiosVersion, gpu.MinVbiosVersion, 16, "gpu.min_vbios_version"), NvidiaFailureReason.None);
            if (_options.Rims is null)
            {
                checks.Add(new("rim", CheckStatus.Skip, "measurements not appraised against NVIDIA RIMs (give --rim DIR)"));
            }
            else
            {
                var rimVerifier = new RimVerifier(new FixedTime(time));
                foreach (var (kind, version) in new[] { ("driver", report.OpaqueData.DriverVersion), ("vbios", report.OpaqueData.VbiosVersion) })
                {
                    var (c, why) = CheckRim(kind, version, report, rimVerifier, time);
                    Add(c, why);
                }
            }
            input = GpuPolicyClaims.Input(report, evidence.CcMode, bound, evidence.Time, simulated);
            if (policy is not null)
            {
                // CC mode and the minimum versions are shown above; the other rules are evaluated here.
                AttestationPolicy others = policy with { Gpu = gpu with { CcModeRequired = false, MinDriverVersion = null, MinVbiosVersion = null } };
                rest = PolicyEvaluator.Evaluate(others, input, time);
                Add(new("policy", rest.Allowed ? CheckStatus.Pass : CheckStatus.Fail,
                    rest.Allowed ? "every other rule of the policy holds" : string.Join("; ", rest.Violations)), NvidiaFailureReason.None);
            }
        }
        else
        {
            foreach (string name in new[] { "cc mode", "driver", "vbios", "rim" })
                checks.Add(new(name, CheckStatus.Skip, Untrusted));
            if (context.Policy is not null) checks.Add(new("policy", CheckStatus.Skip, Untrusted));
        }

        AppraisalCheck? firstFail = checks.FirstOrDefault(c => c.Status == CheckStatus.Fail);
        var appraisal = new Appraisal
        {
            Kind = Kind,
            EvidenceValid = evidenceValid,
            Message = evidenceValid ? Describe(report, leaf, chainOutcome, simulated) : firstFail!.Reason,
            Reason = firstFail is null ? "None" : reasons[firstFail.Name] is var r && r != NvidiaFailureReason.None ? r.ToString() : "Policy",
            Checks = checks,
            Fields = Fields(report, evidence, leaf, simulated),
            PolicyInput = input,
            Policy = rest,
            Note = evidenceValid
                ? $"SPDM measurement report signed by '{Name(leaf!)}', chain to {Name(chainOutcome.Root!)}, nonce bound"
                  + (report.OpaqueData.Fwid is null ? ", no FWID in report" : ", FWID matches")
                : null,
            Claims = evidenceValid
                ? new EvidenceClaims
                {
                    Platform = NvidiaGpuEvidence.PlatformName, Subject = EvidenceSubject.Gpu, Measurement = report.ComputeMeasurementDigest(),
                    ReportData = report.RequestNonce.ToArray(), Simulated = chainOutcome.SimulatorRoot,
                }
                : null,
        };
        return (appraisal, reasons);
    }

    private static Appraisal Unverifiable(string name, string why) =>
        Appraisal.Unverifiable(Kind, NvidiaFailureReason.Malformed.ToString(), name, why);

    private sealed record ChainOutcome(AppraisalCheck Chain, AppraisalCheck Validity, X509Certificate2? Root, bool SimulatorRoot);

    /// <summary>The chain to the pinned root, else to a simulator root; then validity.</summary>
    private ChainOutcome CheckChain(IReadOnlyList<X509Certificate2> chain, bool claimsSimulated, DateTimeOffset time)
    {
        var roots = new List<(X509Certificate2 Root, bool Simulator)> { (_options.Root, false) };
        roots.AddRange(_options.SimulatorRoots.Select(s => (s, true)));
        NvidiaAttestationException? first = null;
        foreach (var (root, isSimulator) in roots)
        {
            try
            {
                NvidiaCertificateChain.Validate(chain, root, time, "GPU device certificate");
                return new ChainOutcome(new(ChainCheck, CheckStatus.Pass, ChainText(chain, root, isSimulator)),
                    new(ValidityCheck, CheckStatus.Pass, $"every certificate of the chain is valid at {time:u}"), root, isSimulator);
            }
            catch (NvidiaAttestationException e) when (e.Reason == NvidiaFailureReason.CertificateExpired)
            {
                // Validate checks names, CA constraints and signatures before validity: the chain itself holds.
                return new ChainOutcome(new(ChainCheck, CheckStatus.Pass, ChainText(chain, root, isSimulator)),
                    new(ValidityCheck, CheckStatus.Fail, e.Message), root, isSimulator);
            }
            catch (NvidiaAttestationException e)
            {
                first ??= e;
            }
        }
        string message = first!.Message;
        if (claimsSimulated && _options.SimulatorRoots.Count == 0)
            message += " (the evidence comes from the TeeWasm simulator: --trust-simulator trusts its GPU root)";
        return new ChainOutcome(new(ChainCheck, CheckStatus.Fail, message), Validity(chain, time), null, false);
    }

    /// <summary>
    /// The <c>revocation</c> check: each certificate of the device chain below the pinned root against an OCSP answer
    /// (<see cref="OcspFailure"/>); no answers: a visible SKIP (which also stands for the RIM signing chains, checked
    /// with the RIMs once answers are given).
    /// </summary>
    private AppraisalCheck CheckRevocation(IReadOnlyList<X509Certificate2> chain, ChainOutcome outcome, DateTimeOffset time)
    {
        if (outcome.Chain.Status != CheckStatus.Pass || outcome.Root is not { } root) return new(RevocationCheck, CheckStatus.Skip, Untrusted);
        if (outcome.SimulatorRoot) return new(RevocationCheck, CheckStatus.Skip, "not checked: the simulator runs no OCSP responder");
        if (_options.OcspResponses.Count == 0)
            return new(RevocationCheck, CheckStatus.Skip, _options.OcspUnavailable is { } why
                ? "not checked: OCSP answers could not be fetched: " + why
                : "not checked: no OCSP answers given for the device and RIM signing chains (--collateral DIR holding them, or --fetch)");
        var good = new List<string>();
        return OcspFailure(RevocationCheck, chain, root, time, good)
            ?? new(RevocationCheck, CheckStatus.Pass, $"OCSP: {string.Join(", ", good)} good, answers signed by their issuers and current at {time:u}");
    }

    /// <summary>
    /// The first certificate of <paramref name="chain"/> below <paramref name="root"/> whose OCSP answer is missing, not
    /// signed by its issuer (or a responder the issuer delegated), not current at <paramref name="time"/>, revoked (also
    /// on hold) or unknown, as a failed <paramref name="check"/> naming the certificate, its serial and the answer's
    /// source; null when every one is good (their names added to <paramref name="good"/>).
    /// </summary>
    private AppraisalCheck? OcspFailure(string check, IReadOnlyList<X509Certificate2> chain, X509Certificate2 root, DateTimeOffset time, List<string> good)
    {
        for (int i = 0; i < chain.Count; i++)
        {
            X509Certificate2 cert = chain[i];
            if (cert.RawData.AsSpan().SequenceEqual(root.RawData)) break;
            X509Certificate2 issuer = i + 1 < chain.Count ? chain[i + 1] : root;
            OcspResponse? answer = _options.OcspResponses.FirstOrDefault(r => r.For(cert, issuer) is not null);
            if (answer is null)
                return new(check, CheckStatus.Fail, $"no OCSP answer for '{Name(cert)}' (serial {cert.SerialNumber}) among those given") { Code = "OcspMissing" };
            OcspSingleResponse single = answer.For(cert, issuer)!;
            string source = answer.Source.Length > 0 ? $" ({answer.Source})" : "";
            if (!answer.IsSignedBy(issuer, time, out string? error))
                return new(check, CheckStatus.Fail, $"OCSP answer for '{Name(cert)}'{source}: {error}") { Code = "OcspInvalid" };
            if (single.ThisUpdate > time + TimeSpan.FromMinutes(5) || (single.NextUpdate is { } next && time > next))
                return new(check, CheckStatus.Fail,
                    $"OCSP answer for '{Name(cert)}'{source} is not current (thisUpdate {single.ThisUpdate:u}, nextUpdate {single.NextUpdate:u}, verification time {time:u})") { Code = "OcspStale" };
            if (single.Status == OcspCertStatus.Revoked)
                return new(check, CheckStatus.Fail,
                    $"certificate '{Name(cert)}' (serial {cert.SerialNumber}) is revoked{(single.RevocationReason is { } r ? $" ({r})" : "")} since {single.RevocationTime:u} per the OCSP answer{source}") { Code = "CertificateRevoked" };
            if (single.Status == OcspCertStatus.Unknown)
                return new(check, CheckStatus.Fail, $"the OCSP responder does not know '{Name(cert)}' (serial {cert.SerialNumber}){source}") { Code = "OcspUnknown" };
            good.Add($"'{Name(cert)}'");
        }
        return null;
    }

    /// <summary>Validity of the certificates as given, for a chain that does not verify (so the dates are still reported).</summary>
    private static AppraisalCheck Validity(IReadOnlyList<X509Certificate2> chain, DateTimeOffset time) =>
        CertificateChain.FirstOutsideValidity(chain, time) is { } cert
            ? new(ValidityCheck, CheckStatus.Fail, $"certificate {CertificateChain.DescribeValidity(cert, time)}")
            : new(ValidityCheck, CheckStatus.Pass, $"every certificate given is valid at {time:u} (but the chain does not verify)");

    private static string ChainText(IReadOnlyList<X509Certificate2> chain, X509Certificate2 root, bool simulator)
    {
        var names = chain.Select(Name).ToList();
        if (!chain[^1].RawData.AsSpan().SequenceEqual(root.RawData)) names.Add(Name(root));
        return string.Join(" → ", names) + (simulator ? " (SIMULATED: the trusted simulator GPU root)" : " (pinned NVIDIA root)");
    }

    private static AppraisalCheck CheckSignature(GpuAttestationReport report, X509Certificate2? leaf, bool chainValid)
    {
        if (leaf is null)
            return new(SignatureCheck, CheckStatus.Skip, "the chain has no device (leaf) certificate to check the signature with");
        ECDsa? key;
        try
        {
            key = leaf.GetECDsaPublicKey();
        }
        catch (CryptographicException e)
        {
            return new(SignatureCheck, CheckStatus.Fail, $"device certificate '{Name(leaf)}' has an ECDSA public key that cannot be read: {e.Message}");
        }
        using (key)
        {
            if (key is null)
                return new(SignatureCheck, CheckStatus.Fail, $"device certificate '{Name(leaf)}' has no ECDSA key");
            bool ok;
            try
            {
                ok = SignatureVerifies(report, key);
            }
            catch (CryptographicException e)
            {
                return new(SignatureCheck, CheckStatus.Fail, $"the report signature cannot be checked with device certificate '{Name(leaf)}': {e.Message}");
            }
            string untrusted = chainValid ? "" : " (but that certificate is not trusted: see the certificate chain)";
            return ok
                ? new(SignatureCheck, CheckStatus.Pass, $"ECDSA P-384/SHA-384 over request ‖ response verifies with '{Name(leaf)}'{untrusted}")
                : new(SignatureCheck, CheckStatus.Fail, $"GPU attestation report signature does not verify with the device certificate '{Name(leaf)}'");
        }
    }

    private (AppraisalCheck Check, bool? Bound) CheckNonce(GpuAttestationReport report, NvidiaGpuEvidence evidence, VerificationContext context, string? label)
    {
        if (_options.ExpectedNonce is null && context.ExpectedReportData is null && evidence.BindingError is { } bindingError)
            return (new(NonceCheck, CheckStatus.Fail, "evidence binding rejected: " + bindingError), false);
        byte[]? binding = context.ExpectedReportData ?? evidence.Binding?.ReportData;
        if (_options.ExpectedNonce is null && binding is { Length: < GpuAttestationReport.NonceLength })
            return (new(NonceCheck, CheckStatus.Fail, $"evidence binding rejected: its report_data is {binding.Length} bytes, shorter than a GPU request nonce"), false);
        (byte[]? expected, string source, bool binds) = _options.ExpectedNonce is { } given ? (given, "the --nonce given", true)
            : binding is { } b ? (b[..GpuAttestationReport.NonceLength], "the first 32 bytes of the evidence's binding (module, host key, nonce)", true)
            : evidence.StatedNonce is { Length: > 0 } s ? (s, "the nonce the evidence JSON states (give --nonce to check freshness)", false)
            : (null, "", false);
        if (expected is null)
            return (new(NonceCheck, CheckStatus.Fail, "no expected nonce: the evidence states none; give --nonce HEX"), null);
        string actual = Convert.ToHexStringLower(report.RequestNonce.Span);
        string named = (label ?? source) is { Length: > 0 } l ? $" ({l})" : "";
        return CryptographicOperations.FixedTimeEquals(report.RequestNonce.Span, expected)
            ? (new(NonceCheck, CheckStatus.Pass, $"request nonce {actual} equals {source}"), binds ? true : null)
            : (new(NonceCheck, CheckStatus.Fail, $"GPU attestation report is over nonce {actual}, expected {Convert.ToHexStringLower(expected)}{named}"), false);
    }

    private static AppraisalCheck CheckFwid(GpuAttestationReport report, X509Certificate2? leaf)
    {
        if (report.OpaqueData.Fwid is not { } fwid)
            return new(FwidCheck, CheckStatus.Skip, "the report carries no FWID opaque field (as with drivers before 550); NVIDIA's verifier skips this check then");
        if (leaf is null) return new(FwidCheck, CheckStatus.Skip, "no device certificate to compare the report's FWID with");
        string hex = Convert.ToHexStringLower(fwid);
        return FwidMatches(fwid, leaf, out byte[]? certFwid)
            ? new(FwidCheck, CheckStatus.Pass, $"report FWID {hex[..16]}… equals the device certificate's TCG DICE FWID")
            : new(FwidCheck, CheckStatus.Fail,
                $"report FWID {hex} differs from the device certificate's {(certFwid is null ? "(none)" : Convert.ToHexStringLower(certFwid))}");
    }

    /// <summary>CC mode as the evidence states it (NVML or the simulator; not part of the signed report).</summary>
    /// <param name="mode">The stated mode, or null.</param>
    /// <param name="required">The policy's gpu.cc_mode_required, or null without a policy.</param>
    private static AppraisalCheck CheckCcMode(string? mode, bool? required)
    {
        const string CcMode = "cc mode";
        if (required == false) return new(CcMode, CheckStatus.Pass, $"CC mode {mode ?? "not stated"}; gpu.cc_mode_required is false");
        if (mode is null)
        {
            return required == true
                ? new(CcMode, CheckStatus.Fail, "GPU confidential-computing mode is unknown (the evidence does not state it); gpu.cc_mode_required is true")
                : new(CcMode, CheckStatus.Skip, "the evidence does not state the CC mode (NVIDIA SDK evidence and raw SPDM reports carry none)");
        }
        string source = required == true ? "gpu.cc_mode_required is true" : "CC mode must be on";
        return string.Equals(mode, "on", StringComparison.OrdinalIgnoreCase)
            ? new(CcMode, CheckStatus.Pass, $"CC mode '{mode}' as the evidence states it (NVML; not signed by the GPU)")
            : new(CcMode, CheckStatus.Fail, $"GPU confidential-computing mode is '{mode}', not 'on'; {source}");
    }

    private static AppraisalCheck CheckVersion(string what, string? actual, string? minimum, int radix, string key)
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
    /// The RIM(s) for <paramref name="version"/>: passes when one verifies and matches every active index; otherwise the
    /// first one's failure. No RIM for the version fails ("RIM not available").
    /// </summary>
    private (AppraisalCheck Check, NvidiaFailureReason Reason) CheckRim(string kind, string? version, GpuAttestationReport report, RimVerifier verifier, DateTimeOffset time)
    {
        string name = kind + " rim";
        var candidates = version is null ? []
            : _options.Rims!.Where(r => string.Equals(r.Version, version, StringComparison.OrdinalIgnoreCase)).ToList();
        if (candidates.Count == 0)
            return (new(name, CheckStatus.Fail, $"RIM not available for {kind} {version ?? "(version not in the report)"} in {_options.RimDirectory}"), NvidiaFailureReason.RimNotAvailable);
        (AppraisalCheck Check, NvidiaFailureReason Reason)? first = null;
        foreach (NvidiaRim rim in candidates)
        {
            try
            {
                verifier.Verify(rim);
                var good = new List<string>();
                if (_options.OcspResponses.Count > 0 && OcspFailure(name, rim.SigningChain, NvidiaRootCertificates.RimRootCa, time, good) is { } revoked)
                {
                    first ??= (revoked with { Reason = $"RIM {rim.Name} {rim.Version} signing chain: {revoked.Reason}" }, NvidiaFailureReason.CertificateRevoked);
                    continue;
                }
                RimComparison comparison = RimVerifier.Compare(rim, report);
                if (!comparison.Matches)
                    throw new NvidiaAttestationException(NvidiaFailureReason.MeasurementMismatch, RimVerifier.Mismatch(comparison));
                return (new(name, CheckStatus.Pass,
                    $"RIM {rim.Name} {rim.Version}: signature and chain to {Name(NvidiaRootCertificates.RimRootCa)} valid{(good.Count > 0 ? $", OCSP: {string.Join(", ", good)} good" : "")}; all {comparison.Compared} active measurements match"),
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

    private static List<KeyValuePair<string, string>> Fields(GpuAttestationReport report, NvidiaGpuEvidence evidence, X509Certificate2? leaf, bool simulated)
    {
        var fields = new List<KeyValuePair<string, string>>();
        void Add(string k, string? v)
        {
            if (v is not null) fields.Add(new(k, v));
        }
        Add("arch", evidence.Arch);
        Add("device_certificate", leaf?.Subject);
        Add("driver_version", report.OpaqueData.DriverVersion);
        Add("vbios_version", report.OpaqueData.VbiosVersion);
        Add("project", report.OpaqueData.Project);
        Add("project_sku", report.OpaqueData.ProjectSku);
        Add("chip_sku", report.OpaqueData.ChipSku);
        Add("cc_mode", evidence.CcMode);
        Add("request_nonce", Convert.ToHexStringLower(report.RequestNonce.Span));
        Add("fwid", report.OpaqueData.Fwid is { } f ? Convert.ToHexStringLower(f) : null);
        Add("measurement_blocks", report.Blocks.Count.ToString(CultureInfo.InvariantCulture));
        Add("measurement_digest", Convert.ToHexStringLower(report.ComputeMeasurementDigest()));
        if (simulated) Add("simulated", "yes");
        return fields;
    }

    /// <summary>True when the report's ECDSA P-384/SHA-384 signature over request ‖ response verifies with <paramref name="deviceKey"/>.</summary>
    public static bool SignatureVerifies(GpuAttestationReport report, ECDsa deviceKey) =>
        deviceKey.VerifyData(report.SignedBytes.Span, report.Signature.Span, HashAlgorithmName.SHA384, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    /// <summary>True when <paramref name="fwid"/> (the report's) equals the first TCG DICE FWID of <paramref name="leaf"/>, which is returned (null when it has none).</summary>
    public static bool FwidMatches(ReadOnlySpan<byte> fwid, X509Certificate2 leaf, out byte[]? certificateFwid)
    {
        List<byte[]> certFwids = NvidiaCertificateChain.GetFwids(leaf);
        certificateFwid = certFwids.Count > 0 ? certFwids[0] : null;
        return certificateFwid is not null && certificateFwid.AsSpan().SequenceEqual(fwid);
    }

    private static string Name(X509Certificate2 c) => CertificateChain.Name(c);

    private static bool IsCa(X509Certificate2 c) => CertificateChain.IsCa(c);

    /// <summary>A clock stopped at the verification time (for <see cref="RimVerifier"/>).</summary>
    private sealed class FixedTime(DateTimeOffset time) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => time;
    }
}
