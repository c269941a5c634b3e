using TeeWasm.Attestation.Policy;

namespace TeeWasm.Attestation.Verification;

/// <summary>
/// The checks every VM appraisal shares: <c>signature and chain</c> first (the platform's verdict on the evidence), the
/// platform's own policy checks after it (debug, VMPL), and last <c>policy</c>, every other rule of the context's policy.
/// </summary>
public static class VmAppraisal
{
    /// <summary>The first check: the evidence's signatures and chain, with the verifier's verdict as the reason.</summary>
    /// <param name="valid">The platform's verdict.</param>
    /// <param name="verdict">Its words.</param>
    /// <param name="reason">Its machine-readable reason when it failed (the platform's failure reason name).</param>
    public static AppraisalCheck SignatureAndChain(bool valid, string verdict, string? reason = null) =>
        new("signature and chain", valid ? CheckStatus.Pass : CheckStatus.Fail, verdict) { Code = valid ? null : reason };

    /// <summary>An appraisal of VM evidence rejected before any report was read (a bad binding…).</summary>
    public static Appraisal Rejected(string kind, string reason, string message) => new()
    {
        Kind = kind, EvidenceValid = false, Reason = reason, Message = message, Checks = [SignatureAndChain(false, message, reason)],
    };

    /// <summary>
    /// The <c>policy</c> check: the context's policy without the rules shown as checks of their own (debug, VMPL),
    /// evaluated on <paramref name="input"/>; no check (and no verdict) without a policy.
    /// </summary>
    public static (AppraisalCheck? Check, PolicyVerdict? Verdict) Policy(VerificationContext context, PolicyInput input)
    {
        if (context.Policy is not { } policy) return (null, null);
        AttestationPolicy others = policy with { AllowDebug = true, Snp = policy.Snp is { } s ? s with { MaxVmpl = null } : null };
        PolicyVerdict rest = PolicyEvaluator.Evaluate(others, input, context.Now);
        return (new AppraisalCheck("policy", rest.Allowed ? CheckStatus.Pass : CheckStatus.Fail,
            rest.Allowed ? "every other rule of the policy holds" : string.Join("; ", rest.Violations)), rest);
    }
}
