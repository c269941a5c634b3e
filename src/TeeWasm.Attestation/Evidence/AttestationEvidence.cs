namespace TeeWasm.Attestation.Evidence;

/// <summary>What a piece of evidence attests: the confidential VM, or one GPU.</summary>
public enum EvidenceSubject
{
    /// <summary>The confidential VM (SEV-SNP, TDX, Azure vTPM).</summary>
    Vm,

    /// <summary>A GPU (NVIDIA).</summary>
    Gpu,
}

/// <summary>
/// Evidence of one platform, carried as typed data from collection to verdict. Each platform derives its own record
/// (raw report or quote, certificates, what its source states); JSON exists only at the edges, written and read by
/// <see cref="EvidenceDocument"/>.
/// </summary>
public abstract record AttestationEvidence
{
    /// <summary>Where it came from: "configfs-tsm", "sev-guest", "azure-vtpm", "nvml", "simulator", a file…</summary>
    public string Source { get; init; } = "";

    /// <summary>True when the evidence says it came from the simulator (a verifier decides by the chain, not by this).</summary>
    public bool Simulated { get; init; }

    /// <summary>What report_data binds (module, host key, nonce) and by which scheme, when the evidence records it.</summary>
    public VmBinding? Binding { get; init; }

    /// <summary>Why the binding the evidence records cannot be used (unknown scheme, inconsistent runtime data…), or null.</summary>
    public string? BindingError { get; init; }

    /// <summary>When the evidence was produced, when known (the attestation result's <c>timestamp</c>).</summary>
    public DateTimeOffset? Time { get; init; }

    /// <summary>How it was read, when worth saying (e.g. bytes after the report that are not signed and were ignored).</summary>
    public string? ReadNote { get; init; }

    /// <summary>What the evidence attests.</summary>
    public abstract EvidenceSubject Subject { get; }

    /// <summary>Writes this platform's members of the evidence JSON, in order (the document appends <c>binding</c>).</summary>
    protected internal abstract void WriteTo(EvidenceDocument.Writer writer);
}
