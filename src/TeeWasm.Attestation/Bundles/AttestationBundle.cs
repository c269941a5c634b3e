using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation.Bundles;

/// <summary>
/// An offline bundle (<c>attest … --bundle FILE</c>, <c>run --receipt … --bundle FILE</c>): the attestation result (one
/// VM, one GPU, or a composite result of the VM and every GPU) and the collateral a verifier needs to reach its verdict
/// without a network — certificates, CRLs, Intel TCB info and QE identity, NVIDIA device chains and RIMs — signed by the
/// attested host key. docs/bundles.md has the format.
/// </summary>
public sealed record AttestationBundle
{
    /// <summary>The <c>format</c> of this version.</summary>
    public const string Format = "tee-wasm-bundle/1";

    /// <summary>When the bundle was made.</summary>
    public required DateTimeOffset Created { get; init; }

    /// <summary>The attestation result, as its JSON reads (a VM or GPU result of <c>tee-wasm attest</c>, or a composite result).</summary>
    public required EvidenceDocument Evidence { get; init; }

    /// <summary>The collateral, in order.</summary>
    public required CollateralSet Collateral { get; init; }

    /// <summary>True when <see cref="Evidence"/> is a composite result.</summary>
    public bool IsComposite => CompositeEvidence.IsComposite(Evidence);
}
