using System.Buffers.Binary;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>
/// The 48-byte quote header (Intel TDX DCAP Quote Generation/Verification Library spec, "Quote Header",
/// identical in quote v4 and v5).
/// </summary>
public sealed class TdxQuoteHeader
{
    /// <summary>Size of the header in bytes.</summary>
    public const int Size = 48;

    internal const int VersionOffset = 0;
    internal const int AttestationKeyTypeOffset = 2;
    internal const int TeeTypeOffset = 4;
    internal const int QeSvnOffset = 8;
    internal const int PceSvnOffset = 10;
    internal const int QeVendorIdOffset = 12;
    internal const int QeVendorIdLength = 16;
    internal const int UserDataOffset = 28;
    internal const int UserDataLength = 20;

    /// <summary>Attestation key type 2: ECDSA-256-with-P-256 curve.</summary>
    public const ushort AttestationKeyTypeEcdsaP256 = 2;

    /// <summary>TEE type of a TDX quote (0x00000081; SGX is 0).</summary>
    public const uint TeeTypeTdx = 0x81;

    /// <summary>Intel's QE vendor id (939A7233-F79C-4CA9-940A-0DB3957F0607).</summary>
    public static ReadOnlySpan<byte> IntelQeVendorId =>
        [0x93, 0x9A, 0x72, 0x33, 0xF7, 0x9C, 0x4C, 0xA9, 0x94, 0x0A, 0x0D, 0xB3, 0x95, 0x7F, 0x06, 0x07];

    private TdxQuoteHeader(ReadOnlySpan<byte> header)
    {
        Version = BinaryPrimitives.ReadUInt16LittleEndian(header[VersionOffset..]);
        AttestationKeyType = BinaryPrimitives.ReadUInt16LittleEndian(header[AttestationKeyTypeOffset..]);
        TeeType = BinaryPrimitives.ReadUInt32LittleEndian(header[TeeTypeOffset..]);
        QeSvn = BinaryPrimitives.ReadUInt16LittleEndian(header[QeSvnOffset..]);
        PceSvn = BinaryPrimitives.ReadUInt16LittleEndian(header[PceSvnOffset..]);
        QeVendorId = header.Slice(QeVendorIdOffset, QeVendorIdLength).ToArray();
        UserData = header.Slice(UserDataOffset, UserDataLength).ToArray();
    }

    /// <summary>Quote version: 4 or 5.</summary>
    public ushort Version { get; }

    /// <summary>Attestation key type; 2 (ECDSA P-256) is the only one defined.</summary>
    public ushort AttestationKeyType { get; }

    /// <summary>TEE type; 0x81 for TDX.</summary>
    public uint TeeType { get; }

    /// <summary>QE security version (reserved in quote v4/v5, usually zero).</summary>
    public ushort QeSvn { get; }

    /// <summary>PCE security version (reserved in quote v4/v5, usually zero).</summary>
    public ushort PceSvn { get; }

    /// <summary>16-byte id of the quoting enclave's vendor.</summary>
    public ReadOnlyMemory<byte> QeVendorId { get; }

    /// <summary>20 bytes of user data set by the quoting enclave (first 16 bytes: platform identifier).</summary>
    public ReadOnlyMemory<byte> UserData { get; }

    /// <summary>True when the QE vendor id is Intel's.</summary>
    public bool IsIntelQeVendor => QeVendorId.Span.SequenceEqual(IntelQeVendorId);

    internal static TdxQuoteHeader Parse(ReadOnlySpan<byte> header) => new(header[..Size]);
}
