using System.Security.Cryptography.X509Certificates;

namespace TeeWasm.KeyBroker.Appraisers;

/// <summary>Settings of an <see cref="EvidenceAppraiser"/>: what the platforms' verifiers get besides the vendors' roots.</summary>
public sealed record AppraisalOptions
{
    /// <summary>The simulator root to accept besides the vendors' roots, or null to refuse simulated evidence outright.</summary>
    public X509Certificate2? SimulatorRoot { get; init; }

    /// <summary>A folder of collateral for the verifiers that take one (TDX: TCB info, QE identity, CRLs, for the TCB status); null gives none.</summary>
    public string? CollateralDirectory { get; init; }

    /// <summary>Fetches what the evidence lacks (SEV-SNP: the VCEK, AMD's CRL; TDX: Intel PCS collateral when no <see cref="CollateralDirectory"/>); null stays offline.</summary>
    public TeeWasm.Attestation.Verification.ICollateralFetcher? CollateralFetcher { get; init; }

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
