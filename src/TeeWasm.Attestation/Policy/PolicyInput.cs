namespace TeeWasm.Attestation.Policy;

/// <summary>
/// The facts of verified evidence that one platform's rules are checked against (its report, TCB status, CC mode…):
/// each platform implements its own, so the policy layer needs no platform type.
/// </summary>
public interface IPolicyClaims
{
    /// <summary>Adds one line per rule of <paramref name="policy"/> these facts violate (<c>allow_debug</c> and the platform's section).</summary>
    void Check(AttestationPolicy policy, ICollection<string> violations);
}

/// <summary>Verified evidence, as the policy sees it. Build it only from evidence that passed verification.</summary>
public sealed record PolicyInput
{
    /// <summary>"AMD SEV-SNP", "Intel TDX" or "NVIDIA GPU".</summary>
    public required string Platform { get; init; }

    /// <summary>True for simulator evidence.</summary>
    public bool Simulated { get; init; }

    /// <summary>The platform's verified facts and rules; null when there is no report to check rules against.</summary>
    public IPolicyClaims? Claims { get; init; }

    /// <summary>True when report_data was checked against the expected binding; false when it did not match; null when unchecked.</summary>
    public bool? ReportDataBound { get; init; }

    /// <summary>When the evidence was produced (or collected); null when unknown.</summary>
    public DateTimeOffset? EvidenceTime { get; init; }
}
