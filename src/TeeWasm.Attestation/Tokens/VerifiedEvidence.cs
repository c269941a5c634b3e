namespace TeeWasm.Attestation.Tokens;

/// <summary>What the local verifier established about a piece of evidence; the token issuer turns it into claims.</summary>
public sealed record VerifiedEvidence
{
    /// <summary>"AMD SEV-SNP", "Intel TDX" or "NVIDIA GPU".</summary>
    public required string Platform { get; init; }

    /// <summary>"vm" or "gpu".</summary>
    public required string Subject { get; init; }

    /// <summary>Launch measurement (MEASUREMENT, MRTD, or the GPU's measurement digest).</summary>
    public required byte[] Measurement { get; init; }

    /// <summary>The report_data (or GPU nonce field) the hardware signed.</summary>
    public required byte[] ReportData { get; init; }

    /// <summary>The relying party's nonce bound into <see cref="ReportData"/>.</summary>
    public required byte[] Nonce { get; init; }

    /// <summary>SHA-256 of the guest module bound into <see cref="ReportData"/>.</summary>
    public required byte[] ModuleHash { get; init; }

    /// <summary>True when the evidence came from the simulator.</summary>
    public bool Simulated { get; init; }

    /// <summary>The GPU index for GPU evidence.</summary>
    public int? GpuIndex { get; init; }

    /// <summary>The device's identity as its collector states it (a GPU's UUID), when known.</summary>
    public string? DeviceId { get; init; }

    /// <summary>SHA-256 of the launch's workload document bound into <see cref="ReportData"/>, when the launch is bound.</summary>
    public byte[]? WorkloadSha256 { get; init; }

    /// <summary>The runtime measurement log's value when the token was issued, when the run keeps one.</summary>
    public Evidence.MeasurementLogValue? MeasurementLog { get; init; }

    /// <summary>A short description of what was verified (e.g. "SNP report signed by VCEK, chain to ARK-Milan").</summary>
    public string? VerifierNote { get; init; }
}
