namespace TeeWasm.Attestation.Evidence;

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

/// <summary>Names of <see cref="TeeType"/> values as the guest ABI spells them.</summary>
public static class TeeTypeNames
{
    /// <summary>The ABI name: "None", "Intel TDX", "AMD SEV-SNP" or "AMD SEV".</summary>
    public static string ToAbiName(this TeeType type) => type switch
    {
        TeeType.IntelTdx => "Intel TDX",
        TeeType.AmdSevSnp => "AMD SEV-SNP",
        TeeType.AmdSev => "AMD SEV",
        _ => "None",
    };

    /// <summary>True for the TEE types that produce hardware attestation evidence.</summary>
    public static bool SupportsAttestation(this TeeType type) => type is TeeType.IntelTdx or TeeType.AmdSevSnp;
}
