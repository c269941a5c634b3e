using TeeWasm.Attestation.Policy;

namespace TeeWasm.Attestation.Verification;

/// <summary>What a verifier needs besides the evidence and its own options: the time, the expected binding, the policy.</summary>
public sealed record VerificationContext
{
    /// <summary>When certificates, collateral and RIMs must be valid; null means now.</summary>
    public DateTimeOffset? Time { get; init; }

    /// <summary>The report_data the evidence must carry; null: the evidence's own <c>binding</c> decides (no binding: not checked).</summary>
    public byte[]? ExpectedReportData { get; init; }

    /// <summary>
    /// The policy whose rules become checks (debug, VMPL, GPU CC mode and versions, then the rest as one <c>policy</c>
    /// check); null applies the default policy: debug forbidden, VMPL 0, no <c>policy</c> check.
    /// </summary>
    public AttestationPolicy? Policy { get; init; }

    /// <summary>The verification time (<see cref="Time"/>, or now).</summary>
    public DateTimeOffset Now => Time ?? DateTimeOffset.UtcNow;
}
