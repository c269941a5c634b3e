using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Policy;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.KeyBroker.Appraisers;

/// <summary>Settings of an <see cref="EvidenceAppraiser"/>.</summary>
public sealed record AppraisalOptions
{
    /// <summary>The simulator root to accept besides AMD's roots, or null to refuse simulated evidence outright.</summary>
    public X509Certificate2? SimulatorRoot { get; init; }
    /// <summary>The simulator's ASK, for evidence that carries only the VCEK (Trustee <c>az-snp-vtpm</c>); null with no simulator root.</summary>
    public X509Certificate2? SimulatorAsk { get; init; }
    /// <summary>How TDX quotes are verified (collateral for the TCB status…).</summary>
    public TdxVerifierOptions Tdx { get; init; } = new();
    /// <summary>The clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The SNP verifier these options make.</summary>
    internal SnpEvidenceVerifier SnpVerifier => new(new SnpVerifierOptions
    {
        SimulatorRoots = SimulatorRoot is { } root ? [root] : [],
        SimulatorIntermediates = SimulatorAsk is { } ask ? [ask] : [],
    });
}
