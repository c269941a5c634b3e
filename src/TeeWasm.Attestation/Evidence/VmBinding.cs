using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TeeWasm.Attestation.Evidence;

/// <summary>
/// What a VM report's report_data commits to, and how: the module hash, host key and relying-party nonce, the
/// <see cref="BindingScheme"/>, and for the service schemes the runtime data (and ITA nonce) that were hashed. The
/// <see cref="Attester"/> asks the configured VM token service for one before collecting evidence, and records it as
/// the evidence JSON's <c>binding</c> object; verifiers read it back with <see cref="FromJson"/>.
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

    /// <summary>The evidence JSON's <c>binding</c> object (for <see cref="BindingScheme.TeeWasm"/> exactly what TeeWasm always wrote).</summary>
    public JsonObject ToJson()
    {
        var o = new JsonObject
        {
            ["scheme"] = Scheme.ToName(),
            ["module_sha256"] = Convert.ToHexStringLower(ModuleHash),
            ["host_key"] = Convert.ToHexStringLower(HostKey),
            ["nonce"] = Convert.ToHexStringLower(Nonce),
        };
        if (RuntimeData is { } rd) o["runtime_data"] = Convert.ToBase64String(rd);
        if (ItaNonce is { } n) o["ita_nonce"] = new JsonObject { ["val"] = n.Val, ["iat"] = n.Iat, ["signature"] = n.Signature };
        return o;
    }

    /// <summary>
    /// Reads and checks a <c>binding</c> object: the scheme is known, the runtime data (service schemes) parses and names
    /// the same module, host key and nonce, and <see cref="ReportData"/> is recomputed from it. Whether the report carries
    /// that report_data, and whether the nonce is the expected one, is the caller's check.
    /// </summary>
    /// <exception cref="AttestationException">The reason the binding is malformed or inconsistent.</exception>
    public static VmBinding FromJson(JsonElement binding)
    {
        if (binding.ValueKind != JsonValueKind.Object) throw new AttestationException("binding is not a JSON object");
        string? schemeName = null;
        if (binding.TryGetProperty("scheme", out var s))
            schemeName = s.ValueKind == JsonValueKind.String ? s.GetString() : throw new AttestationException("binding scheme is not a string");
        if (!BindingSchemeNames.TryParse(schemeName, out var scheme))
            throw new AttestationException($"unknown binding scheme '{schemeName}' (known: {BindingSchemeNames.TeeWasm}, {BindingSchemeNames.Maa}, {BindingSchemeNames.Ita})");
        byte[] moduleHash = Hex(binding, "module_sha256"), hostKey = Hex(binding, "host_key"), nonce = Hex(binding, "nonce");
        if (moduleHash.Length != 32) throw new AttestationException("binding module_sha256 is not 32 bytes");
        if (nonce.Length > ReportDataBinding.MaxNonceLength) throw new AttestationException($"binding nonce is longer than {ReportDataBinding.MaxNonceLength} bytes");
        if (scheme == BindingScheme.TeeWasm) return TeeWasm(moduleHash, hostKey, nonce);

        string name = scheme.ToName();
        byte[] runtimeData = Base64(binding, "runtime_data", name);
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
        if (!binding.TryGetProperty("ita_nonce", out var n) || n.ValueKind != JsonValueKind.Object ||
            !TryString(n, "val", out string? val) || !TryString(n, "iat", out string? iat))
            throw new AttestationException("binding (ita) lacks ita_nonce {val, iat} (base64)");
        var itaNonce = new ItaVerifierNonce(val, iat, TryString(n, "signature", out string? sig) ? sig : "");
        return new VmBinding
        {
            Scheme = scheme, ModuleHash = moduleHash, HostKey = hostKey, Nonce = nonce, RuntimeData = runtimeData, ItaNonce = itaNonce,
            ReportData = ItaReportData(itaNonce.ValBytes, itaNonce.IatBytes, runtimeData),
        };
    }

    /// <summary>
    /// The report_data that evidence JSON from the <see cref="Attester"/> must carry for these inputs: by its binding's
    /// scheme when it records a service scheme (after checking that the binding names these inputs), else TeeWasm's.
    /// </summary>
    /// <exception cref="AttestationException">The binding is malformed or names other inputs.</exception>
    public static byte[] ExpectedReportData(string? evidenceJson, ReadOnlySpan<byte> moduleHash, ReadOnlySpan<byte> hostKey, ReadOnlySpan<byte> nonce)
    {
        if (evidenceJson is not null)
        {
            JsonElement binding;
            try
            {
                using var doc = JsonDocument.Parse(evidenceJson);
                if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("binding", out var b))
                    return ReportDataBinding.Compute(moduleHash, hostKey, nonce);
                binding = b.Clone();
            }
            catch (JsonException)
            {
                return ReportDataBinding.Compute(moduleHash, hostKey, nonce);
            }
            var bound = FromJson(binding);
            if (bound.Scheme != BindingScheme.TeeWasm)
            {
                if (!bound.Names(moduleHash, hostKey, nonce, out string? mismatch))
                    throw new AttestationException($"evidence binding ({bound.Scheme.ToName()}) names another {mismatch}");
                return bound.ReportData;
            }
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

    private static bool TryString(JsonElement o, string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        value = o.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        return value is not null;
    }

    private static byte[] Hex(JsonElement binding, string name)
    {
        try
        {
            if (TryString(binding, name, out string? text)) return Convert.FromHexString(text);
        }
        catch (FormatException)
        {
        }
        throw new AttestationException($"binding lacks {name} (hex)");
    }

    private static byte[] Base64(JsonElement binding, string name, string scheme)
    {
        try
        {
            if (TryString(binding, name, out string? text)) return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
        }
        throw new AttestationException($"binding ({scheme}) lacks {name} (base64)");
    }
}
