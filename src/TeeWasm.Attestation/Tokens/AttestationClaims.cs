namespace TeeWasm.Attestation.Tokens;

/// <summary>Claim names of the tokens the host's local verifier issues.</summary>
public static class AttestationClaims
{
    /// <summary>The issuer name of the host's local verifier.</summary>
    public const string LocalIssuer = "tee-wasm-local-verifier";

    /// <summary>"AMD SEV-SNP", "Intel TDX" or "NVIDIA GPU".</summary>
    public const string Platform = "platform";
    /// <summary>"vm" or "gpu".</summary>
    public const string Subject = "sub";
    /// <summary>Launch measurement (hex).</summary>
    public const string Measurement = "measurement";
    /// <summary>The report_data the hardware signed (hex, 64 bytes).</summary>
    public const string ReportData = "report_data";
    /// <summary>SHA-256 of the guest module (hex).</summary>
    public const string ModuleHash = "module_hash";
    /// <summary>The relying party's nonce (hex, may be empty).</summary>
    public const string Nonce = "nonce";
    /// <summary>The host key's public point (base64url, SEC1 uncompressed).</summary>
    public const string HostKey = "host_key";
    /// <summary>True when the evidence came from the simulator.</summary>
    public const string Simulated = "simulated";
    /// <summary>GPU index, for GPU tokens.</summary>
    public const string GpuIndex = "gpu_index";
    /// <summary>Evidence verification verdict details (e.g. the product whose root matched).</summary>
    public const string Verifier = "verifier";
    /// <summary>A GPU's UUID, as its collector states it.</summary>
    public const string DeviceId = "uuid";
    /// <summary>SHA-256 of the launch's workload document (hex), bound into <see cref="ReportData"/>; absent when the launch is not bound.</summary>
    public const string WorkloadSha256 = "workload_sha256";
    /// <summary>The runtime measurement log's value when the token was issued (hex).</summary>
    public const string MeasurementLog = "measurement_log";
    /// <summary>How many entries that value covers.</summary>
    public const string MeasurementLogLength = "measurement_log_length";
    /// <summary>A composite token's devices: one object per device (<c>device</c>, <c>platform</c>, <c>measurement</c>, <c>report_data</c>, GPUs <c>gpu_index</c>, <c>uuid</c>).</summary>
    public const string Devices = "devices";
    /// <summary>The subject of a composite token (the VM and every GPU, one nonce, one host key).</summary>
    public const string CompositeSubject = "composite";
}
