using System.Security.Cryptography.X509Certificates;

namespace TeeWasm.Attestation.Platforms.Snp;

/// <summary>Why a report was rejected.</summary>
public enum SnpFailureReason
{
    /// <summary>Not rejected.</summary>
    None = 0,
    /// <summary>The report is not a well-formed ATTESTATION_REPORT (size, reserved fields) or a certificate is malformed.</summary>
    Malformed,
    /// <summary>The report version is not 2..5.</summary>
    UnsupportedVersion,
    /// <summary>The report's signature algorithm is not ECDSA P-384 with SHA-384, or the leaf key is not P-384.</summary>
    UnsupportedAlgorithm,
    /// <summary>The report's signature does not verify with the VCEK/VLEK key.</summary>
    SignatureInvalid,
    /// <summary>The VCEK/VLEK → ASK/ASVK → ARK chain does not link or a certificate signature does not verify.</summary>
    ChainInvalid,
    /// <summary>The chain does not end at a trusted ARK (or ends at another product's root).</summary>
    WrongRoot,
    /// <summary>A certificate is outside its validity window at the verification time.</summary>
    CertificateExpired,
    /// <summary>No VCEK or VLEK was supplied.</summary>
    CertificateMissing,
    /// <summary>The VCEK/VLEK's TCB extensions differ from the report's REPORTED_TCB.</summary>
    TcbMismatch,
    /// <summary>The VCEK's hwID differs from the report's CHIP_ID (or the chip ID is masked).</summary>
    ChipIdMismatch,
    /// <summary>REPORT_DATA differs from the expected value.</summary>
    ReportDataMismatch,
    /// <summary>The report's SIGNING_KEY (VCEK/VLEK/none) does not match the supplied certificate.</summary>
    SigningKeyMismatch,
    /// <summary>The report's CPUID product (version 3 and later) differs from the VCEK/VLEK's productName.</summary>
    ProductMismatch,
    /// <summary>A certificate of the chain is listed in AMD's CRL.</summary>
    CertificateRevoked,
}

/// <summary>The verdict on an SEV-SNP report.</summary>
internal sealed class SnpVerificationResult
{
    internal SnpVerificationResult(SnpFailureReason reason, string message, SnpReport? report, SnpProduct product, X509Certificate2? signer)
    {
        Reason = reason;
        Message = message;
        Report = report;
        Product = product;
        SigningCertificate = signer;
    }

    /// <summary>True when every check passed.</summary>
    public bool IsValid => Reason == SnpFailureReason.None;

    /// <summary>The first check that failed, or <see cref="SnpFailureReason.None"/>.</summary>
    public SnpFailureReason Reason { get; }

    /// <summary>A human-readable account of the verdict (what failed and why).</summary>
    public string Message { get; }

    /// <summary>The parsed report, when it could be parsed.</summary>
    public SnpReport? Report { get; }

    /// <summary>The product whose trusted ARK the chain ended at, when known.</summary>
    public SnpProduct Product { get; }

    /// <summary>The trusted ARK the chain ended at, when the report verified.</summary>
    public X509Certificate2? Root { get; internal init; }

    /// <summary>The ASK or ASVK the chain went through, when the report verified.</summary>
    public X509Certificate2? Intermediate { get; internal init; }

    /// <summary>The VCEK or VLEK that was checked, when one was found.</summary>
    public X509Certificate2? SigningCertificate { get; }

    /// <inheritdoc/>
    public override string ToString() => IsValid ? Message : $"{Reason}: {Message}";
}
