namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>Why TDX quote verification failed (<see cref="None"/> when it did not).</summary>
public enum TdxFailureReason
{
    /// <summary>Verification succeeded.</summary>
    None,

    /// <summary>The quote could not be parsed (truncated, wrong version, key type, TEE type or body type).</summary>
    MalformedQuote,

    /// <summary>The attestation key is not a valid P-256 point.</summary>
    InvalidAttestationKey,

    /// <summary>The ECDSA signature over header ‖ body does not verify with the attestation key.</summary>
    QuoteSignatureInvalid,

    /// <summary>QE report data is not SHA-256(attestation key ‖ QE auth data) ‖ 32 zero bytes.</summary>
    QeReportBindingInvalid,

    /// <summary>The QE report signature does not verify with the PCK leaf key.</summary>
    QeReportSignatureInvalid,

    /// <summary>No usable PCK certificate chain (missing, not type 5, or not PEM).</summary>
    PckChainMissing,

    /// <summary>A signature or name link in the PCK chain is broken.</summary>
    PckChainInvalid,

    /// <summary>The PCK chain does not end at the pinned Intel SGX Root CA.</summary>
    PckChainUntrusted,

    /// <summary>A certificate is outside its validity period at the verification time.</summary>
    CertificateExpired,

    /// <summary>A certificate is listed in a CRL.</summary>
    CertificateRevoked,

    /// <summary>A CRL is malformed, or its signature does not verify with its issuer.</summary>
    CrlInvalid,

    /// <summary>The PCK leaf's SGX extension is missing or malformed.</summary>
    PckExtensionInvalid,

    /// <summary>Collateral was given but its signature could not be checked (no TCB signing chain).</summary>
    CollateralSignatureNotChecked,

    /// <summary>The collateral signature or its signing chain does not verify.</summary>
    CollateralSignatureInvalid,

    /// <summary>Collateral (TCB info, QE identity or a CRL) is past its nextUpdate, or not yet issued, at the verification time.</summary>
    CollateralExpired,

    /// <summary>The TCB info FMSPC (or PCE-ID) is not the PCK's.</summary>
    FmspcMismatch,

    /// <summary>No TCB level of the TCB info matches the platform ("TCB level not supported").</summary>
    TcbLevelNotSupported,

    /// <summary>The TDX module does not match the TCB info (identity missing, MRSIGNERSEAM/attributes, or SVN below every level).</summary>
    TdxModuleMismatch,

    /// <summary>The QE does not match the QE identity (MRSIGNER, ISVPRODID, masks, or ISVSVN below every level).</summary>
    QeIdentityMismatch,

    /// <summary>The platform, TDX module or QE TCB level is revoked.</summary>
    TcbRevoked,
}
