using System.Globalization;
using TeeWasm.Attestation.Platforms.Tdx;

namespace TeeWasm.Attestation.Policy;

/// <summary>The outcome of a policy evaluation.</summary>
/// <param name="Allowed">True when no rule was violated.</param>
/// <param name="Violations">One line per violated rule.</param>
public sealed record PolicyVerdict(bool Allowed, IReadOnlyList<string> Violations)
{
    /// <summary>The violations joined with "; ", or "allowed".</summary>
    public override string ToString() => Allowed ? "allowed" : string.Join("; ", Violations);
}

/// <summary>Evaluates an <see cref="AttestationPolicy"/> on verified evidence. Fails closed: a rule that cannot be checked is a violation.</summary>
public static class PolicyEvaluator
{
    /// <summary>Evaluates every rule and lists all violations.</summary>
    public static PolicyVerdict Evaluate(AttestationPolicy policy, PolicyInput input, DateTimeOffset? now = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(input);
        var v = new List<string>();
        bool simulatedOk = policy.AllowSimulated || policy.AcceptedPlatforms.Contains(AttestationPolicy.SimulatedPlatform);

        if (!policy.AcceptedPlatforms.Contains(input.Platform, StringComparer.Ordinal))
            v.Add($"platform {input.Platform} is not accepted (accepted_platforms: {string.Join(", ", policy.AcceptedPlatforms)})");
        if (input.Simulated && !simulatedOk)
            v.Add("evidence comes from the simulator; the policy does not allow simulated evidence (allow_simulated)");

        if (policy.RequireReportDataBinding && input.ReportDataBound != true)
            v.Add(input.ReportDataBound == false ? "report_data does not match the expected binding" : "report_data binding was not checked");

        if (policy.MaxEvidenceAgeSeconds is long maxAge)
        {
            if (input.EvidenceTime is not { } t) v.Add("evidence time unknown; max_evidence_age_seconds cannot be checked");
            else
            {
                double age = ((now ?? DateTimeOffset.UtcNow) - t).TotalSeconds;
                if (age > maxAge) v.Add(string.Create(CultureInfo.InvariantCulture, $"evidence is {age:0} s old; at most {maxAge} s allowed"));
            }
        }

        switch (input.Platform)
        {
            case "AMD SEV-SNP": CheckSnp(policy, input, v); break;
            case "Intel TDX": CheckTdx(policy, input, v); break;
            case "NVIDIA GPU": CheckGpu(policy, input, v); break;
        }
        return new PolicyVerdict(v.Count == 0, v);
    }

    private static void CheckSnp(AttestationPolicy policy, PolicyInput input, List<string> v)
    {
        if (input.Snp is not { } r)
        {
            v.Add("no SEV-SNP report to check the policy against");
            return;
        }
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
        if (p.AllowedMeasurements is { Count: > 0 } ms && !ContainsHex(ms, r.Measurement))
            v.Add($"SEV-SNP measurement {Convert.ToHexStringLower(r.Measurement)} is not in snp.allowed_measurements");
        if (p.MinGuestSvn is uint svn && r.GuestSvn < svn) v.Add($"SEV-SNP guest_svn {r.GuestSvn} is below snp.min_guest_svn {svn}");
        if (p.MaxVmpl is uint vmpl && r.Vmpl > vmpl) v.Add($"SEV-SNP report comes from VMPL {r.Vmpl}; snp.max_vmpl is {vmpl}");

        void Min(string name, byte actual, byte minimum)
        {
            if (actual < minimum) v.Add($"SEV-SNP reported TCB {name} SPL {actual} is below snp.min_tcb.{name} {minimum}");
        }
    }

    private static void CheckTdx(AttestationPolicy policy, PolicyInput input, List<string> v)
    {
        if (input.Tdx is not { } b)
        {
            v.Add("no TDX TD report to check the policy against");
            return;
        }
        if (b.TdAttributes.IsDebug() && !policy.AllowDebug) v.Add("TDX TD attributes allow debugging (TUD.DEBUG); allow_debug is false");
        if (policy.Tdx is not { } p) return;
        if (p.AllowedMrtd is { Count: > 0 } mrtds && !ContainsHex(mrtds, b.MrTd.Span))
            v.Add($"TDX MRTD {Convert.ToHexStringLower(b.MrTd.Span)} is not in tdx.allowed_mrtd");
        foreach (var (index, allowed) in p.AllowedRtmr ?? new Dictionary<string, IReadOnlyList<string>>())
        {
            int i = int.Parse(index, CultureInfo.InvariantCulture);
            if (allowed.Count > 0 && !ContainsHex(allowed, b.Rtmrs[i].Span))
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
            if (input.TdxTcbStatus is not { } status)
                v.Add($"TDX TCB status was not evaluated (no TDX collateral); tdx.accepted_tcb_status ({string.Join(", ", statuses)}) cannot be checked");
            else if (!statuses.Contains(status.ToString(), StringComparer.Ordinal))
                v.Add($"TDX TCB status {status} is not in tdx.accepted_tcb_status ({string.Join(", ", statuses)})");
        }
    }

    private static void CheckGpu(AttestationPolicy policy, PolicyInput input, List<string> v)
    {
        if (input.Gpu is not { } report)
        {
            v.Add("no NVIDIA GPU measurement report to check the policy against");
            return;
        }
        GpuPolicy p = policy.Gpu ?? new GpuPolicy();
        if (p.CcModeRequired && !string.Equals(input.GpuCcMode, "on", StringComparison.OrdinalIgnoreCase))
        {
            v.Add(input.GpuCcMode is null
                ? "GPU confidential-computing mode is unknown; gpu.cc_mode_required is true"
                : $"GPU confidential-computing mode is '{input.GpuCcMode}', not 'on'; gpu.cc_mode_required is true");
        }
        MinVersion("driver", report.OpaqueData.DriverVersion, p.MinDriverVersion, 10, "gpu.min_driver_version");
        MinVersion("VBIOS", report.OpaqueData.VbiosVersion, p.MinVbiosVersion, 16, "gpu.min_vbios_version");
        if (p.AllowedMeasurements is { Count: > 0 } ms && !ContainsHex(ms, report.ComputeMeasurementDigest()))
            v.Add($"GPU measurement digest {Convert.ToHexStringLower(report.ComputeMeasurementDigest())} (SHA-384 of the SPDM measurement record) is not in gpu.allowed_measurements");

        void MinVersion(string what, string? actual, string? minimum, int radix, string key)
        {
            if (minimum is null) return;
            if (!GpuVersion.TryParse(actual, radix, out long[] a))
            {
                v.Add($"GPU {what} version {(actual is null ? "is absent from the report" : $"'{actual}' cannot be read")}; {key} {minimum} cannot be checked");
                return;
            }
            GpuVersion.TryParse(minimum, radix, out long[] min);
            if (GpuVersion.Compare(a, min) < 0) v.Add($"GPU {what} version {actual} is below {key} {minimum}");
        }
    }

    private static bool ContainsHex(IReadOnlyList<string> allowed, ReadOnlySpan<byte> value)
    {
        string hex = Convert.ToHexStringLower(value);
        foreach (string a in allowed)
            if (string.Equals(a, hex, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }
}
