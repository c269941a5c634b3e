namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>What NVML hands back for one GPU: identity, CC state, the attestation report and the certificate chain.</summary>
public sealed record NvmlGpuEvidence
{
    /// <summary>NVML device index.</summary>
    public required int Index { get; init; }

    /// <summary>The product name.</summary>
    public required string Name { get; init; }

    /// <summary>The GPU UUID ("GPU-…").</summary>
    public required string Uuid { get; init; }

    /// <summary>The kernel driver version (nvmlSystemGetDriverVersion).</summary>
    public required string DriverVersion { get; init; }

    /// <summary>The VBIOS version (nvmlDeviceGetVbiosVersion), or null when unavailable.</summary>
    public string? VbiosVersion { get; init; }

    /// <summary>The system's confidential-computing state.</summary>
    public required NvmlConfComputeState ConfCompute { get; init; }

    /// <summary>The nonce the report was requested over.</summary>
    public required byte[] Nonce { get; init; }

    /// <summary>The SPDM attestation report bytes (attestationReportSize of them).</summary>
    public required byte[] Report { get; init; }

    /// <summary>The attestation certificate chain, PEM, leaf first.</summary>
    public required string CertificateChainPem { get; init; }
}
