using System.Buffers.Binary;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>
/// A 1024-byte TDREPORT_STRUCT (TDX module ABI spec: REPORTMACSTRUCT 256 bytes, TEE_TCB_INFO 239 bytes, 17 reserved,
/// TDINFO 512 bytes) as TDG.MR.REPORT returns it. It is protected by a MAC with a CPU-internal key, <b>not signed</b>:
/// it cannot be verified off the platform. Turn it into a quote (configfs-tsm, a quoting enclave, or Azure IMDS) and
/// verify that; <see cref="AzureVtpm.TdQuotePairing"/> checks that a quote carries this report's fields.
/// </summary>
public sealed class TdxTdReport
{
    /// <summary>Size in bytes.</summary>
    public const int Size = 1024;

    // REPORTMACSTRUCT (offset 0, 256 bytes).
    internal const int ReportTypeOffset = 0;
    internal const int CpuSvnOffset = 16;
    internal const int TeeTcbInfoHashOffset = 32;
    internal const int TeeInfoHashOffset = 80;
    internal const int ReportDataOffset = 128;
    internal const int ReportDataLength = 64;
    internal const int MacOffset = 224;
    internal const int MacLength = 32;

    // TEE_TCB_INFO (offset 256, 239 bytes); field offsets relative to it.
    internal const int TeeTcbInfoOffset = 256;
    internal const int TeeTcbInfoLength = 239;
    internal const int TcbValidOffset = 0;
    internal const int TcbTeeTcbSvnOffset = 8;
    internal const int TcbMrSeamOffset = 24;
    internal const int TcbMrSignerSeamOffset = 72;
    internal const int TcbSeamAttributesOffset = 120;
    internal const int TcbTeeTcbSvn2Offset = 128;
    internal const int TeeTcbSvnLength = 16;

    // TDINFO (offset 512, 512 bytes); field offsets relative to it.
    internal const int TdInfoOffset = 512;
    internal const int TdInfoLength = 512;
    internal const int InfoAttributesOffset = 0;
    internal const int InfoXfamOffset = 8;
    internal const int InfoMrTdOffset = 16;
    internal const int InfoMrConfigIdOffset = 64;
    internal const int InfoMrOwnerOffset = 112;
    internal const int InfoMrOwnerConfigOffset = 160;
    internal const int InfoRtmr0Offset = 208;
    internal const int InfoServTdHashOffset = 400;
    internal const int MeasurementLength = 48;
    internal const int RtmrCount = 4;

    private TdxTdReport(byte[] raw)
    {
        Raw = raw;
        var rtmrs = new ReadOnlyMemory<byte>[RtmrCount];
        for (int i = 0; i < RtmrCount; i++)
        {
            rtmrs[i] = Info(InfoRtmr0Offset + (i * MeasurementLength), MeasurementLength);
        }
        Rtmrs = rtmrs;
    }

    /// <summary>The 1024 bytes.</summary>
    public ReadOnlyMemory<byte> Raw { get; }

    /// <summary>REPORTMACSTRUCT.REPORTTYPE: TEE type (0x81 = TDX), subtype, version, reserved.</summary>
    public ReadOnlyMemory<byte> ReportType => Raw.Slice(ReportTypeOffset, 4);

    /// <summary>REPORTMACSTRUCT.REPORTDATA: the 64 bytes the TD supplied.</summary>
    public ReadOnlyMemory<byte> ReportData => Raw.Slice(ReportDataOffset, ReportDataLength);

    /// <summary>REPORTMACSTRUCT.MAC: a MAC only the same CPU can check; it proves nothing to a remote party.</summary>
    public ReadOnlyMemory<byte> Mac => Raw.Slice(MacOffset, MacLength);

    /// <summary>TEE_TCB_INFO (239 bytes).</summary>
    public ReadOnlyMemory<byte> TeeTcbInfo => Raw.Slice(TeeTcbInfoOffset, TeeTcbInfoLength);

    /// <summary>TEE_TCB_INFO.TEE_TCB_SVN (16 bytes).</summary>
    public ReadOnlyMemory<byte> TeeTcbSvn => Tcb(TcbTeeTcbSvnOffset, TeeTcbSvnLength);

    /// <summary>TEE_TCB_INFO.MRSEAM (48 bytes).</summary>
    public ReadOnlyMemory<byte> MrSeam => Tcb(TcbMrSeamOffset, MeasurementLength);

    /// <summary>TEE_TCB_INFO.MRSIGNERSEAM (48 bytes).</summary>
    public ReadOnlyMemory<byte> MrSignerSeam => Tcb(TcbMrSignerSeamOffset, MeasurementLength);

    /// <summary>TEE_TCB_INFO.ATTRIBUTES: the SEAM attributes.</summary>
    public ulong SeamAttributes => BinaryPrimitives.ReadUInt64LittleEndian(Tcb(TcbSeamAttributesOffset, 8).Span);

    /// <summary>TEE_TCB_INFO.TEE_TCB_SVN_2 (16 bytes; TDX 1.5, zero before).</summary>
    public ReadOnlyMemory<byte> TeeTcbSvn2 => Tcb(TcbTeeTcbSvn2Offset, TeeTcbSvnLength);

    /// <summary>TDINFO_STRUCT (512 bytes: attributes, XFAM, MRTD, MRCONFIGID, MROWNER, MROWNERCONFIG, RTMRs, SERVTD_HASH).</summary>
    public ReadOnlyMemory<byte> TdInfo => Raw.Slice(TdInfoOffset, TdInfoLength);

    /// <summary>TDINFO.ATTRIBUTES: the TD attributes.</summary>
    public TdAttributes TdAttributes => (TdAttributes)BinaryPrimitives.ReadUInt64LittleEndian(Info(InfoAttributesOffset, 8).Span);

    /// <summary>TDINFO.XFAM.</summary>
    public ulong Xfam => BinaryPrimitives.ReadUInt64LittleEndian(Info(InfoXfamOffset, 8).Span);

    /// <summary>TDINFO.MRTD (48 bytes).</summary>
    public ReadOnlyMemory<byte> MrTd => Info(InfoMrTdOffset, MeasurementLength);

    /// <summary>TDINFO.MRCONFIGID (48 bytes).</summary>
    public ReadOnlyMemory<byte> MrConfigId => Info(InfoMrConfigIdOffset, MeasurementLength);

    /// <summary>TDINFO.MROWNER (48 bytes).</summary>
    public ReadOnlyMemory<byte> MrOwner => Info(InfoMrOwnerOffset, MeasurementLength);

    /// <summary>TDINFO.MROWNERCONFIG (48 bytes).</summary>
    public ReadOnlyMemory<byte> MrOwnerConfig => Info(InfoMrOwnerConfigOffset, MeasurementLength);

    /// <summary>TDINFO.RTMR0..RTMR3 (48 bytes each).</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Rtmrs { get; }

    /// <summary>TDINFO.SERVTD_HASH (48 bytes; TDX 1.5, zero before); a TD report 1.5 quote body calls it MRSERVICETD.</summary>
    public ReadOnlyMemory<byte> ServTdHash => Info(InfoServTdHashOffset, MeasurementLength);

    /// <summary>Always false: a TDREPORT is MAC'd, not signed, and cannot be verified remotely.</summary>
    public bool IsRemotelyVerifiable => false;

    /// <summary>Wraps the first 1024 bytes of <paramref name="report"/> (an HCL report pads the TDREPORT to 1184).</summary>
    /// <param name="report">At least <see cref="Size"/> bytes.</param>
    public static TdxTdReport Parse(ReadOnlySpan<byte> report) =>
        report.Length >= Size ? new(report[..Size].ToArray()) : throw new TdxException($"TDREPORT has {report.Length} bytes; expected {Size}");

    private ReadOnlyMemory<byte> Tcb(int offset, int length) => Raw.Slice(TeeTcbInfoOffset + offset, length);

    private ReadOnlyMemory<byte> Info(int offset, int length) => Raw.Slice(TdInfoOffset + offset, length);
}
