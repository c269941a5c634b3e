using TeeWasm.Attestation.Verification;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Platforms.Simulator;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;

namespace TeeWasm.KeyBroker.Trustee;

/// <summary>
/// Settings of the broker's appraisal of Trustee evidence (<see cref="TrusteeEvidenceAppraiser"/>): Trustee's protocol
/// names its TEEs (<c>snp</c>, <c>tdx</c>, <c>az-snp-vtpm</c>, <c>az-tdx-vtpm</c>), so these name their platforms' settings.
/// </summary>
public sealed record TrusteeAppraisalOptions
{
    /// <summary>The simulator root to accept besides AMD's roots, or null to refuse simulated evidence outright.</summary>
    public X509Certificate2? SimulatorRoot { get; init; }

    /// <summary>The simulator's ASK, for evidence that carries only the VCEK (Trustee <c>az-snp-vtpm</c>); null with no simulator root.</summary>
    public X509Certificate2? SimulatorAsk { get; init; }

    /// <summary>How TDX quotes are verified (collateral for the TCB status…).</summary>
    public TdxVerifierOptions Tdx { get; init; } = new();

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Fetches what the evidence lacks (the VCEK, AMD's CRL; TDX collateral when <see cref="Tdx"/> has none); null stays offline.</summary>
    public ICollateralFetcher? CollateralFetcher { get; init; }

    /// <summary>The SNP verifier these options make, with what was fetched for one report (certificates, CRL), when anything was.</summary>
    internal SnpEvidenceVerifier SnpVerifierWith(SnpFetchedCollateral? fetched) => new(new SnpVerifierOptions
    {
        SimulatorRoots = SimulatorRoot is { } root ? [root] : [],
        SimulatorIntermediates = SimulatorAsk is { } ask ? [ask] : [],
        Certificates = fetched?.Certificates ?? [],
        Crls = fetched?.Crls ?? [],
        CrlUnavailable = fetched?.CrlUnavailable,
    });

    /// <summary>
    /// The options of a broker: the simulator's root and ASK from <paramref name="simulatorDirectory"/> (made there when
    /// missing; the user's simulator directory when null) only when <paramref name="trustSimulator"/>, and the TDX
    /// collateral of <paramref name="tdxCollateralDirectory"/> when given.
    /// </summary>
    /// <exception cref="TeeWasm.Attestation.Evidence.AttestationException">The collateral cannot be read.</exception>
    public static TrusteeAppraisalOptions Create(bool trustSimulator, string? simulatorDirectory, string? tdxCollateralDirectory, TimeProvider time,
        ICollateralFetcher? fetcher = null)
    {
        var simulator = trustSimulator ? SimulatorAuthority.LoadOrCreate(simulatorDirectory) : null;
        return new TrusteeAppraisalOptions
        {
            SimulatorRoot = simulator?.Ark,
            SimulatorAsk = simulator?.Ask,
            Tdx = new TdxVerifierOptions { Collateral = tdxCollateralDirectory is { } dir ? TdxCollateral.LoadDirectory(dir) : null },
            Time = time,
            CollateralFetcher = fetcher,
        };
    }
}
