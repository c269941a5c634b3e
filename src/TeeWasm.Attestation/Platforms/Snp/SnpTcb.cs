using System.Globalization;

namespace TeeWasm.Attestation.Platforms.Snp;

/// <summary>How the eight bytes of a TCB_VERSION are assigned to firmware components.</summary>
public enum SnpTcbLayout
{
    /// <summary>Milan and Genoa (CPUID family 0x19): byte 0 boot loader, 1 TEE, 2..5 reserved, 6 SNP, 7 microcode.</summary>
    MilanGenoa = 0,

    /// <summary>Turin (CPUID family 0x1A): byte 0 FMC, 1 boot loader, 2 TEE, 3 SNP, 4..6 reserved, 7 microcode.</summary>
    Turin = 1,
}

/// <summary>
/// A TCB_VERSION (SEV-SNP ABI spec, "TCB_VERSION structure"): a little-endian 64-bit value whose bytes are the security
/// patch levels (SPLs) of the firmware components. The byte positions depend on the product (<see cref="Layout"/>).
/// </summary>
public readonly struct SnpTcb : IEquatable<SnpTcb>
{
    /// <summary>Wraps a raw TCB_VERSION value read with the given layout.</summary>
    public SnpTcb(ulong raw, SnpTcbLayout layout = SnpTcbLayout.MilanGenoa)
    {
        Raw = raw;
        Layout = layout;
    }

    /// <summary>The raw 64-bit value as it appears (little-endian) in the report.</summary>
    public ulong Raw { get; }

    /// <summary>Which byte holds which component.</summary>
    public SnpTcbLayout Layout { get; }

    /// <summary>Firmware-management-controller SPL (Turin only; 0 for Milan/Genoa).</summary>
    public byte Fmc => Layout == SnpTcbLayout.Turin ? ByteAt(0) : (byte)0;

    /// <summary>Boot loader SPL.</summary>
    public byte Bootloader => ByteAt(Layout == SnpTcbLayout.Turin ? 1 : 0);

    /// <summary>PSP OS (TEE) SPL.</summary>
    public byte Tee => ByteAt(Layout == SnpTcbLayout.Turin ? 2 : 1);

    /// <summary>SNP firmware SPL.</summary>
    public byte Snp => ByteAt(Layout == SnpTcbLayout.Turin ? 3 : 6);

    /// <summary>Microcode SPL.</summary>
    public byte Microcode => ByteAt(7);

    /// <summary>Builds a Milan/Genoa TCB from its components.</summary>
    public static SnpTcb Create(byte bootloader, byte tee, byte snp, byte microcode) =>
        new(bootloader | (ulong)tee << 8 | (ulong)snp << 48 | (ulong)microcode << 56, SnpTcbLayout.MilanGenoa);

    /// <summary>Builds a Turin TCB from its components.</summary>
    public static SnpTcb CreateTurin(byte fmc, byte bootloader, byte tee, byte snp, byte microcode) =>
        new(fmc | (ulong)bootloader << 8 | (ulong)tee << 16 | (ulong)snp << 24 | (ulong)microcode << 56, SnpTcbLayout.Turin);

    /// <summary>The same raw value read with another layout.</summary>
    public SnpTcb WithLayout(SnpTcbLayout layout) => new(Raw, layout);

    private byte ByteAt(int index) => (byte)(Raw >> (8 * index));

    /// <inheritdoc/>
    public bool Equals(SnpTcb other) => Raw == other.Raw && Layout == other.Layout;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SnpTcb other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Raw, Layout);

    /// <summary>Equality of raw value and layout.</summary>
    public static bool operator ==(SnpTcb left, SnpTcb right) => left.Equals(right);

    /// <summary>Inequality of raw value or layout.</summary>
    public static bool operator !=(SnpTcb left, SnpTcb right) => !left.Equals(right);

    /// <summary>The raw value and its components, e.g. <c>0x4405000000000002 (bl 2, tee 0, snp 5, ucode 68)</c>.</summary>
    public override string ToString() => Layout == SnpTcbLayout.Turin
        ? string.Create(CultureInfo.InvariantCulture, $"0x{Raw:x16} (fmc {Fmc}, bl {Bootloader}, tee {Tee}, snp {Snp}, ucode {Microcode})")
        : string.Create(CultureInfo.InvariantCulture, $"0x{Raw:x16} (bl {Bootloader}, tee {Tee}, snp {Snp}, ucode {Microcode})");
}
