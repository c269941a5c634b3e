using System.Security.Cryptography;

namespace TeeWasm.Attestation.Evidence;

/// <summary>
/// What a VM report's report_data commits to, and how: the module hash, host key and relying-party nonce, the
/// <see cref="BindingScheme"/>, and for the service schemes the runtime data (and ITA nonce) that were hashed. The
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

    /// <summary>The runtime data sent to the service (<see cref="BindingRuntimeData"/>); null for <see cref="BindingScheme.TeeWasm"/>.</summary>
    public byte[]? RuntimeData { get; init; }

    /// <summary>The Intel Trust Authority nonce the report is bound to (<see cref="BindingScheme.Ita"/> only).</summary>
    public ItaVerifierNonce? ItaNonce { get; init; }

    /// <summary>The 64 bytes the report must carry.</summary>
    public required byte[] ReportData { get; init; }

    /// <summary>TeeWasm's own binding (<see cref="ReportDataBinding.Compute"/>).</summary>
    public static VmBinding TeeWasm(ReadOnlySpan<byte> moduleHash, ReadOnlySpan<byte> hostKey, ReadOnlySpan<byte> nonce) => new()
    {
        Scheme = BindingScheme.TeeWasm,
        ModuleHash = moduleHash.ToArray(),
        HostKey = hostKey.ToArray(),
        Nonce = nonce.ToArray(),
        ReportData = ReportDataBinding.Compute(moduleHash, hostKey, nonce),
    };

    /// <summary>Azure Attestation's binding: report_data = SHA-256(runtime data) ‖ 32 zero bytes.</summary>
    public static VmBinding Maa(ReadOnlySpan<byte> moduleHash, ReadOnlySpan<byte> hostKey, ReadOnlySpan<byte> nonce)
    {
        byte[] runtimeData = ValidatedRuntimeData(moduleHash, hostKey, nonce);
        return new()
        {
            Scheme = BindingScheme.Maa,
            ModuleHash = moduleHash.ToArray(),
            HostKey = hostKey.ToArray(),
            Nonce = nonce.ToArray(),
            RuntimeData = runtimeData,
            ReportData = MaaReportData(runtimeData),
        };
    }

    /// <summary>Intel Trust Authority's binding: report_data = SHA-512(nonce.val ‖ nonce.iat ‖ runtime data).</summary>
    public static VmBinding Ita(ReadOnlySpan<byte> moduleHash, ReadOnlySpan<byte> hostKey, ReadOnlySpan<byte> nonce, ItaVerifierNonce itaNonce)
    {
        ArgumentNullException.ThrowIfNull(itaNonce);
        byte[] runtimeData = ValidatedRuntimeData(moduleHash, hostKey, nonce);
        return new()
        {
            Scheme = BindingScheme.Ita,
            ModuleHash = moduleHash.ToArray(),
            HostKey = hostKey.ToArray(),
            Nonce = nonce.ToArray(),
            RuntimeData = runtimeData,
            ItaNonce = itaNonce,
            ReportData = ItaReportData(itaNonce.ValBytes, itaNonce.IatBytes, runtimeData),
        };
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
        ItaNonceFields? ItaNonce);

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
        if (scheme == BindingScheme.TeeWasm) return TeeWasm(moduleHash, hostKey, nonce);

        string name = scheme.ToName();
        byte[] runtimeData = Base64(binding.RuntimeData, "runtime_data", name);
        if (!BindingRuntimeData.TryRead(runtimeData, out byte[]? rdModule, out byte[]? rdKey, out byte[]? rdNonce, out string? error))
            throw new AttestationException($"binding ({name}): {error}");
        if (!rdModule.AsSpan().SequenceEqual(moduleHash)) throw new AttestationException($"binding ({name}): runtime data names another module hash than the binding");
        if (!rdKey.AsSpan().SequenceEqual(hostKey)) throw new AttestationException($"binding ({name}): runtime data names another host key than the binding");
        if (!rdNonce.AsSpan().SequenceEqual(nonce)) throw new AttestationException($"binding ({name}): runtime data names another nonce than the binding");
        if (scheme == BindingScheme.Maa)
        {
            return new VmBinding
            {
                Scheme = scheme, ModuleHash = moduleHash, HostKey = hostKey, Nonce = nonce, RuntimeData = runtimeData,
                ReportData = MaaReportData(runtimeData),
            };
        }
        if (binding.ItaNonce is not { Val: { } val, Iat: { } iat } n)
            throw new AttestationException("binding (ita) lacks ita_nonce {val, iat} (base64)");
        var itaNonce = new ItaVerifierNonce(val, iat, n.Signature ?? "");
        return new VmBinding
        {
            Scheme = scheme, ModuleHash = moduleHash, HostKey = hostKey, Nonce = nonce, RuntimeData = runtimeData, ItaNonce = itaNonce,
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

    private static byte[] ValidatedRuntimeData(ReadOnlySpan<byte> moduleHash, ReadOnlySpan<byte> hostKey, ReadOnlySpan<byte> nonce)
    {
        if (moduleHash.Length != 32) throw new ArgumentException("module hash must be 32 bytes (SHA-256)", nameof(moduleHash));
        if (nonce.Length > ReportDataBinding.MaxNonceLength) throw new ArgumentException($"nonce longer than {ReportDataBinding.MaxNonceLength} bytes", nameof(nonce));
        return BindingRuntimeData.Write(moduleHash, hostKey, nonce);
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
