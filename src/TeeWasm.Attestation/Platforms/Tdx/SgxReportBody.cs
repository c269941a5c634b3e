using System.Buffers.Binary;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>
/// A 384-byte SGX enclave report body (Intel SGX/TDX DCAP spec, "Enclave Report Body"); in a TDX quote it is the
/// quoting enclave's report, signed by the PCK.
/// </summary>
public sealed class SgxReportBody
{
    /// <summary>Size in bytes.</summary>
    public const int Size = 384;

    internal const int CpuSvnOffset = 0;
    internal const int CpuSvnLength = 16;
    internal const int MiscSelectOffset = 16;
    internal const int AttributesOffset = 48;
    internal const int AttributesLength = 16;
    internal const int MrEnclaveOffset = 64;
    internal const int MrSignerOffset = 128;
    internal const int HashLength = 32;
    internal const int IsvProdIdOffset = 256;
    internal const int IsvSvnOffset = 258;
    internal const int ReportDataOffset = 320;
    internal const int ReportDataLength = 64;

    private SgxReportBody(ReadOnlyMemory<byte> raw)
    {
        ReadOnlySpan<byte> report = raw.Span;
        Raw = raw;
        CpuSvn = raw.Slice(CpuSvnOffset, CpuSvnLength);
        MiscSelect = BinaryPrimitives.ReadUInt32LittleEndian(report[MiscSelectOffset..]);
        Attributes = raw.Slice(AttributesOffset, AttributesLength);
        MrEnclave = raw.Slice(MrEnclaveOffset, HashLength);
        MrSigner = raw.Slice(MrSignerOffset, HashLength);
        IsvProdId = BinaryPrimitives.ReadUInt16LittleEndian(report[IsvProdIdOffset..]);
        IsvSvn = BinaryPrimitives.ReadUInt16LittleEndian(report[IsvSvnOffset..]);
        ReportData = raw.Slice(ReportDataOffset, ReportDataLength);
    }

    /// <summary>The 384 bytes as they appear in the quote (the data the PCK signed).</summary>
    public ReadOnlyMemory<byte> Raw { get; }

    /// <summary>CPUSVN (16 bytes).</summary>
    public ReadOnlyMemory<byte> CpuSvn { get; }

    /// <summary>MISCSELECT.</summary>
    public uint MiscSelect { get; }

    /// <summary>ATTRIBUTES (16 bytes: flags then XFRM).</summary>
    public ReadOnlyMemory<byte> Attributes { get; }

    /// <summary>MRENCLAVE (32 bytes).</summary>
    public ReadOnlyMemory<byte> MrEnclave { get; }

    /// <summary>MRSIGNER (32 bytes).</summary>
    public ReadOnlyMemory<byte> MrSigner { get; }

    /// <summary>ISVPRODID.</summary>
    public ushort IsvProdId { get; }

    /// <summary>ISVSVN.</summary>
    public ushort IsvSvn { get; }

    /// <summary>REPORTDATA (64 bytes): SHA-256(attestation key ‖ QE auth data) then 32 zero bytes.</summary>
    public ReadOnlyMemory<byte> ReportData { get; }

    internal static SgxReportBody Parse(ReadOnlySpan<byte> report) => new(report[..Size].ToArray());

    /// <summary>Parses a report that <paramref name="report"/> keeps (no copy: it must not change afterwards).</summary>
    internal static SgxReportBody Parse(ReadOnlyMemory<byte> report) => new(report[..Size]);
}
