using TeeWasm.Attestation.Linux;
using TeeWasm.Attestation.Platforms.Nvidia;
using TeeWasm.Attestation.Platforms.Simulator;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation;

/// <summary>Settings of an <see cref="Attester"/>.</summary>
public sealed record AttesterOptions
{
    /// <summary>Where evidence comes from.</summary>
    public AttestationMode Mode { get; init; } = AttestationMode.Auto;

    /// <summary>Paths of the platform probes and evidence sources.</summary>
    public TeeProbeOptions Probe { get; init; } = new();

    /// <summary>Where the simulator keeps its keys and certificates; null for the user's data directory.</summary>
    public string? SimulatorDirectory { get; init; }

    /// <summary>How many GPUs the simulator pretends to have.</summary>
    public int SimulatedGpuCount { get; init; } = 1;

    /// <summary>Lifetime of tokens the local verifier issues; cached results live no longer.</summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Certificate files (DER or PEM: VCEK/VLEK, ASK, ARK) to use besides those the platform returns.</summary>
    public IReadOnlyList<string> VmCertificateFiles { get; init; } = [];

    /// <summary>A directory of TDX collateral (TCB info, QE identity, CRLs); null skips the TCB status check.</summary>
    public string? TdxCollateralDirectory { get; init; }

    /// <summary>Azure confidential-VM (vTPM) settings: AK handle, PCRs, extra VCEK files, opt-in IMDS fetch. <see cref="VmCertificateFiles"/> apply too.</summary>
    public AzureVtpmOptions AzureVtpm { get; init; } = new();

    /// <summary>
    /// Azure CVM (detected through its vTPM's HCL report): fetch the VCEK from the Azure IMDS when none is configured.
    /// On by default — the IMDS (169.254.169.254) is link-local and answers only inside Azure, and it is asked only
    /// when detection found an Azure CVM, as the original system did; false keeps the host off the network.
    /// </summary>
    public bool FetchVcekFromImds { get; init; } = true;

    /// <summary>Azure TDX CVM: get a TD quote for the vTPM's TDREPORT from the Azure IMDS (off by default: no network).</summary>
    public bool FetchTdQuoteFromImds { get; init; }

    /// <summary>
    /// The Azure IMDS address for the VCEK (<c>/metadata/THIM/amd/certification</c>) and TD quotes (<c>/acc/tdquote</c>);
    /// null for Azure's <c>http://169.254.169.254</c> (or what <see cref="AzureVtpm"/> says).
    /// </summary>
    public Uri? ImdsAddress { get; init; }

    /// <summary>
    /// Azure CVM: whether the binding is written to the HCL user-data before the HCL report is read — for a VM token
    /// service that checks its binding there (Intel Trust Authority), or when <see cref="AzureVtpm"/> asks for it.
    /// </summary>
    public bool WritesHclUserData => AzureVtpm.WriteHclUserData || VmTokenService?.BindsThroughHclUserData == true;

    /// <summary>Where attestation events are recorded (one JSON line each); nothing by default.</summary>
    public Audit.IAttestationAuditLog AuditLog { get; init; } = Audit.NullAuditLog.Instance;

    /// <summary>
    /// A remote VM verifier (Azure Attestation, Intel Trust Authority) whose token the guest gets instead of the local
    /// one, and whose keys <see cref="Attester.VerifyToken"/> trusts for its issuer; null (the default) makes no remote call.
    /// </summary>
    public Tokens.IVmTokenService? VmTokenService { get; init; }

    /// <summary>A remote GPU verifier (NVIDIA NRAS), used as <see cref="GpuVerifierMode"/> says; null (the default) stays offline.</summary>
    public IRemoteGpuVerifier? GpuVerifier { get; init; }

    /// <summary>
    /// Fetches vendor collateral when the platform gives none (SEV-SNP: the VCEK, ASK/ARK and CRL from AMD's KDS; TDX:
    /// Intel PCS collateral when no <see cref="TdxCollateralDirectory"/> is given); null (the default) stays offline.
    /// </summary>
    public Verification.ICollateralFetcher? CollateralFetcher { get; init; }
    /// <summary>Whether <see cref="GpuVerifier"/>'s verdict is required (the default) or preferred, local verification being the fallback.</summary>
    public RemoteGpuVerification GpuVerifierMode { get; init; } = RemoteGpuVerification.Require;

    /// <summary>The clock (tests inject one).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The user's data directory for TeeWasm ($XDG_DATA_HOME/tee-wasm or ~/.local/share/tee-wasm).</summary>
    public static string DefaultDataDirectory => SimulatorAuthority.DefaultDataDirectory;
}
