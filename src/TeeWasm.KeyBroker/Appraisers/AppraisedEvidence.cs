using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Policy;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.KeyBroker.Appraisers;

/// <summary>What the broker's appraisal of a piece of evidence established.</summary>
public sealed record AppraisedEvidence
{
    /// <summary>The platform's ABI name ("AMD SEV-SNP", "Intel TDX"; an Azure vTPM's is the TEE inside).</summary>
    public required string Platform { get; init; }
    /// <summary>True when the report chains to the simulator root (never taken from the evidence's own flag).</summary>
    public required bool Simulated { get; init; }
    /// <summary>Launch measurement (hex).</summary>
    public required string Measurement { get; init; }
    /// <summary>SHA-256 of the guest module bound into report_data (hex).</summary>
    public required string ModuleHash { get; init; }
    /// <summary>Whether the guest can be debugged (SNP policy bit, TD attributes).</summary>
    public required bool Debug { get; init; }
    /// <summary>What was verified, in words.</summary>
    public required string Note { get; init; }
    /// <summary>False for evidence whose report_data does not bind the guest module (Trustee format): module rules cannot hold.</summary>
    public bool BindsModule { get; init; } = true;
    /// <summary>SHA-256 of the launch's workload document bound into report_data (hex), or null when the launch is not bound.</summary>
    public string? WorkloadSha256 { get; init; }
    /// <summary>The workload document the evidence carries (its digest checked), or null.</summary>
    public WorkloadIdentity? Workload { get; init; }
    /// <summary>
    /// The verified report (and TDX TCB status, when collateral was given) for a rule's <c>attestation</c> policy
    /// (<see cref="PolicyEvaluator"/>); report_data is bound to this session, the evidence time is the appraisal's.
    /// </summary>
    public PolicyInput? PolicyInput { get; init; }

    /// <summary>The broker's view of an appraisal of verified evidence, its policy input aged from <paramref name="now"/>.</summary>
    public static AppraisedEvidence From(Appraisal appraisal, byte[] moduleHash, DateTimeOffset now) => new()
    {
        Platform = appraisal.Claims!.Platform,
        Simulated = appraisal.Claims.Simulated,
        Measurement = Convert.ToHexStringLower(appraisal.Claims.Measurement),
        ModuleHash = Convert.ToHexStringLower(moduleHash),
        Debug = appraisal.Claims.Debug,
        PolicyInput = appraisal.PolicyInput is { } input ? input with { EvidenceTime = now } : null,
        Note = appraisal.Note!,
    };
}
