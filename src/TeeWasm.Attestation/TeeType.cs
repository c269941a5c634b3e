namespace TeeWasm.Attestation;

/// <summary>The kind of trusted execution environment the host runs in.</summary>
public enum TeeType
{
    /// <summary>No TEE: an ordinary VM or bare metal.</summary>
    None,

    /// <summary>Intel Trust Domain Extensions.</summary>
    IntelTdx,

    /// <summary>AMD SEV with Secure Nested Paging (attestable).</summary>
    AmdSevSnp,

    /// <summary>AMD SEV without SNP: memory encryption only, no attestation.</summary>
    AmdSev,
}
