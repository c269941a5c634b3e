using System.Globalization;

namespace TeeWasm.Attestation.Policy;

/// <summary>The outcome of a policy evaluation.</summary>
/// <param name="Allowed">True when no rule was violated.</param>
/// <param name="Violations">One line per violated rule.</param>
public sealed record PolicyVerdict(bool Allowed, IReadOnlyList<string> Violations)
{
    /// <summary>The violations joined with "; ", or "allowed".</summary>
    public override string ToString() => Allowed ? "allowed" : string.Join("; ", Violations);
}

/// <summary>
/// Evaluates an <see cref="AttestationPolicy"/> on verified evidence: the rules every platform shares here (platforms,
/// simulator, binding, age), then the platform's own (<see cref="IPolicyClaims"/>). Fails closed: a rule that cannot be
/// checked is a violation.
/// </summary>
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

        if (input.Claims is { } claims) claims.Check(policy, v);
        else if (MissingReport(input.Platform) is { } missing) v.Add(missing);
        return new PolicyVerdict(v.Count == 0, v);
    }

    private static string? MissingReport(string platform) => platform switch
    {
        "AMD SEV-SNP" => "no SEV-SNP report to check the policy against",
        "Intel TDX" => "no TDX TD report to check the policy against",
        "NVIDIA GPU" => "no NVIDIA GPU measurement report to check the policy against",
        _ => null,
    };

    /// <summary>True when <paramref name="allowed"/> lists <paramref name="value"/> as hex (any case).</summary>
    public static bool ContainsHex(IReadOnlyList<string> allowed, ReadOnlySpan<byte> value)
    {
        string hex = Convert.ToHexStringLower(value);
        foreach (string a in allowed)
            if (string.Equals(a, hex, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }
}
