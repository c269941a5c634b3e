using System.Security.Cryptography;
using TeeWasm.Attestation.Audit;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Linux;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Platforms.Nvidia;
using TeeWasm.Attestation.Policy;
using TeeWasm.Attestation.Tokens;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation;

/// <summary>
/// The attestation facade the host functions call: detects the platform, collects and verifies evidence bound to the
/// running module and host key, issues tokens, verifies tokens, and caches results until their tokens expire.
/// </summary>
public sealed class Attester : IDisposable
{
    private readonly AttesterOptions _options;
    private readonly TeeDetector _detector;
    private readonly AttestationTokenIssuer _issuer;
    private readonly Dictionary<(string Kind, int Index, string Nonce), AttestationResult> _cache = new();
    private readonly List<string> _issuedTokens = [];
    private readonly Lock _gate = new();
    private readonly Func<TeeDetection, IVmEvidenceSource?> _vmSourceFactory;
    private readonly Func<IGpuEvidenceSource?> _gpuSourceFactory;
    private TeeDetection? _detected;
    private IVmEvidenceSource? _vmSource;
    private IGpuEvidenceSource? _gpuSource;
    private byte[] _moduleHash = new byte[32];
    private WorkloadIdentity? _workload;

    /// <summary>Creates an attester; <paramref name="hostKey"/> defaults to a fresh ephemeral key it owns.</summary>
    public Attester(AttesterOptions? options = null, HostAttestationKey? hostKey = null)
        : this(options ?? new AttesterOptions(), hostKey, null, null) { }

    /// <summary>Creates an attester with explicit evidence sources (tests, or platforms the built-in factory does not know).</summary>
    public Attester(AttesterOptions options, HostAttestationKey? hostKey,
        Func<TeeDetection, IVmEvidenceSource?>? vmSources, Func<IGpuEvidenceSource?>? gpuSources)
    {
        _options = options;
        HostKey = hostKey ?? HostAttestationKey.Create();
        _detector = new TeeDetector(options.Probe);
        _issuer = new AttestationTokenIssuer(HostKey, options.TokenLifetime, options.Time);
        Validator = new AttestationTokenValidator(options.Time);
        Validator.TrustLocalVerifier(HostKey);
        // One simulator authority for the VM and GPU sources, kept across ClearCache (it is read from disk once).
        var simulator = AttestationPlatforms.Simulator(options);
        _vmSourceFactory = vmSources ?? (d => AttestationPlatforms.ForVm(d, options, simulator));
        _gpuSourceFactory = gpuSources ?? (() => AttestationPlatforms.ForGpus(options, simulator));
    }

    /// <summary>The host's attestation key (bound into reports, signs local tokens).</summary>
    public HostAttestationKey HostKey { get; }

    /// <summary>The token validator (trusts the local verifier; add issuers for remote services).</summary>
    public AttestationTokenValidator Validator { get; }

    /// <summary>The mode this attester runs in.</summary>
    public AttestationMode Mode => _options.Mode;

    /// <summary>SHA-256 of the guest module, bound into every report (setting it forgets a <see cref="Workload"/> of another module).</summary>
    public byte[] ModuleHash
    {
        get => _moduleHash;
        set
        {
            if (value.Length != 32) throw new ArgumentException("module hash must be a 32-byte SHA-256", nameof(value));
            lock (_gate)
            {
                _moduleHash = value.ToArray();
                if (_workload is not null && !_workload.ModuleSha256.AsSpan().SequenceEqual(value)) _workload = null;
                _cache.Clear();
            }
        }
    }

    /// <summary>
    /// The launch this attester attests for, bound into every report with its module (scheme teewasm-workload) and named
    /// in every token; null binds only the module. Setting it sets <see cref="ModuleHash"/> to the workload's module.
    /// </summary>
    public WorkloadIdentity? Workload
    {
        get => _workload;
        set
        {
            lock (_gate)
            {
                _workload = value;
                if (value is not null) _moduleHash = value.ModuleSha256.ToArray();
                _cache.Clear();
            }
        }
    }

    /// <summary>The run's measurement log, whose value every token issued from now on names; null for none.</summary>
    public RuntimeMeasurementLog? MeasurementLog { get; set; }

    /// <summary>Every token this attester issued (local or a VM token service's), in order: the tokens a run ran under.</summary>
    public IReadOnlyList<string> IssuedTokens
    {
        get
        {
            lock (_gate) return [.. _issuedTokens];
        }
    }

    /// <summary>The platform (cached until <see cref="ClearCache"/>).</summary>
    public TeeDetection DetectTee()
    {
        lock (_gate)
        {
            if (_detected is not null) return _detected;
            _detected = _options.Mode switch
            {
                AttestationMode.None => new TeeDetection(TeeType.None, Source: "--tee none"),
                AttestationMode.Simulate => new TeeDetection(TeeType.AmdSevSnp, Simulated: true, Source: "simulator", Interface: TeeInterface.Simulator),
                _ => _detector.Detect(),
            };
            Audit(AuditEvents.Detect, _detected.Type.ToAbiName(), _detected.Type == TeeType.None ? "none" : "ok",
                _detected.Source, simulated: _detected.Simulated);
            return _detected;
        }
    }

    /// <summary>
    /// Attests the VM with report_data bound to module, host key and <paramref name="nonce"/> (≤ 64 bytes), by the
    /// configured VM token service's binding scheme when there is one (<see cref="Tokens.IVmTokenService.Bind"/>).
    /// </summary>
    public AttestationResult AttestVm(ReadOnlySpan<byte> nonce = default)
    {
        long now = _options.Time.GetUtcNow().ToUnixTimeSeconds();
        if (nonce.Length > ReportDataBinding.MaxNonceLength)
            return AttestationResult.Failure($"nonce is {nonce.Length} bytes; at most {ReportDataBinding.MaxNonceLength} allowed", now);
        var key = ("vm", 0, CacheKey(nonce));
        lock (_gate)
        {
            if (TryCached(key, out var cached)) return cached;
            var detection = DetectTee();
            string teeName = detection.Type.ToAbiName();
            switch (detection.Type)
            {
                case TeeType.None:
                    return Audited(AttestationResult.Failure(AttestationResult.NoTeeError, now));
                case TeeType.AmdSev:
                    return Audited(AttestationResult.Failure(
                        "AMD SEV detected (memory encrypted) but SEV-SNP not available for attestation. This VM may not be a full Confidential VM with attestation support.",
                        now, teeName));
            }
            try
            {
                var source = VmSource(detection);
                var binding = BindVm(source, nonce);
                var collected = source.Attest(binding.ReportData, nonce, _moduleHash);
                return Remember(key, Audited(Issue(collected, teeName, now, binding)));
            }
            catch (AttestationException e)
            {
                return Audited(AttestationResult.Failure($"{teeName} attestation failed: {e.Message}", now, teeName, detection.Simulated));
            }
        }
    }

    /// <summary>
    /// Collects and locally verifies VM evidence over caller-chosen <paramref name="reportData"/> (at most 64 bytes,
    /// zero-padded), for protocols with their own binding (Trustee KBS); neither cached nor bound to module or host key.
    /// </summary>
    /// <exception cref="AttestationException">No attestable TEE, or collection or verification failed.</exception>
    public CollectedEvidence CollectVmEvidence(ReadOnlySpan<byte> reportData)
    {
        if (reportData.Length > 64) throw new AttestationException($"report_data is {reportData.Length} bytes; at most 64 allowed");
        byte[] padded = new byte[64];
        reportData.CopyTo(padded);
        lock (_gate)
        {
            var detection = DetectTee();
            var collected = VmSource(RequireAttestable(detection)).Attest(padded, [], _moduleHash);
            Audit(AuditEvents.Attest, detection.Type.ToAbiName(), "ok", "evidence over caller-chosen report_data", simulated: collected.Verified.Simulated);
            return collected;
        }
    }

    /// <summary>
    /// On an Azure CVM, collects and locally verifies vTPM evidence whose HCL <c>user-data</c> is <paramref name="userData"/>
    /// and whose TPM quote is over <paramref name="quoteNonce"/> (Trustee <c>az-snp-vtpm</c>); neither cached nor bound to
    /// module or host key.
    /// </summary>
    /// <exception cref="AttestationException">Not an Azure CVM, or collection or verification failed.</exception>
    public CollectedEvidence CollectAzureVtpmEvidence(ReadOnlySpan<byte> userData, ReadOnlySpan<byte> quoteNonce)
    {
        lock (_gate)
        {
            var detection = DetectTee();
            if (VmSource(RequireAttestable(detection)) is not AzureVtpmEvidenceSource azure)
                throw new AttestationException($"{detection.Type.ToAbiName()} via {detection.Source} is not an Azure vTPM CVM");
            var collected = azure.AttestWithUserData(userData, quoteNonce);
            Audit(AuditEvents.Attest, detection.Type.ToAbiName(), "ok", "Azure vTPM evidence over caller-chosen user-data and quote nonce", simulated: false);
            return collected;
        }
    }

    /// <summary>Attests GPU <paramref name="index"/> with a nonce derived from module, host key and <paramref name="nonce"/>.</summary>
    public AttestationResult AttestGpu(int index, ReadOnlySpan<byte> nonce = default)
    {
        long now = _options.Time.GetUtcNow().ToUnixTimeSeconds();
        const string GpuTee = "NVIDIA GPU";
        if (nonce.Length > ReportDataBinding.MaxNonceLength)
            return AttestationResult.Failure($"nonce is {nonce.Length} bytes; at most {ReportDataBinding.MaxNonceLength} allowed", now);
        var key = ("gpu", index, CacheKey(nonce));
        lock (_gate)
        {
            if (TryCached(key, out var cached)) return cached;
            if (_options.Mode == AttestationMode.None)
                return AttestationResult.Failure("GPU attestation disabled (--tee none)", now);
            try
            {
                _gpuSource ??= _gpuSourceFactory() ?? throw new AttestationException("no NVIDIA GPU found");
                if (index < 0 || index >= _gpuSource.GpuCount)
                    return Audited(AttestationResult.Failure(
                        $"GPU index {index} out of range: {_gpuSource.GpuCount} GPU(s) present", now, GpuTee, _gpuSource.Simulated));
                // GPU reports carry a 32-byte nonce: the first half of the same binding the VM report carries.
                VmBinding binding = VmBinding.TeeWasm(_moduleHash, HostKey.PublicPoint, nonce, _workload);
                var collected = _gpuSource.Attest(index, binding.ReportData.AsSpan(0, 32), nonce, _moduleHash);
                return Remember(key, Audited(Issue(collected, GpuTee, now, binding)));
            }
            catch (AttestationException e)
            {
                return Audited(AttestationResult.Failure($"GPU attestation failed: {e.Message}", now, GpuTee, _gpuSource?.Simulated ?? false));
            }
        }
    }

    /// <summary>
    /// Attests the VM and every GPU over one nonce and this host key (<see cref="CompositeAttestationResult"/>): the VM
    /// as <see cref="AttestVm"/> does, each GPU as <see cref="AttestGpu"/> does (its report's nonce is the first half of
    /// the binding), then one token with each device's claims when all verified; otherwise a failure naming every device
    /// that failed and why.
    /// </summary>
    public CompositeAttestationResult AttestAll(ReadOnlySpan<byte> nonce = default)
    {
        long now = _options.Time.GetUtcNow().ToUnixTimeSeconds();
        if (nonce.Length > ReportDataBinding.MaxNonceLength)
        {
            var refused = AttestationResult.Failure($"nonce is {nonce.Length} bytes; at most {ReportDataBinding.MaxNonceLength} allowed", now);
            return new CompositeAttestationResult
            {
                Success = false, Error = refused.Error, Timestamp = now, Binding = VmBinding.TeeWasm(_moduleHash, HostKey.PublicPoint, [], _workload),
                Devices = [new DeviceAttestation { Device = "VM", Subject = EvidenceSubject.Vm, Result = refused }],
            };
        }
        lock (_gate)
        {
            var devices = new List<DeviceAttestation>
            {
                new() { Device = "VM", Subject = EvidenceSubject.Vm, Result = AttestVm(nonce) },
            };
            int gpus = GpuCount();
            for (int i = 0; i < gpus; i++)
            {
                AttestationResult r = AttestGpu(i, nonce);
                devices.Add(new DeviceAttestation
                {
                    Device = $"GPU {i}", Subject = EvidenceSubject.Gpu, GpuIndex = i, Result = r,
                    Uuid = r.Verified?.DeviceId ?? _gpuSource?.DeviceIdOf(i),
                });
            }
            VmBinding binding = VmBinding.TeeWasm(_moduleHash, HostKey.PublicPoint, nonce, _workload);
            bool simulated = devices.Any(d => d.Result.Simulated);
            string? evidence = CompositeAttestationResult.WriteEvidence(devices, binding, simulated);
            var failed = devices.Where(d => !d.Result.Success).ToList();
            if (failed.Count > 0)
            {
                string error = string.Join("; ", failed.Select(d => $"{d.Label}: {d.Result.Error}"));
                Audit(AuditEvents.Attest, CompositeAttestationResult.TeeTypeName, "failed", error, simulated: simulated);
                return new CompositeAttestationResult
                {
                    Success = false, Error = error, Timestamp = now, Simulated = simulated, Devices = devices, Binding = binding, Evidence = evidence,
                };
            }
            var (token, expires) = _issuer.IssueComposite(devices[0].Result.Verified!, [.. devices.Skip(1).Select(d => d.Result.Verified!)], binding.ReportData);
            Audit(AuditEvents.Attest, CompositeAttestationResult.TeeTypeName, "ok", null, simulated: simulated);
            TokenIssued(token, CompositeAttestationResult.TeeTypeName, simulated);
            return new CompositeAttestationResult
            {
                Success = true, Token = token, Timestamp = now, Simulated = simulated, Devices = devices, Binding = binding, Evidence = evidence,
                ExpiresAt = expires,
            };
        }
    }

    /// <summary>How many GPUs can be attested (0 when there are none or GPU attestation is off).</summary>
    public int GpuCount()
    {
        if (_options.Mode == AttestationMode.None) return 0;
        lock (_gate)
        {
            try
            {
                _gpuSource ??= _gpuSourceFactory();
            }
            catch (AttestationException)
            {
                return 0;
            }
            return _gpuSource?.GpuCount ?? 0;
        }
    }

    /// <summary>
    /// Where the VCEK that verifies this machine's SEV-SNP reports comes from, in one line, for diagnostics
    /// (<c>tee-wasm detect</c>); on an Azure CVM the IMDS is asked now when it is the source. Null when the platform is
    /// not SEV-SNP.
    /// </summary>
    public string? DescribeVcek()
    {
        TeeDetection detection = DetectTee();
        if (detection.Type != TeeType.AmdSevSnp) return null;
        if (detection.Simulated) return "the simulator's (made with its reports, signed by its own ARK; simulate mode only)";
        return AttestationPlatforms.DescribeVcek(detection, _options);
    }

    /// <summary>The GPUs the host has (NVML), for diagnostics; none with the reason when NVML is missing or fails.</summary>
    public IReadOnlyList<GpuDescription> DiscoverGpus(out string? reason) =>
        [.. NvmlGpuDiscovery.Discover(_options.Probe.NvmlLibrary, out reason).Select(g => new GpuDescription(g.Index, g.Name, g.Uuid))];

    /// <summary>Verifies a token against the trusted issuers (see <see cref="AttestationTokenValidator"/>).</summary>
    public TokenVerification VerifyToken(string token)
    {
        var verdict = _options.VmTokenService is { } service && IssuerOf(token) == service.Issuer
            ? service.Verify(token)
            : Validator.Verify(token);
        Audit(AuditEvents.TokenVerified, null, verdict.Valid ? "ok" : "failed", verdict.Reason,
            token: token, subject: verdict.Issuer);
        return verdict;
    }

    /// <summary>Where audit events go (<see cref="AttesterOptions.AuditLog"/>).</summary>
    public IAttestationAuditLog AuditLog => _options.AuditLog;

    private AttestationResult Audited(AttestationResult result)
    {
        Audit(AuditEvents.Attest, result.TeeType, result.Success ? "ok" : "failed", result.Error, simulated: result.Simulated);
        if (result.Success && result.Token is { } token) TokenIssued(token, result.TeeType, result.Simulated);
        return result;
    }

    private void TokenIssued(string token, string? platform, bool simulated)
    {
        lock (_gate) _issuedTokens.Add(token);
        Audit(AuditEvents.TokenIssued, platform, "ok", null, token: token, simulated: simulated, subject: IssuerOf(token));
    }

    private static string? IssuerOf(string token)
    {
        try
        {
            return new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).Issuer;
        }
        catch (Exception e) when (e is ArgumentException or Microsoft.IdentityModel.Tokens.SecurityTokenMalformedException)
        {
            return null;
        }
    }

    private void Audit(string evt, string? platform, string verdict, string? reason, string? token = null,
        bool simulated = false, string? subject = null)
    {
        if (_options.AuditLog is NullAuditLog) return;
        _options.AuditLog.Write(new AuditEvent
        {
            Time = _options.Time.GetUtcNow(),
            Event = evt,
            ModuleHash = Convert.ToHexStringLower(_moduleHash),
            Platform = platform,
            Verdict = verdict,
            Reason = reason,
            Subject = subject,
            TokenSha256 = token is null ? null : AuditEvent.Fingerprint(token),
            Simulated = simulated,
        });
    }

    /// <summary>Drops cached results and the detected platform.</summary>
    public void ClearCache()
    {
        lock (_gate)
        {
            _cache.Clear();
            _detected = null;
            _vmSource = null;
        }
    }

    /// <summary>The VM evidence source for <paramref name="detection"/>, made on first use (call under the gate).</summary>
    private IVmEvidenceSource VmSource(TeeDetection detection) =>
        _vmSource ??= _vmSourceFactory(detection)
            ?? throw new AttestationException($"no evidence source for {detection.Type.ToAbiName()} via {detection.Source}");

    /// <summary><paramref name="detection"/>, when its platform can be attested.</summary>
    private static TeeDetection RequireAttestable(TeeDetection detection) =>
        detection.Type.SupportsAttestation() ? detection
            : throw new AttestationException(detection.Type == TeeType.None ? AttestationResult.NoTeeError : $"{detection.Type.ToAbiName()} cannot be attested");

    // The report_data binding for a VM report: the configured service's scheme (MAA, ITA: ITA issues its nonce here,
    // before the quote), else TeeWasm's. On an Azure CVM the paravisor chooses report_data (it binds the HCL claims, which
    // are what the service gets), so the service's scheme does not apply there, except for ITA when the source writes the
    // binding into the HCL user-data (Intel's Azure scheme: user-data = SHA-512(val || iat || runtime data)).
    private VmBinding BindVm(IVmEvidenceSource source, ReadOnlySpan<byte> nonce) =>
        _options.VmTokenService is { } service && (source is not AzureVtpmEvidenceSource azure
            || (azure.WritesHclUserData && service.BindsThroughHclUserData))
            ? service.Bind(_moduleHash, HostKey.PublicPoint, nonce, _workload)
            : VmBinding.TeeWasm(_moduleHash, HostKey.PublicPoint, nonce, _workload);

    /// <summary>What the verifier established, with what this run adds: the workload digest and the measurement log's value.</summary>
    private VerifiedEvidence RunClaims(VerifiedEvidence verified) =>
        verified with { WorkloadSha256 = _workload?.Digest, MeasurementLog = MeasurementLog?.Current };

    // Results are cached per nonce and measurement log length: a token names the log's value when it was issued.
    private string CacheKey(ReadOnlySpan<byte> nonce) => $"{Convert.ToHexStringLower(nonce)}/{MeasurementLog?.Current.Entries ?? 0}";

    private AttestationResult Issue(CollectedEvidence collected, string teeName, long now, VmBinding binding)
    {
        VerifiedEvidence verified = RunClaims(collected.Verified);
        var (token, expires) = _issuer.Issue(verified);
        AttestationEvidence evidence = collected.Evidence with { Binding = binding };
        if (_options.VmTokenService is { } service && collected.Verified.Subject == "vm")
        {
            // A configured VM token service's token replaces the local one (the local verification still had to pass).
            token = service.Attest(evidence);
            expires = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).ValidTo is var exp && exp > DateTime.MinValue
                ? new DateTimeOffset(exp, TimeSpan.Zero) : expires;
        }
        return new AttestationResult
        {
            Success = true,
            Token = token,
            Evidence = EvidenceDocument.Write(evidence),
            Timestamp = now,
            TeeType = teeName,
            Simulated = collected.Verified.Simulated,
            ExpiresAt = expires,
            Appraisal = collected.Appraisal,
            Binding = binding,
            TypedEvidence = evidence,
            Verified = verified,
        };
    }

    /// <summary>
    /// Attests the VM and evaluates <paramref name="policy"/> on the verified evidence (the <c>--require-attestation</c>
    /// gate); false with the reason when attestation fails or the policy refuses the platform.
    /// </summary>
    public (bool Ok, string Reason) CheckVm(AttestationPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var result = AttestVm();
        if (!result.Success) return (false, "VM attestation failed: " + (result.Error ?? "unknown error"));
        var verdict = result.Evaluate(policy, _moduleHash, HostKey.PublicPoint, []);
        return verdict.Allowed ? (true, $"{result.TeeType} attested; policy allows it") : (false, "policy refused the platform: " + verdict);
    }

    /// <summary>What a guest of this attester sees of <paramref name="result"/> (for its <paramref name="nonce"/>) under <paramref name="policy"/>.</summary>
    public AttestationResult UnderPolicy(AttestationPolicy? policy, AttestationResult result, ReadOnlySpan<byte> nonce)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.UnderPolicy(policy, _moduleHash, HostKey.PublicPoint, nonce);
    }

    private bool TryCached((string, int, string) key, out AttestationResult result)
    {
        if (_cache.TryGetValue(key, out result!) && result.ExpiresAt > _options.Time.GetUtcNow() + TimeSpan.FromSeconds(30))
            return true;
        _cache.Remove(key);
        return false;
    }

    private AttestationResult Remember((string, int, string) key, AttestationResult result)
    {
        _cache[key] = result;
        return result;
    }

    /// <inheritdoc />
    public void Dispose() => HostKey.Dispose();

    /// <summary>SHA-256 of a module's bytes.</summary>
    public static byte[] HashModule(ReadOnlySpan<byte> wasm) => SHA256.HashData(wasm);
}

/// <summary>A GPU the host has, as its driver names it.</summary>
/// <param name="Index">Its index (the <c>attest_gpu</c> index).</param>
/// <param name="Name">Its name.</param>
/// <param name="Uuid">Its UUID.</param>
public sealed record GpuDescription(int Index, string Name, string Uuid);
