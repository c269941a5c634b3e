using System.Globalization;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Policy;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation.Platforms.Snp;

/// <summary>A verified SEV-SNP report as a policy sees it, with the <c>snp</c> rules (and <c>allow_debug</c>) checked on it.</summary>
/// <param name="Report">The verified report.</param>
public sealed record SnpPolicyClaims(SnpReport Report) : IPolicyClaims
{
    /// <summary>The policy input of a verified SNP report.</summary>
    public static PolicyInput Input(SnpReport report, bool? reportDataBound, DateTimeOffset? evidenceTime, bool simulated = false) => new()
    {
        Platform = TeeType.AmdSevSnp.ToAbiName(),
        Claims = new SnpPolicyClaims(report), ReportDataBound = reportDataBound, EvidenceTime = evidenceTime, Simulated = simulated,
    };

    /// <inheritdoc />
    public void Check(AttestationPolicy policy, ICollection<string> v)
    {
        SnpReport r = Report;
        if (r.DebugAllowed && !policy.AllowDebug) v.Add("SEV-SNP guest policy allows debugging (DEBUG bit); allow_debug is false");
        if (policy.Snp is not { } p) return;
        if (p.MinTcb is { } min)
        {
            var tcb = r.ReportedTcb.WithLayout(r.TcbLayout);
            Min("bootloader", tcb.Bootloader, min.Bootloader);
            Min("tee", tcb.Tee, min.Tee);
            Min("snp", tcb.Snp, min.Snp);
            Min("microcode", tcb.Microcode, min.Microcode);
        }
        if (p.AllowedMeasurements is { Count: > 0 } ms && !PolicyEvaluator.ContainsHex(ms, r.Measurement))
            v.Add($"SEV-SNP measurement {Convert.ToHexStringLower(r.Measurement)} is not in snp.allowed_measurements");
        if (p.MinGuestSvn is uint svn && r.GuestSvn < svn) v.Add($"SEV-SNP guest_svn {r.GuestSvn} is below snp.min_guest_svn {svn}");
        if (p.MaxVmpl is uint vmpl && r.Vmpl > vmpl) v.Add($"SEV-SNP report comes from VMPL {r.Vmpl}; snp.max_vmpl is {vmpl}");

        void Min(string name, byte actual, byte minimum)
        {
            if (actual < minimum) v.Add($"SEV-SNP reported TCB {name} SPL {actual} is below snp.min_tcb.{name} {minimum}");
        }
    }

    /// <summary>
    /// The checks <c>verify</c> shows on their own for an SNP report: <c>debug</c> (guest policy bit 19, or
    /// <c>allow_debug</c>) and <c>vmpl</c> (VMPL 0 under the default policy, <c>snp.max_vmpl</c> under a policy);
    /// both skipped when the report did not verify.
    /// </summary>
    public static IEnumerable<AppraisalCheck> Checks(SnpReport report, bool verified, AttestationPolicy? policy)
    {
        if (!verified)
        {
            yield return AppraisalCheck.Untrusted("debug");
            yield return AppraisalCheck.Untrusted("vmpl");
            yield break;
        }
        string guestPolicy = string.Create(CultureInfo.InvariantCulture, $"guest policy 0x{report.Policy:x}");
        if (!report.DebugAllowed) yield return new("debug", CheckStatus.Pass, $"{guestPolicy}: DEBUG (bit 19) is clear, the guest cannot be debugged");
        else if (policy?.AllowDebug ?? false) yield return new("debug", CheckStatus.Pass, $"{guestPolicy} has DEBUG (bit 19) set: the host may debug this guest; the policy allows it (allow_debug)");
        else yield return new("debug", CheckStatus.Fail, $"{guestPolicy} has DEBUG (bit 19) set: the host may debug this guest and read its memory; debug is forbidden");

        uint? maxVmpl = policy is null ? 0 : policy.Snp?.MaxVmpl;
        string source = policy is null ? "the default policy" : "snp.max_vmpl";
        if (maxVmpl is not uint max) yield return new("vmpl", CheckStatus.Pass, $"VMPL {report.Vmpl}; the policy sets no snp.max_vmpl");
        else if (report.Vmpl <= max)
            yield return new("vmpl", CheckStatus.Pass, string.Create(CultureInfo.InvariantCulture, $"report requested at VMPL {report.Vmpl}; {source} requires VMPL {max} or more privileged"));
        else
            yield return new("vmpl", CheckStatus.Fail, string.Create(CultureInfo.InvariantCulture, $"report requested at VMPL {report.Vmpl}, a less privileged level than {source} allows (VMPL {max})"));
    }
}
