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

    /// <summary>
    /// A folder of vendor collateral (<c>--collateral</c>), recognised by content: Intel TCB info (by FMSPC and TDX/SGX
    /// id), QE identity, TCB signing chain, CRLs; AMD VCEK/VLEK/ASK/ARK certificates and CRLs. A file it does not
    /// recognise, or a folder with nothing the evidence can use, is an input error.
    /// </summary>
    public string? CollateralDirectory { get; init; }

    /// <summary>Accept TDX collateral whose signing chain is not supplied (<c>--allow-unsigned-collateral</c>).</summary>
    public bool AllowUnsignedCollateral { get; init; }

    /// <summary>The TD quote made from an Azure TDX HCL report's TDREPORT, raw or base64 (<c>--td-quote</c>).</summary>
    public string? TdQuoteFile { get; init; }

    /// <summary>
    /// The nonce the attestation was asked with, hex (<c>--nonce</c>): for evidence that records its binding (what
    /// <c>tee-wasm attest</c> writes, VM or GPU) the binding's nonce, checked through report_data; for NVIDIA SDK
    /// evidence JSON and raw GPU reports the 32-byte SPDM request nonce every report must be over.
    /// </summary>
    public string? Nonce { get; init; }

    /// <summary>The module the evidence must bind: a .wasm file whose SHA-256 is compared (<c>--module</c>).</summary>
    public string? ModuleFile { get; init; }

    /// <summary>The SHA-256 of the module the evidence must bind, hex (<c>--module-hash</c>).</summary>
    public string? ModuleHash { get; init; }

    /// <summary>The report_data the signed VM report must carry, hex, at most 64 bytes, zero-padded (<c>--report-data</c>).</summary>
    public string? ReportData { get; init; }

    /// <summary>GPU evidence: a folder of NVIDIA RIMs (SWID XML, whatever the file name: .xml, .swidtag) to appraise the measurements with (<c>--rim</c>).</summary>
    public string? RimDirectory { get; init; }

    /// <summary>Also trust the TeeWasm simulator's roots (<c>--trust-simulator</c>); results say SIMULATED.</summary>
    public bool TrustSimulator { get; init; }

    /// <summary>The simulator's directory for <see cref="TrustSimulator"/>; null for the user's simulator directory.</summary>
    public string? SimulatorDirectory { get; init; }

    /// <summary>Fetches what the evidence needs from its vendor (<c>--fetch</c>: VCEK, TCB info, CRLs, RIMs); null never touches the network.</summary>
    public ICollateralFetcher? Fetcher { get; init; }

    /// <summary>The AMD product of a version 2 SEV-SNP report, which does not name it ("Milan", "Genoa", "Turin"; <c>--product</c>), for fetching.</summary>
    public string? Product { get; init; }

    /// <summary>
    /// Collateral given as data (a bundle's), read by content as a <see cref="CollateralDirectory"/> is; it takes the
    /// place of <c>--collateral</c>, <c>--cert</c> and <c>--rim</c>, which do not apply with it; null for none.
    /// </summary>
    public CollateralSet? Collateral { get; init; }

    /// <summary>The verification context these options give (time and policy; the binding comes from the evidence).</summary>
    public VerificationContext Context => new() { Time = Time, Policy = Policy };
}
