using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>Why NVIDIA GPU evidence could not be collected or was rejected.</summary>
public enum NvidiaFailureReason
{
    /// <summary>No failure.</summary>
    None,
    /// <summary>The report, certificate or document is malformed.</summary>
    Malformed,
    /// <summary>NVML (libnvidia-ml) is missing or one of its calls failed.</summary>
    Nvml,
    /// <summary>The GPU is not in confidential-computing mode.</summary>
    ConfidentialComputingOff,
    /// <summary>The requested GPU index does not exist.</summary>
    GpuIndexOutOfRange,
    /// <summary>The report's signature does not verify with the device certificate.</summary>
    ReportSignature,
    /// <summary>The device certificate chain is incomplete, broken or not rooted in the pinned NVIDIA root.</summary>
    CertificateChain,
    /// <summary>A certificate is outside its validity window at the verification time.</summary>
    CertificateExpired,
    /// <summary>The report is not over the nonce we asked for.</summary>
    NonceMismatch,
    /// <summary>The report's FWID differs from the device certificate's FWID.</summary>
    FwidMismatch,
    /// <summary>A RIM's XML signature does not verify.</summary>
    RimSignature,
    /// <summary>A RIM's signing chain does not reach the pinned RIM root.</summary>
    RimCertificateChain,
    /// <summary>A RIM's signing certificate has expired (or is not yet valid).</summary>
    RimExpired,
    /// <summary>A measurement differs from every value the RIM allows.</summary>
    MeasurementMismatch,
    /// <summary>No RIM for the report's driver or VBIOS version is available.</summary>
    RimNotAvailable,
    /// <summary>The NRAS service failed or returned a token that does not verify.</summary>
    Nras,
    /// <summary>NRAS's verdict verified and says the GPU is not attested (overall result false, or a measurement mismatch).</summary>
    NrasRefused,
    /// <summary>The nvattest CLI failed or returned an unacceptable result.</summary>
    Nvattest,
    /// <summary>A certificate of the device chain is revoked (or on hold), or its OCSP status cannot be established.</summary>
    CertificateRevoked,
}

/// <summary>NVIDIA GPU evidence could not be collected, parsed or verified; <see cref="Reason"/> says which way.</summary>
public sealed class NvidiaAttestationException : AttestationException
{
    /// <summary>Creates the exception.</summary>
    public NvidiaAttestationException(NvidiaFailureReason reason, string message) : base(message) => Reason = reason;

    /// <summary>Creates the exception with the error that caused it.</summary>
    public NvidiaAttestationException(NvidiaFailureReason reason, string message, Exception innerException)
        : base(message, innerException) => Reason = reason;

    /// <summary>What kind of failure this is.</summary>
    public NvidiaFailureReason Reason { get; }
}
