namespace TeeWasm.Attestation.Tdx;

/// <summary>
/// A 1024-byte TDREPORT_STRUCT (TDX module ABI spec: REPORTMACSTRUCT 256 bytes, TEE_TCB_INFO 239 bytes, reserved,
/// TDINFO 512 bytes) as TDG.MR.REPORT returns it. It is protected by a MAC with a CPU-internal key, <b>not signed</b>:
/// it cannot be verified off the platform. Turn it into a quote (configfs-tsm, or a quoting enclave) and verify that.
/// </summary>
public sealed class TdxTdReport
{
    /// <summary>Size in bytes.</summary>
    public const int Size = 1024;

    internal const int ReportTypeOffset = 0;
    internal const int ReportDataOffset = 128;
    internal const int ReportDataLength = 64;
    internal const int MacOffset = 224;
    internal const int MacLength = 32;
    internal const int TeeTcbInfoOffset = 256;
    internal const int TeeTcbInfoLength = 239;
    internal const int TdInfoOffset = 512;
    internal const int TdInfoLength = 512;

    private TdxTdReport(byte[] raw) => Raw = raw;

    /// <summary>The 1024 bytes.</summary>
    public ReadOnlyMemory<byte> Raw { get; }

    /// <summary>REPORTMACSTRUCT.REPORTDATA: the 64 bytes the TD supplied.</summary>
    public ReadOnlyMemory<byte> ReportData => Raw.Slice(ReportDataOffset, ReportDataLength);

    /// <summary>REPORTMACSTRUCT.MAC: a MAC only the same CPU can check; it proves nothing to a remote party.</summary>
    public ReadOnlyMemory<byte> Mac => Raw.Slice(MacOffset, MacLength);

    /// <summary>TEE_TCB_INFO (239 bytes).</summary>
    public ReadOnlyMemory<byte> TeeTcbInfo => Raw.Slice(TeeTcbInfoOffset, TeeTcbInfoLength);

    /// <summary>TDINFO_STRUCT (512 bytes: attributes, XFAM, MRTD, MRCONFIGID, MROWNER, MROWNERCONFIG, RTMRs, …).</summary>
    public ReadOnlyMemory<byte> TdInfo => Raw.Slice(TdInfoOffset, TdInfoLength);

    /// <summary>Always false: a TDREPORT is MAC'd, not signed, and cannot be verified remotely.</summary>
    public bool IsRemotelyVerifiable => false;

    /// <summary>Wraps 1024 report bytes.</summary>
    /// <param name="report">Exactly <see cref="Size"/> bytes.</param>
    public static TdxTdReport Parse(ReadOnlySpan<byte> report) =>
        report.Length >= Size ? new(report[..Size].ToArray()) : throw new TdxException($"TDREPORT has {report.Length} bytes; expected {Size}");
}
