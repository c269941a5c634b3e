using System.Globalization;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Policy;

namespace TeeWasm.Cli.Verification;

/// <summary>The state of one check that <c>tee-wasm verify</c> prints.</summary>
internal enum CheckStatus
{
    /// <summary>The check passed.</summary>
    Pass,

    /// <summary>The check failed: the evidence is rejected.</summary>
    Fail,

    /// <summary>The check could not run (the evidence did not verify, so its fields are not trusted).</summary>
    Skip,
}

/// <summary>One required check, its status and the reason in plain words.</summary>
internal sealed record VerifyCheck(string Name, CheckStatus Status, string Reason);

/// <summary>
/// The checks of <c>tee-wasm verify</c>: the evidence's signatures and chain, then debug and (SEV-SNP) VMPL, then the
/// remaining rules of <c>--policy</c> when one is given. Without <c>--policy</c> the default policy applies: debug
/// forbidden, and VMPL 0 for SEV-SNP. With <c>--policy</c>, its <c>allow_debug</c> and <c>snp.max_vmpl</c> decide.
/// </summary>
internal static class VerifyChecks
{
    public static IReadOnlyList<VerifyCheck> Evaluate(EvidenceVerification.Outcome outcome, AttestationPolicy? policy, DateTimeOffset? evidenceTime,
        DateTimeOffset now, out PolicyVerdict? rest)
    {
        rest = null;
        var checks = new List<VerifyCheck>
        {
            new("signature and chain", outcome.Valid ? CheckStatus.Pass : CheckStatus.Fail, outcome.Verdict),
        };
        PolicyInput? input = outcome.PolicyInput;
        bool allowDebug = policy?.AllowDebug ?? false;
        uint? maxVmpl = policy is null ? 0 : policy.Snp?.MaxVmpl;
        if (input?.Snp is { } snp)
        {
            checks.Add(outcome.Valid ? SnpDebug(snp, allowDebug) : Skipped("debug"));
            checks.Add(outcome.Valid ? SnpVmpl(snp, maxVmpl, policy is null) : Skipped("vmpl"));
        }
        else if (input?.Tdx is { } td)
        {
            checks.Add(outcome.Valid ? TdxDebug(td, allowDebug) : Skipped("debug"));
        }
        else if (outcome.Valid)
        {
            checks.Add(new("debug", CheckStatus.Fail, "the evidence carries no hardware report whose debug state could be checked"));
        }

        if (policy is not null && input is not null && outcome.Valid)
        {
            // Debug and VMPL are shown above; the other rules are evaluated here.
            AttestationPolicy others = policy with { AllowDebug = true, Snp = policy.Snp is { } s ? s with { MaxVmpl = null } : null };
            rest = PolicyEvaluator.Evaluate(others, input with { EvidenceTime = evidenceTime }, now);
            checks.Add(new("policy", rest.Allowed ? CheckStatus.Pass : CheckStatus.Fail,
                rest.Allowed ? "every other rule of the policy holds" : string.Join("; ", rest.Violations)));
        }
        return checks;
    }

    private static VerifyCheck Skipped(string name) =>
        new(name, CheckStatus.Skip, "not evaluated: the evidence did not verify, so its fields cannot be trusted");

    private static VerifyCheck SnpDebug(SnpReport r, bool allowDebug)
    {
        string policy = string.Create(CultureInfo.InvariantCulture, $"guest policy 0x{r.Policy:x}");
        if (!r.DebugAllowed) return new("debug", CheckStatus.Pass, $"{policy}: DEBUG (bit 19) is clear, the guest cannot be debugged");
        return allowDebug
            ? new("debug", CheckStatus.Pass, $"{policy} has DEBUG (bit 19) set: the host may debug this guest; the policy allows it (allow_debug)")
            : new("debug", CheckStatus.Fail, $"{policy} has DEBUG (bit 19) set: the host may debug this guest and read its memory; debug is forbidden");
    }

    private static VerifyCheck SnpVmpl(SnpReport r, uint? maxVmpl, bool defaultPolicy)
    {
        string source = defaultPolicy ? "the default policy" : "snp.max_vmpl";
        if (maxVmpl is not uint max) return new("vmpl", CheckStatus.Pass, $"VMPL {r.Vmpl}; the policy sets no snp.max_vmpl");
        return r.Vmpl <= max
            ? new("vmpl", CheckStatus.Pass, string.Create(CultureInfo.InvariantCulture, $"report requested at VMPL {r.Vmpl}; {source} requires VMPL {max} or more privileged"))
            : new("vmpl", CheckStatus.Fail, string.Create(CultureInfo.InvariantCulture, $"report requested at VMPL {r.Vmpl}, a less privileged level than {source} allows (VMPL {max})"));
    }

    private static VerifyCheck TdxDebug(TdReportBody b, bool allowDebug)
    {
        string attrs = string.Create(CultureInfo.InvariantCulture, $"TD attributes {(ulong)b.TdAttributes:x16}");
        if (!b.TdAttributes.IsDebug()) return new("debug", CheckStatus.Pass, $"{attrs}: TUD.DEBUG is clear, the TD cannot be debugged");
        return allowDebug
            ? new("debug", CheckStatus.Pass, $"{attrs} have TUD.DEBUG set; the policy allows it (allow_debug)")
            : new("debug", CheckStatus.Fail, $"{attrs} have TUD.DEBUG set: the host may debug this TD; debug is forbidden");
    }
}
