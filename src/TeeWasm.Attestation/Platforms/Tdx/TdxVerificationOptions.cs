using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>Options of <see cref="TdxQuoteVerifier"/>.</summary>
internal sealed class TdxVerificationOptions
{
    /// <summary>The time at which certificates and collateral must be valid; null means now.</summary>
    public DateTimeOffset? VerificationTime { get; init; }

    /// <summary>Collateral (TCB info, QE identity, signing chain, CRLs); null checks only the quote's own signature chain.</summary>
    public TdxCollateral? Collateral { get; init; }

    /// <summary>
    /// When true, collateral past its nextUpdate is reported in <see cref="TdxVerificationResult.Warnings"/> and
    /// evaluation continues (a policy decision); when false (default) it fails with <see cref="TdxFailureReason.CollateralExpired"/>.
    /// </summary>
    public bool AllowExpiredCollateral { get; init; }

    /// <summary>
    /// When true, collateral whose signature cannot be checked (no TCB signing chain) is used with a warning; when
    /// false (default) verification fails with <see cref="TdxFailureReason.CollateralSignatureNotChecked"/>.
    /// A signature that is checked and wrong always fails.
    /// </summary>
    public bool AllowUnverifiedCollateralSignature { get; init; }

    /// <summary>Test hook: a root to trust instead of the pinned Intel SGX Root CA. Never set in production.</summary>
    internal X509Certificate2? TrustedRootOverride { get; init; }

    /// <summary>
    /// A cache of PCK chains (PCK → Platform/Processor CA → Intel SGX Root CA) already verified, keyed by the quote's
    /// certification data and the trusted root; null (default) verifies the chain every time. The quote signature, QE
    /// report binding and signature, CRLs and TCB evaluation always run. See <see cref="CertificateChainCache"/>.
    /// </summary>
    public CertificateChainCache? ChainCache { get; init; }
}
