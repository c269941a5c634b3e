namespace TeeWasm.Attestation.Platforms.Snp;

/// <summary>The key that signed a report (SIGNING_KEY, bits 4:2 of the report's flags at 0x48).</summary>
public enum SnpSigningKey
{
    /// <summary>Versioned Chip Endorsement Key: unique to the chip and its TCB.</summary>
    Vcek = 0,

    /// <summary>Versioned Loaded Endorsement Key: provisioned by a cloud provider (AMD-signed, chip-independent).</summary>
    Vlek = 1,

    /// <summary>The report is not signed.</summary>
    None = 7,
}
