using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Verification;

/// <summary>What verified evidence establishes, platform-neutral (for tokens, the key broker and audit lines).</summary>
public sealed record EvidenceClaims
{
    /// <summary>The platform's ABI name: "AMD SEV-SNP", "Intel TDX" or "NVIDIA GPU".</summary>
    public required string Platform { get; init; }

    /// <summary>What was attested.</summary>
    public required EvidenceSubject Subject { get; init; }

    /// <summary>Launch measurement (MEASUREMENT, MRTD) or the GPU's measurement digest.</summary>
    public required byte[] Measurement { get; init; }

    /// <summary>The report_data the hardware signed (GPU: the request nonce); for Azure vTPM the binding the TPM quote carries.</summary>
    public required byte[] ReportData { get; init; }

    /// <summary>True when the guest can be debugged by the host (SNP policy DEBUG, TDX TUD.DEBUG).</summary>
    public bool Debug { get; init; }

    /// <summary>True when the evidence chains to the simulator's root (never taken from the evidence's own flag).</summary>
    public bool Simulated { get; init; }
}
