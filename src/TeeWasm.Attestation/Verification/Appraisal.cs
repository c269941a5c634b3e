using TeeWasm.Attestation.Policy;

namespace TeeWasm.Attestation.Verification;

/// <summary>
/// The verdict on one piece of evidence, the one shape every platform verifier returns (<see cref="IEvidenceVerifier"/>):
/// whether the evidence itself verified, the ordered checks (pass, fail or skip, each with its reason), the decoded
/// fields, the claims, and the policy input. A verifier never throws for a verdict: a rejection is an appraisal.
/// </summary>
public sealed record Appraisal
{
    /// <summary>What was appraised, in words: "AMD SEV-SNP report", "Intel TDX quote", "Azure HCL report (Intel TDX)", "NVIDIA GPU report".</summary>
    public required string Kind { get; init; }

    /// <summary>True when the evidence itself verified (signatures, chains, binding); policy checks may still fail.</summary>
    public required bool EvidenceValid { get; init; }

    /// <summary>Machine-readable reason of the first failure of the evidence ("None" when it verified): the platform's failure reason name.</summary>
    public required string Reason { get; init; }

    /// <summary>One line: what verified (when it did), else the first failure.</summary>
    public required string Message { get; init; }

    /// <summary>The checks, in order.</summary>
    public IReadOnlyList<AppraisalCheck> Checks { get; init; } = [];

    /// <summary>Decoded fields of the evidence (name, value), in order; present also for evidence that did not verify when it parsed.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Fields { get; init; } = [];

    /// <summary>What a relying party should know although it did not fail the evidence (unchecked collateral…).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>A short description of what was verified (token <c>verifier</c> claim, broker audit line); null when rejected.</summary>
    public string? Note { get; init; }

    /// <summary>What verified evidence establishes; null when the evidence did not verify.</summary>
    public EvidenceClaims? Claims { get; init; }

    /// <summary>The verified evidence as a policy sees it (<see cref="PolicyEvaluator"/>); null when it did not verify.</summary>
    public PolicyInput? PolicyInput { get; init; }

    /// <summary>The verdict of the policy's remaining rules (the <c>policy</c> check), when a policy was given and the evidence verified.</summary>
    public PolicyVerdict? Policy { get; init; }

    /// <summary>Why verified evidence offers nothing to check a policy against (no <see cref="PolicyInput"/>), when so.</summary>
    public string? NoPolicyInput { get; init; }

    /// <summary>True when the evidence verified and no check failed.</summary>
    public bool Valid => EvidenceValid && !Checks.Any(c => c.Status == CheckStatus.Fail);

    /// <summary>
    /// The machine-readable reason of the verdict: "None" when valid; the platform's <see cref="Reason"/> when the evidence
    /// did not verify; else the <see cref="AppraisalCheck.ReasonCode"/> of the first failed check (never "None" for a rejection).
    /// </summary>
    public string VerdictReason => Valid ? "None"
        : Checks.FirstOrDefault(c => c.Status == CheckStatus.Fail) is { } first
            ? first.Code ?? (!EvidenceValid && Reason != "None" ? Reason : first.ReasonCode!)
            : Reason != "None" ? Reason : "Rejected";

    /// <summary>The failed checks as "name: reason", joined by "; ".</summary>
    public string Failures => string.Join("; ", Checks.Where(c => c.Status == CheckStatus.Fail).Select(c => $"{c.Name}: {c.Reason}"));

    /// <summary>Evaluates <paramref name="policy"/> on the verified evidence; evidence that did not verify is a violation.</summary>
    public PolicyVerdict Evaluate(AttestationPolicy policy, DateTimeOffset? now = null) =>
        PolicyInput is { } input
            ? PolicyEvaluator.Evaluate(policy, input, now)
            : new PolicyVerdict(false, [EvidenceValid ? NoPolicyInput ?? "the evidence carries nothing a policy can be checked against" : Message]);

    /// <summary>An appraisal of evidence that cannot be verified at all (a single failed check named <paramref name="check"/>).</summary>
    public static Appraisal Unverifiable(string kind, string reason, string check, string why) => new()
    {
        Kind = kind, EvidenceValid = false, Reason = reason, Message = why, Checks = [new AppraisalCheck(check, CheckStatus.Fail, why) { Code = reason }],
    };
}
