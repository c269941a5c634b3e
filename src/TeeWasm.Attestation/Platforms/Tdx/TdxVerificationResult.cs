namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>The verdict of <see cref="TdxQuoteVerifier.Verify"/>.</summary>
internal sealed class TdxVerificationResult
{
    internal TdxVerificationResult() { }

    /// <summary>True when every check that ran passed (TCB status other than Revoked is left to policy).</summary>
    public bool IsValid => Reason == TdxFailureReason.None;

    /// <summary>Why verification failed; <see cref="TdxFailureReason.None"/> when valid.</summary>
    public TdxFailureReason Reason { get; internal set; }

    /// <summary>A human-readable account of the failure (or of success).</summary>
    public string Message { get; internal set; } = "";

    /// <summary>The parsed quote, when parsing succeeded.</summary>
    public TdxQuote? Quote { get; internal set; }

    /// <summary>The time certificates and collateral were checked against.</summary>
    public DateTimeOffset VerificationTime { get; internal set; }

    /// <summary>The PCK leaf's SGX extension (FMSPC, PCE-ID, TCB), when read.</summary>
    public PckCertificateExtensions? Pck { get; internal set; }

    /// <summary>Overall TCB status: platform level converged with the TDX module and QE statuses; null without TCB info.</summary>
    public TcbStatus? TcbStatus { get; internal set; }

    /// <summary>Status of the matching platform TCB level (before convergence).</summary>
    public TcbStatus? PlatformTcbStatus { get; internal set; }

    /// <summary>Status of the TDX module identity level, when one applied.</summary>
    public TcbStatus? TdxModuleTcbStatus { get; internal set; }

    /// <summary>Status of the QE identity level; null without QE identity.</summary>
    public TcbStatus? QeIdentityStatus { get; internal set; }

    /// <summary>tcbDate of the matching platform TCB level.</summary>
    public DateTimeOffset? TcbDate { get; internal set; }

    /// <summary>Advisory ids of the matching levels (platform, module, QE).</summary>
    public IReadOnlyList<string> AdvisoryIds { get; internal set; } = [];

    /// <summary>True when the collateral signatures were checked against a TCB signing chain to the Intel root.</summary>
    public bool CollateralSignatureVerified { get; internal set; }

    /// <summary>True when some collateral was past its nextUpdate at the verification time.</summary>
    public bool CollateralExpired { get; internal set; }

    /// <summary>Things that did not fail verification but a relying party should know (expired collateral allowed, unchecked signatures, …).</summary>
    public IReadOnlyList<string> Warnings { get; internal set; } = [];

    /// <inheritdoc/>
    public override string ToString() => IsValid ? $"valid: {Message}" : $"rejected ({Reason}): {Message}";
}
