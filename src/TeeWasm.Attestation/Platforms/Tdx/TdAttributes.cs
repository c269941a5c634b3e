namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>TD attributes (TDX module ABI spec, TDINFO_STRUCT.ATTRIBUTES), a 64-bit little-endian bit field.</summary>
[Flags]
public enum TdAttributes : ulong
{
    /// <summary>No attribute set.</summary>
    None = 0,

    /// <summary>Bit 0 (TUD.DEBUG): the TD runs in debug mode; its memory and CPU state are not confidential.</summary>
    Debug = 1UL << 0,

    /// <summary>Bit 28 (SEPT_VE_DISABLE): EPT violation conversion to #VE is disabled for pending pages.</summary>
    SeptVeDisable = 1UL << 28,

    /// <summary>Bit 29 (MIGRATABLE): the TD may be migrated.</summary>
    Migratable = 1UL << 29,

    /// <summary>Bit 30 (PKS): supervisor protection keys are enabled.</summary>
    Pks = 1UL << 30,

    /// <summary>Bit 31 (KL): key locker is enabled.</summary>
    KeyLocker = 1UL << 31,

    /// <summary>Bit 62 (TPA): TD partitioning.</summary>
    Tpa = 1UL << 62,

    /// <summary>Bit 63 (PERFMON): the TD may use performance monitoring.</summary>
    PerfMon = 1UL << 63,
}

/// <summary>Helpers over <see cref="TdAttributes"/>.</summary>
public static class TdAttributesExtensions
{
    /// <summary>Mask of the TUD bits (0–7) that Intel defines as "TD under debug" group; any of them set makes the TD debuggable.</summary>
    public const ulong TudMask = 0xFF;

    /// <summary>True when the TD runs in debug mode (bit 0 set, or any other TUD bit).</summary>
    public static bool IsDebug(this TdAttributes attributes) => ((ulong)attributes & TudMask) != 0;
}
