using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using TeeWasm.Attestation.Inputs;

namespace TeeWasm.Attestation.Policy;

/// <summary>
/// A verification policy read from JSON (documented in docs/policy.md). Unknown keys are an error, so a typo cannot
/// silently weaken a policy. Every rule left out imposes nothing, except the safe defaults: debug forbidden, simulated
/// evidence refused, report_data binding required.
/// </summary>
public sealed record AttestationPolicy
{
    private const bool RequireReportDataBindingByDefault = true;

    /// <summary>A policy of the safe defaults.</summary>
    public AttestationPolicy() { }

    /// <summary>
    /// The JSON constructor: what a policy file leaves out keeps its default. The source-generated serializer sets every
    /// init-only property from the file, absent ones to default(T), except those it is given as constructor parameters
    /// (dotnet/runtime#84484); these are the properties whose default is not default(T).
    /// </summary>
    [JsonConstructor]
    internal AttestationPolicy(IReadOnlyList<string> acceptedPlatforms = null!, bool requireReportDataBinding = RequireReportDataBindingByDefault)
    {
        AcceptedPlatforms = acceptedPlatforms ?? AcceptedPlatforms;
        RequireReportDataBinding = requireReportDataBinding;
    }

    /// <summary>Platforms accepted ("AMD SEV-SNP", "Intel TDX", "NVIDIA GPU"; "simulated" also admits simulator evidence).</summary>
    [JsonPropertyName("accepted_platforms")]
    public IReadOnlyList<string> AcceptedPlatforms { get; init; } = ["AMD SEV-SNP", "Intel TDX"];

    /// <summary>Accept evidence from the simulator (also enabled by listing "simulated" in <see cref="AcceptedPlatforms"/>).</summary>
    [JsonPropertyName("allow_simulated")]
    public bool AllowSimulated { get; init; }

    /// <summary>Accept a guest whose TEE allows debugging (SNP policy DEBUG bit, TDX TD attributes DEBUG).</summary>
    [JsonPropertyName("allow_debug")]
    public bool AllowDebug { get; init; }

    /// <summary>Require that report_data was checked against our binding (module, host key, nonce).</summary>
    [JsonPropertyName("require_report_data_binding")]
    public bool RequireReportDataBinding { get; init; } = RequireReportDataBindingByDefault;

    /// <summary>Oldest acceptable evidence, in seconds; null for no limit.</summary>
    [JsonPropertyName("max_evidence_age_seconds")]
    public long? MaxEvidenceAgeSeconds { get; init; }

    /// <summary>Rules for AMD SEV-SNP reports.</summary>
    [JsonPropertyName("snp")]
    public SnpPolicy? Snp { get; init; }

    /// <summary>Rules for Intel TDX quotes.</summary>
    [JsonPropertyName("tdx")]
    public TdxPolicy? Tdx { get; init; }

    /// <summary>Rules for NVIDIA GPUs (parsed and kept; evaluated by the GPU verifier).</summary>
    [JsonPropertyName("gpu")]
    public GpuPolicy? Gpu { get; init; }

    /// <summary>The platform name for simulator evidence in <see cref="AcceptedPlatforms"/>.</summary>
    public const string SimulatedPlatform = "simulated";

    /// <summary>Parses a policy; throws <see cref="PolicyException"/> on bad JSON, unknown keys or bad values.</summary>
    public static AttestationPolicy Parse(string json)
    {
        AttestationPolicy? policy;
        try
        {
            policy = JsonSerializer.Deserialize(json, PolicyJsonContext.Default.AttestationPolicy);
        }
        catch (JsonException e)
        {
            throw PolicyException.FromJson(e, PolicyJsonContext.Default.AttestationPolicy);
        }
        if (policy is null) throw new PolicyException("invalid policy: null");
        policy.Validate();
        return policy;
    }

    /// <summary>
    /// SHA-256 of the policy's RFC 8785 canonical form as it serializes: what a workload document names as its policy
    /// (the whitespace, comments and member order of the file do not count).
    /// </summary>
    public byte[] Sha256() =>
        System.Security.Cryptography.SHA256.HashData(Evidence.EvidenceDocument.Parse(JsonSerializer.Serialize(this, PolicyJsonContext.Default.AttestationPolicy)).Canonical());

    /// <summary>Reads and parses a policy file.</summary>
    public static AttestationPolicy Load(string path)
    {
        string text;
        try
        {
            text = BoundedRead.Text(path, InputLimits.Policy, "policy file");
        }
        catch (InputTooLargeException e)
        {
            throw new PolicyException(e.Message, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PolicyException($"cannot read policy {path}: {e.Message}", e);
        }
        try
        {
            return Parse(text);
        }
        catch (PolicyException e)
        {
            throw e.UnknownKey is { } key ? new PolicyException($"{path}: {e.Message}", key, e.KnownKeys, e) : new PolicyException($"{path}: {e.Message}", e);
        }
    }

    private void Validate()
    {
        string[] known = ["AMD SEV-SNP", "Intel TDX", "NVIDIA GPU", SimulatedPlatform];
        foreach (string p in AcceptedPlatforms)
            if (!known.Contains(p, StringComparer.Ordinal)) throw new PolicyException($"accepted_platforms: unknown platform '{p}' (known: {string.Join(", ", known)})");
        if (MaxEvidenceAgeSeconds is < 0) throw new PolicyException("max_evidence_age_seconds must not be negative");
        Snp?.Validate();
        Tdx?.Validate();
        Gpu?.Validate();
    }

    internal static void ValidateHexList(IReadOnlyList<string>? list, string name, int bytes)
    {
        if (list is null) return;
        foreach (string h in list)
        {
            if (h.Length != 2 * bytes || !h.All(Uri.IsHexDigit))
                throw new PolicyException($"{name}: '{h}' is not {bytes} bytes of hex");
        }
    }
}

/// <summary>AMD SEV-SNP rules.</summary>
public sealed record SnpPolicy
{
    /// <summary>Minimum REPORTED_TCB, component by component.</summary>
    [JsonPropertyName("min_tcb")]
    public SnpMinTcb? MinTcb { get; init; }

    /// <summary>Accepted MEASUREMENT values (48-byte hex); null or empty accepts any.</summary>
    [JsonPropertyName("allowed_measurements")]
    public IReadOnlyList<string>? AllowedMeasurements { get; init; }

    /// <summary>Minimum GUEST_SVN.</summary>
    [JsonPropertyName("min_guest_svn")]
    public uint? MinGuestSvn { get; init; }

    /// <summary>Highest (least privileged is higher) VMPL accepted: a report from VMPL above this is refused.</summary>
    [JsonPropertyName("max_vmpl")]
    public uint? MaxVmpl { get; init; }

    internal void Validate()
    {
        AttestationPolicy.ValidateHexList(AllowedMeasurements, "snp.allowed_measurements", 48);
        if (MaxVmpl is > 3) throw new PolicyException("snp.max_vmpl must be 0..3");
    }
}

/// <summary>Minimum SNP TCB components (each 0..255).</summary>
public sealed record SnpMinTcb
{
    /// <summary>Boot loader SPL.</summary>
    [JsonPropertyName("bootloader")] public byte Bootloader { get; init; }

    /// <summary>PSP OS (TEE) SPL.</summary>
    [JsonPropertyName("tee")] public byte Tee { get; init; }

    /// <summary>SNP firmware SPL.</summary>
    [JsonPropertyName("snp")] public byte Snp { get; init; }

    /// <summary>Microcode SPL.</summary>
    [JsonPropertyName("microcode")] public byte Microcode { get; init; }
}

/// <summary>Intel TDX rules.</summary>
public sealed record TdxPolicy
{
    /// <summary>Accepted MRTD values (48-byte hex); null or empty accepts any.</summary>
    [JsonPropertyName("allowed_mrtd")]
    public IReadOnlyList<string>? AllowedMrtd { get; init; }

    /// <summary>Accepted values per RTMR index ("0".."3" → list of 48-byte hex); indices left out accept any.</summary>
    [JsonPropertyName("allowed_rtmr")]
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? AllowedRtmr { get; init; }

    /// <summary>Minimum TEE_TCB_SVN (16-byte hex), compared byte by byte.</summary>
    [JsonPropertyName("min_tee_tcb_svn")]
    public string? MinTeeTcbSvn { get; init; }

    /// <summary>Accepted TCB statuses from Intel's collateral ("UpToDate", "SWHardeningNeeded", "OutOfDate", …); null or empty accepts any.</summary>
    [JsonPropertyName("accepted_tcb_status")]
    public IReadOnlyList<string>? AcceptedTcbStatus { get; init; }

    /// <summary>The TCB statuses Intel's collateral names, in Intel's order (the TDX platform's TcbStatus values).</summary>
    public static IReadOnlyList<string> KnownTcbStatuses { get; } =
        ["UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded", "OutOfDate", "OutOfDateConfigurationNeeded", "Revoked"];

    internal void Validate()
    {
        AttestationPolicy.ValidateHexList(AllowedMrtd, "tdx.allowed_mrtd", 48);
        foreach (var (index, values) in AllowedRtmr ?? new Dictionary<string, IReadOnlyList<string>>())
        {
            if (index is not ("0" or "1" or "2" or "3")) throw new PolicyException($"tdx.allowed_rtmr: index '{index}' is not 0..3");
            AttestationPolicy.ValidateHexList(values, $"tdx.allowed_rtmr.{index}", 48);
        }
        if (MinTeeTcbSvn is not null) AttestationPolicy.ValidateHexList([MinTeeTcbSvn], "tdx.min_tee_tcb_svn", 16);
        foreach (string status in AcceptedTcbStatus ?? [])
        {
            if (!KnownTcbStatuses.Contains(status, StringComparer.Ordinal))
                throw new PolicyException($"tdx.accepted_tcb_status: unknown status '{status}' (known: {string.Join(", ", KnownTcbStatuses)})");
        }
    }
}

/// <summary>
/// NVIDIA GPU rules, evaluated on verified GPU evidence (<c>attest_gpu</c> under
/// <c>--policy</c>). The versions and the measurement digest come from the signed SPDM report, not from NVML's word.
/// </summary>
public sealed record GpuPolicy
{
    private const bool CcModeRequiredByDefault = true;

    /// <summary>The default GPU rules: CC mode required.</summary>
    public GpuPolicy() { }

    /// <summary>The JSON constructor (see <see cref="AttestationPolicy"/>'s): <c>cc_mode_required</c> left out stays required.</summary>
    [JsonConstructor]
    internal GpuPolicy(bool ccModeRequired = CcModeRequiredByDefault) => CcModeRequired = ccModeRequired;

    /// <summary>Require confidential-computing mode on.</summary>
    [JsonPropertyName("cc_mode_required")]
    public bool CcModeRequired { get; init; } = CcModeRequiredByDefault;

    /// <summary>Minimum driver version (e.g. "550.54.15"): dot-separated decimal components, compared numerically one by one.</summary>
    [JsonPropertyName("min_driver_version")]
    public string? MinDriverVersion { get; init; }

    /// <summary>Minimum VBIOS version (e.g. "96.00.74.00.01"): dot-separated hexadecimal components, compared numerically one by one.</summary>
    [JsonPropertyName("min_vbios_version")]
    public string? MinVbiosVersion { get; init; }

    /// <summary>
    /// Accepted measurement digests: 48 bytes of hex each, compared with SHA-384 over the SPDM measurement record
    /// (every measurement block of the signed GET_MEASUREMENTS response);
    /// null or empty accepts any (the RIM comparison still applies where RIMs are given).
    /// </summary>
    [JsonPropertyName("allowed_measurements")]
    public IReadOnlyList<string>? AllowedMeasurements { get; init; }

    internal void Validate()
    {
        AttestationPolicy.ValidateHexList(AllowedMeasurements, "gpu.allowed_measurements", 48);
        if (MinDriverVersion is not null && !GpuVersion.TryParse(MinDriverVersion, 10, out _))
            throw new PolicyException($"gpu.min_driver_version: '{MinDriverVersion}' is not a version of dot-separated decimal numbers (e.g. 550.54.15)");
        if (MinVbiosVersion is not null && !GpuVersion.TryParse(MinVbiosVersion, 16, out _))
            throw new PolicyException($"gpu.min_vbios_version: '{MinVbiosVersion}' is not a version of dot-separated hex numbers (e.g. 96.00.74.00.01)");
    }
}

/// <summary>Dot-separated GPU versions (driver: decimal components; VBIOS: hexadecimal), compared component by component.</summary>
public static class GpuVersion
{
    /// <summary>Parses <paramref name="text"/> into its components in base 10 or 16; false when a component is not a number.</summary>
    public static bool TryParse(string? text, int radix, out long[] components)
    {
        components = [];
        if (string.IsNullOrWhiteSpace(text)) return false;
        string[] parts = text.Trim().Split('.');
        var values = new long[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            NumberStyles style = radix == 16 ? NumberStyles.AllowHexSpecifier : NumberStyles.None;
            if (parts[i].Length is 0 or > 12 || !long.TryParse(parts[i], style, CultureInfo.InvariantCulture, out values[i])) return false;
        }
        components = values;
        return true;
    }

    /// <summary>Compares two parsed versions numerically by component; a missing trailing component counts as 0.</summary>
    public static int Compare(IReadOnlyList<long> a, IReadOnlyList<long> b)
    {
        for (int i = 0; i < Math.Max(a.Count, b.Count); i++)
        {
            long x = i < a.Count ? a[i] : 0, y = i < b.Count ? b[i] : 0;
            if (x != y) return x.CompareTo(y);
        }
        return 0;
    }
}
