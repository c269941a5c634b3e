using System.Security.Cryptography;

namespace TeeWasm.Attestation.Evidence;

/// <summary>
/// What a VM report's report_data commits to, and how: the module hash, host key and relying-party nonce, the launch's
/// workload digest (and document) when the launch is bound, the <see cref="BindingScheme"/>, and for the service
/// schemes the runtime data (and ITA nonce) that were hashed. The
/// attester asks the configured VM token service for one before collecting evidence and records it with the evidence
/// (<see cref="AttestationEvidence.Binding"/>; in JSON the <c>binding</c> object, read by <see cref="EvidenceDocument.GetBinding"/>).
/// </summary>
public sealed record VmBinding
{
    /// <summary>How report_data is derived.</summary>
    public required BindingScheme Scheme { get; init; }

    /// <summary>SHA-256 of the guest module.</summary>
    public required byte[] ModuleHash { get; init; }

    /// <summary>The host key's public point (SEC1).</summary>
    public required byte[] HostKey { get; init; }

    /// <summary>The relying party's nonce (0..64 bytes).</summary>
    public required byte[] Nonce { get; init; }

    /// <summary>SHA-256 of the launch's workload document, when the launch is bound (<see cref="WorkloadIdentity"/>); null otherwise.</summary>
    public byte[]? WorkloadSha256 { get; init; }

    /// <summary>The workload document itself, when the evidence carries it (its digest is <see cref="WorkloadSha256"/>).</summary>
    public WorkloadIdentity? Workload { get; init; }

    /// <summary>The runtime data sent to the service (<see cref="BindingRuntimeData"/>); null for TeeWasm's schemes.</summary>
    public byte[]? RuntimeData { get; init; }

    /// <summary>The Intel Trust Authority nonce the report is bound to (<see cref="BindingScheme.Ita"/> only).</summary>
    public ItaVerifierNonce? ItaNonce { get; init; }

    /// <summary>The 64 bytes the report must carry.</summary>
    public required byte[] ReportData { get; init; }

    /// <summary>
    /// TeeWasm's own binding (<see cref="ReportDataBinding.Compute"/>), or with a <paramref name="workload"/> the launch's
    /// (<see cref="BindingScheme.TeeWasmWorkload"/>, <see cref="ReportDataBinding.ComputeForWorkload"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The workload names another module.</exception>
    public static VmBinding TeeWasm(ReadOnlySpan<byte> moduleHash, ReadOnlySpan<byte> hostKey, ReadOnlySpan<byte> nonce, WorkloadIdentity? workload = null)
    {
        CheckWorkload(moduleHash, workload);
        return new()
        {
            Scheme = workload is null ? BindingScheme.TeeWasm : BindingScheme.TeeWasmWorkload,
            ModuleHash = moduleHash.ToArray(),
            HostKey = hostKey.ToArray(),
            Nonce = nonce.ToArray(),
            WorkloadSha256 = workload?.Digest.ToArray(),
            Workload = workload,
            ReportData = workload is null
                ? ReportDataBinding.Compute(moduleHash, hostKey, nonce)
                : ReportDataBinding.ComputeForWorkload(moduleHash, hostKey, workload.Digest, nonce),
        };
    }

    /// <summary>Azure Attestation's binding: report_data = SHA-256(runtime data) ‖ 32 zero bytes (the runtime data names the workload when there is one).</summary>
    /// <exception cref="ArgumentException">The workload names another module.</exception>
    public static VmBinding Maa(ReadOnlySpan<byte> moduleHash, ReadOnlySpan<byte> hostKey, ReadOnlySpan<byte> nonce, WorkloadIdentity? workload = null)
    {
        CheckWorkload(moduleHash, workload);
        byte[] runtimeData = ValidatedRuntimeData(moduleHash, hostKey, nonce, workload);
        return new()
        {
            Scheme = BindingScheme.Maa,
            ModuleHash = moduleHash.ToArray(),
            HostKey = hostKey.ToArray(),
            Nonce = nonce.ToArray(),
            WorkloadSha256 = workload?.Digest.ToArray(),
            Workload = workload,
            RuntimeData = runtimeData,
            ReportData = MaaReportData(runtimeData),
        };
    }

    /// <summary>Intel Trust Authority's binding: report_data = SHA-512(nonce.val ‖ nonce.iat ‖ runtime data) (the runtime data names the workload when there is one).</summary>
    /// <exception cref="ArgumentException">The workload names another module.</exception>
    public static VmBinding Ita(ReadOnlySpan<byte> moduleHash, ReadOnlySpan<byte> hostKey, ReadOnlySpan<byte> nonce, ItaVerifierNonce itaNonce,
        WorkloadIdentity? workload = null)
    {
        ArgumentNullException.ThrowIfNull(itaNonce);
        CheckWorkload(moduleHash, workload);
        byte[] runtimeData = ValidatedRuntimeData(moduleHash, hostKey, nonce, workload);
        return new()
        {
            Scheme = BindingScheme.Ita,
            ModuleHash = moduleHash.ToArray(),
            HostKey = hostKey.ToArray(),
            Nonce = nonce.ToArray(),
            WorkloadSha256 = workload?.Digest.ToArray(),
            Workload = workload,
            RuntimeData = runtimeData,
            ItaNonce = itaNonce,
            ReportData = ItaReportData(itaNonce.ValBytes, itaNonce.IatBytes, runtimeData),
        };
    }

    private static void CheckWorkload(ReadOnlySpan<byte> moduleHash, WorkloadIdentity? workload)
    {
        if (workload is not null && !workload.ModuleSha256.AsSpan().SequenceEqual(moduleHash))
            throw new ArgumentException("the workload names another module than the one bound", nameof(workload));
    }

    /// <summary>SHA-256(<paramref name="runtimeData"/>) ‖ 32 zero bytes.</summary>
    public static byte[] MaaReportData(ReadOnlySpan<byte> runtimeData)
    {
        byte[] reportData = new byte[ReportDataBinding.Size];
        SHA256.HashData(runtimeData, reportData);
        return reportData;
    }

    /// <summary>SHA-512(<paramref name="val"/> ‖ <paramref name="iat"/> ‖ <paramref name="runtimeData"/>).</summary>
    public static byte[] ItaReportData(ReadOnlySpan<byte> val, ReadOnlySpan<byte> iat, ReadOnlySpan<byte> runtimeData)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        h.AppendData(val);
        h.AppendData(iat);
        h.AppendData(runtimeData);
        return h.GetHashAndReset();
    }

    /// <summary>The members of a <c>binding</c> object as read (<see cref="EvidenceDocument.GetBinding"/>), before any check.</summary>
    /// <param name="SchemeIsString">False when <c>scheme</c> is present but not a string.</param>
    /// <param name="Scheme">The scheme name, or null (older evidence: TeeWasm's).</param>
    /// <param name="ModuleSha256">Hex, or null.</param>
    /// <param name="HostKey">Hex, or null.</param>
    /// <param name="Nonce">Hex, or null.</param>
    /// <param name="RuntimeData">Base64, or null.</param>
    /// <param name="ItaNonce">The <c>ita_nonce</c> object, or null.</param>
    public sealed record Fields(bool SchemeIsString, string? Scheme, string? ModuleSha256, string? HostKey, string? Nonce, string? RuntimeData,
        ItaNonceFields? ItaNonce)
    {
        /// <summary>The <c>workload_sha256</c> member (hex), or null.</summary>
        public string? WorkloadSha256 { get; init; }

        /// <summary>The <c>workload</c> document, read, or null when there is none.</summary>
        public WorkloadIdentity? Workload { get; init; }
    }

    /// <summary>The members of an <c>ita_nonce</c> object as read.</summary>
    public sealed record ItaNonceFields(string? Val, string? Iat, string? Signature);

    /// <summary>
    /// Checks the members of a <c>binding</c> object: the scheme is known, the runtime data (service schemes) parses and
    /// names the same module, host key and nonce, and <see cref="ReportData"/> is recomputed from it. Whether the report
    /// carries that report_data, and whether the nonce is the expected one, is the caller's check.
    /// </summary>
    /// <exception cref="AttestationException">The reason the binding is malformed or inconsistent.</exception>
    public static VmBinding Create(Fields binding)
    {
        ArgumentNullException.ThrowIfNull(binding);
        if (!binding.SchemeIsString) throw new AttestationException("binding scheme is not a string");
        string? schemeName = binding.Scheme;
        if (!BindingSchemeNames.TryParse(schemeName, out var scheme))
            throw new AttestationException($"unknown binding scheme '{schemeName}' (known: {BindingSchemeNames.TeeWasm}, {BindingSchemeNames.Maa}, {BindingSchemeNames.Ita})");
        byte[] moduleHash = Hex(binding.ModuleSha256, "module_sha256"), hostKey = Hex(binding.HostKey, "host_key"), nonce = Hex(binding.Nonce, "nonce");
        if (moduleHash.Length != 32) throw new AttestationException("binding module_sha256 is not 32 bytes");
        if (nonce.Length > ReportDataBinding.MaxNonceLength) throw new AttestationException($"binding nonce is longer than {ReportDataBinding.MaxNonceLength} bytes");
        string name = scheme.ToName();
        byte[]? workloadSha256 = binding.WorkloadSha256 is null ? null : Hex(binding.WorkloadSha256, "workload_sha256");
        if (workloadSha256 is { Length: not 32 }) throw new AttestationException("binding workload_sha256 is not 32 bytes");
        if (binding.Workload is { } document)
        {
            if (workloadSha256 is null) throw new AttestationException("binding has a workload document but no workload_sha256");
            if (!document.Digest.AsSpan().SequenceEqual(workloadSha256))
                throw new AttestationException("binding's workload document does not hash to its workload_sha256 (the document was changed)");
            if (!document.ModuleSha256.AsSpan().SequenceEqual(moduleHash))
                throw new AttestationException("binding's workload document names another module than its module_sha256");
        }
        if (scheme == BindingScheme.TeeWasm)
        {
            return workloadSha256 is null ? TeeWasm(moduleHash, hostKey, nonce)
                : throw new AttestationException($"binding scheme {BindingSchemeNames.TeeWasm} binds no workload, but the binding names one (scheme {BindingSchemeNames.TeeWasmWorkload} does)");
        }
        if (scheme == BindingScheme.TeeWasmWorkload)
        {
            if (workloadSha256 is null) throw new AttestationException($"binding ({name}) lacks workload_sha256 (hex)");
            return new VmBinding
            {
                Scheme = scheme, ModuleHash = moduleHash, HostKey = hostKey, Nonce = nonce, WorkloadSha256 = workloadSha256, Workload = binding.Workload,
                ReportData = ReportDataBinding.ComputeForWorkload(moduleHash, hostKey, workloadSha256, nonce),
            };
        }

        byte[] runtimeData = Base64(binding.RuntimeData, "runtime_data", name);
        if (!BindingRuntimeData.TryRead(runtimeData, out BindingRuntimeData.Contents? rd, out string? error))
            throw new AttestationException($"binding ({name}): {error}");
        if (!rd.ModuleSha256.AsSpan().SequenceEqual(moduleHash)) throw new AttestationException($"binding ({name}): runtime data names another module hash than the binding");
        if (!rd.HostKey.AsSpan().SequenceEqual(hostKey)) throw new AttestationException($"binding ({name}): runtime data names another host key than the binding");
        if (!rd.Nonce.AsSpan().SequenceEqual(nonce)) throw new AttestationException($"binding ({name}): runtime data names another nonce than the binding");
        if (!(rd.WorkloadSha256 ?? []).AsSpan().SequenceEqual(workloadSha256 ?? []))
            throw new AttestationException($"binding ({name}): runtime data names another workload than the binding");
        if (scheme == BindingScheme.Maa)
        {
            return new VmBinding
            {
                Scheme = scheme, ModuleHash = moduleHash, HostKey = hostKey, Nonce = nonce, RuntimeData = runtimeData,
                WorkloadSha256 = workloadSha256, Workload = binding.Workload,
                ReportData = MaaReportData(runtimeData),
            };
        }
        if (binding.ItaNonce is not { Val: { } val, Iat: { } iat } n)
            throw new AttestationException("binding (ita) lacks ita_nonce {val, iat} (base64)");
        var itaNonce = new ItaVerifierNonce(val, iat, n.Signature ?? "");
        return new VmBinding
        {
            Scheme = scheme, ModuleHash = moduleHash, HostKey = hostKey, Nonce = nonce, RuntimeData = runtimeData, ItaNonce = itaNonce,
            WorkloadSha256 = workloadSha256, Workload = binding.Workload,
            ReportData = ItaReportData(itaNonce.ValBytes, itaNonce.IatBytes, runtimeData),
        };
    }

    /// <summary>
    /// The report_data a relying party should expect for its own module, host key and nonce, given the binding the
    /// evidence records: the recorded one when it is a service scheme and names these inputs, else TeeWasm's.
    /// </summary>
    /// <exception cref="AttestationException">The recorded binding names other inputs.</exception>
    public static byte[] ExpectedReportData(VmBinding? recorded, ReadOnlySpan<byte> moduleHash, ReadOnlySpan<byte> hostKey, ReadOnlySpan<byte> nonce)
    {
        if (recorded is { Scheme: not BindingScheme.TeeWasm })
        {
            if (!recorded.Names(moduleHash, hostKey, nonce, out string? mismatch))
                throw new AttestationException($"evidence binding ({recorded.Scheme.ToName()}) names another {mismatch}");
            return recorded.ReportData;
        }
        return ReportDataBinding.Compute(moduleHash, hostKey, nonce);
    }

    /// <summary>True when this binding names <paramref name="moduleHash"/>, <paramref name="hostKey"/> and <paramref name="nonce"/>; otherwise the first that differs.</summary>
    public bool Names(ReadOnlySpan<byte> moduleHash, ReadOnlySpan<byte> hostKey, ReadOnlySpan<byte> nonce, out string? mismatch)
    {
        mismatch = !ModuleHash.AsSpan().SequenceEqual(moduleHash) ? "module hash"
            : !HostKey.AsSpan().SequenceEqual(hostKey) ? "host key"
            : !Nonce.AsSpan().SequenceEqual(nonce) ? "nonce"
            : null;
        return mismatch is null;
    }

    private static byte[] ValidatedRuntimeData(ReadOnlySpan<byte> moduleHash, ReadOnlySpan<byte> hostKey, ReadOnlySpan<byte> nonce, WorkloadIdentity? workload)
    {
        if (moduleHash.Length != 32) throw new ArgumentException("module hash must be 32 bytes (SHA-256)", nameof(moduleHash));
        if (nonce.Length > ReportDataBinding.MaxNonceLength) throw new ArgumentException($"nonce longer than {ReportDataBinding.MaxNonceLength} bytes", nameof(nonce));
        return BindingRuntimeData.Write(moduleHash, hostKey, nonce, workload?.Digest);
    }

    private static byte[] Hex(string? text, string name)
    {
        try
        {
            if (text is not null) return Convert.FromHexString(text);
        }
        catch (FormatException)
        {
        }
        throw new AttestationException($"binding lacks {name} (hex)");
    }

    private static byte[] Base64(string? text, string name, string scheme)
    {
        try
        {
            if (text is not null) return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
        }
        throw new AttestationException($"binding ({scheme}) lacks {name} (base64)");
    }
}
