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
}
