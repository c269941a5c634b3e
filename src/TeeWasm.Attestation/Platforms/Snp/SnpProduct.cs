namespace TeeWasm.Attestation.Platforms.Snp;

/// <summary>An AMD EPYC generation with its own SEV-SNP root of trust (ARK).</summary>
public enum SnpProduct
{
    /// <summary>Not known (a version 2 report, or a root that is not AMD's).</summary>
    Unknown = 0,

    /// <summary>EPYC 7003 (Zen 3), CPUID family 0x19 models 0x00..0x0F.</summary>
    Milan,

    /// <summary>EPYC 9004 (Zen 4), CPUID family 0x19 models 0x10..0x1F and 0xA0..0xAF.</summary>
    Genoa,

    /// <summary>EPYC 9005 (Zen 5), CPUID family 0x1A.</summary>
    Turin,
}
