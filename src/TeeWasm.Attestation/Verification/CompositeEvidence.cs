using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Verification;

/// <summary>One device of composite evidence: its evidence when it was collected, or why not.</summary>
/// <param name="Device">"VM" or "GPU i".</param>
/// <param name="Subject">What it is.</param>
/// <param name="GpuIndex">The GPU's index; null for the VM.</param>
/// <param name="Uuid">The GPU's UUID as stated, when known.</param>
/// <param name="Evidence">Its evidence, or null when the attestation recorded a failure.</param>
/// <param name="Platform">The platform that reads and verifies it (null with no evidence).</param>
/// <param name="RecordedError">The failure the attestation recorded for it, or null.</param>
public sealed record CompositeDevice(string Device, EvidenceSubject Subject, int? GpuIndex, string? Uuid, AttestationEvidence? Evidence,
    EvidencePlatform? Platform, string? RecordedError)
{
    /// <summary>How messages name it: "VM", "GPU 1 (GPU-…)".</summary>
    public string Label => Uuid is null ? Device : $"{Device} ({Uuid})";
}

/// <summary>
/// The evidence of a composite attestation (<c>tee-wasm attest all</c>, the guest's <c>attest_all</c>): the VM's and every
/// GPU's, and the one binding (module, host key, workload, nonce) they are all over. Read from the composite result JSON
/// or the composite evidence JSON alone (docs/attestation-abi.md).
/// </summary>
public sealed record CompositeEvidence
{
    /// <summary>The <c>tee_type</c> of composite evidence JSON.</summary>
    public const string TeeTypeName = "COMPOSITE";

    /// <summary>The <c>tee_type</c> of a composite attestation result.</summary>
    public const string ResultTeeTypeName = "composite";

    /// <summary>The VM first, then the GPUs in index order.</summary>
    public required IReadOnlyList<CompositeDevice> Devices { get; init; }

    /// <summary>The binding every device is over.</summary>
    public required VmBinding Binding { get; init; }

    /// <summary>When the evidence was made, when the result records it.</summary>
    public DateTimeOffset? Time { get; init; }

    /// <summary>The composite token the result carries, when it has one.</summary>
    public string? Token { get; init; }

    /// <summary>True when <paramref name="document"/> is a composite result or composite evidence.</summary>
    public static bool IsComposite(EvidenceDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document.TeeType == TeeTypeName) return true;
        return document.TeeType == ResultTeeTypeName && document.Has("devices");
    }
}
