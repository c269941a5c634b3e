using TeeWasm.Attestation.Policy;

namespace TeeWasm.Attestation.Verification;

/// <summary>
/// What <c>tee-wasm verify</c> takes besides the evidence file, as the user gave it (paths, hex): the library loads
/// each input the evidence's platform uses and refuses, with <see cref="VerificationInputException"/>, what does not apply.
/// Messages name the options as <c>tee-wasm verify</c> spells them.
/// </summary>
public sealed record VerifyOptions
{
    /// <summary>Verify as of this time (certificates, collateral, RIMs); null means now (<c>--at</c>).</summary>
    public DateTimeOffset? Time { get; init; }

    /// <summary>The attestation policy to apply, already loaded (<c>--policy</c>); null applies the default policy.</summary>
    public AttestationPolicy? Policy { get; init; }

    /// <summary>
    /// Certificate files (<c>--cert</c>): for VM evidence VCEK/VLEK/ASK/ARK (DER or PEM) added to the evidence's; for a
    /// raw GPU report its device chain (PEM, leaf first).
    /// </summary>
    public IReadOnlyList<string> CertificateFiles { get; init; } = [];

    /// <summary>TDX collateral folder: files named *tcbinfo*, *qeidentity*, *crl* (<c>--collateral</c>).</summary>
    public string? CollateralDirectory { get; init; }

    /// <summary>Accept TDX collateral whose signing chain is not supplied (<c>--allow-unsigned-collateral</c>).</summary>
    public bool AllowUnsignedCollateral { get; init; }

    /// <summary>The TD quote made from an Azure TDX HCL report's TDREPORT, raw or base64 (<c>--td-quote</c>).</summary>
    public string? TdQuoteFile { get; init; }

    /// <summary>GPU evidence: the 32-byte request nonce every report must be over, hex (<c>--nonce</c>).</summary>
    public string? Nonce { get; init; }

    /// <summary>GPU evidence: a folder of NVIDIA RIMs (*.xml) to appraise the measurements with (<c>--rim</c>).</summary>
    public string? RimDirectory { get; init; }

    /// <summary>Also trust the TeeWasm simulator's roots (<c>--trust-simulator</c>); results say SIMULATED.</summary>
    public bool TrustSimulator { get; init; }

    /// <summary>The simulator's directory for <see cref="TrustSimulator"/>; null for the user's simulator directory.</summary>
    public string? SimulatorDirectory { get; init; }

    /// <summary>
    /// Collateral given as data (a bundle's): VM certificates, TDX collateral and NVIDIA RIMs are taken from it when the
    /// path options for them are not given; null for none.
    /// </summary>
    public CollateralSet? Collateral { get; init; }

    /// <summary>The verification context these options give (time and policy; the binding comes from the evidence).</summary>
    public VerificationContext Context => new() { Time = Time, Policy = Policy };
}
