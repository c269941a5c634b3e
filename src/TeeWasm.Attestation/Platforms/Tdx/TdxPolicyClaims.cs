using System.Globalization;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Policy;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>A verified TD report (from a TDX quote) as a policy sees it, with the <c>tdx</c> rules (and <c>allow_debug</c>) checked on it.</summary>
/// <param name="Body">The verified TD report body.</param>
/// <param name="TcbStatus">The TCB status from Intel's collateral; null when it was not evaluated (no collateral given).</param>
public sealed record TdxPolicyClaims(TdReportBody Body, TcbStatus? TcbStatus = null) : IPolicyClaims
{
    /// <summary>The policy input of a verified TDX quote.</summary>
    public static PolicyInput Input(TdxQuote quote, bool? reportDataBound, DateTimeOffset? evidenceTime, bool simulated = false, TcbStatus? tcbStatus = null) => new()
    {
        Platform = TeeType.IntelTdx.ToAbiName(),
        Claims = new TdxPolicyClaims(quote.Body, tcbStatus), ReportDataBound = reportDataBound, EvidenceTime = evidenceTime, Simulated = simulated,
    };

    /// <inheritdoc />
    public void Check(AttestationPolicy policy, ICollection<string> v)
    {
        TdReportBody b = Body;
        if (b.TdAttributes.IsDebug() && !policy.AllowDebug) v.Add("TDX TD attributes allow debugging (TUD.DEBUG); allow_debug is false");
        if (policy.Tdx is not { } p) return;
        if (p.AllowedMrtd is { Count: > 0 } mrtds && !PolicyEvaluator.ContainsHex(mrtds, b.MrTd.Span))
            v.Add($"TDX MRTD {Convert.ToHexStringLower(b.MrTd.Span)} is not in tdx.allowed_mrtd");
        foreach (var (index, allowed) in p.AllowedRtmr ?? new Dictionary<string, IReadOnlyList<string>>())
        {
            int i = int.Parse(index, CultureInfo.InvariantCulture);
            if (allowed.Count > 0 && !PolicyEvaluator.ContainsHex(allowed, b.Rtmrs[i].Span))
                v.Add($"TDX RTMR{i} {Convert.ToHexStringLower(b.Rtmrs[i].Span)} is not in tdx.allowed_rtmr.{index}");
        }
        if (p.MinTeeTcbSvn is { } minHex)
        {
            byte[] min = Convert.FromHexString(minHex);
            var svn = b.TeeTcbSvn.Span;
            for (int i = 0; i < min.Length && i < svn.Length; i++)
            {
                if (svn[i] < min[i])
                {
                    v.Add($"TDX TEE_TCB_SVN {Convert.ToHexStringLower(svn)} is below tdx.min_tee_tcb_svn {minHex.ToLowerInvariant()} (byte {i})");
                    break;
                }
            }
        }
        if (p.AcceptedTcbStatus is { Count: > 0 } statuses)
        {
            if (TcbStatus is not { } status)
                v.Add($"TDX TCB status was not evaluated (no TDX collateral); tdx.accepted_tcb_status ({string.Join(", ", statuses)}) cannot be checked");
            else if (!statuses.Contains(status.ToString(), StringComparer.Ordinal))
                v.Add($"TDX TCB status {status} is not in tdx.accepted_tcb_status ({string.Join(", ", statuses)})");
        }
    }

    /// <summary>The <c>debug</c> check <c>verify</c> shows for a TD report (TUD.DEBUG, or <c>allow_debug</c>); skipped when the quote did not verify.</summary>
    public static AppraisalCheck DebugCheck(TdReportBody body, bool verified, AttestationPolicy? policy)
    {
        if (!verified) return AppraisalCheck.Untrusted("debug");
        string attrs = string.Create(CultureInfo.InvariantCulture, $"TD attributes {(ulong)body.TdAttributes:x16}");
        if (!body.TdAttributes.IsDebug()) return new("debug", CheckStatus.Pass, $"{attrs}: TUD.DEBUG is clear, the TD cannot be debugged");
        return policy?.AllowDebug ?? false
            ? new("debug", CheckStatus.Pass, $"{attrs} have TUD.DEBUG set; the policy allows it (allow_debug)")
            : new("debug", CheckStatus.Fail, $"{attrs} have TUD.DEBUG set: the host may debug this TD; debug is forbidden");
    }
}
