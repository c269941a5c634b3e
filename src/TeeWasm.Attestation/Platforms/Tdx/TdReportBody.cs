using System.Buffers.Binary;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>
/// The quote body: a TD report (Intel TDX DCAP Quote Generation/Verification Library spec, "TD Quote Body";
/// TD report 1.0 = 584 bytes in quote v4/v5, TD report 1.5 = 648 bytes in quote v5 body type 3).
/// </summary>
public sealed class TdReportBody
{
    /// <summary>Size of a TD report 1.0 body.</summary>
    public const int Size10 = 584;

    /// <summary>Size of a TD report 1.5 body (adds TEE_TCB_SVN_2 and MRSERVICETD).</summary>
    public const int Size15 = 648;

    internal const int TeeTcbSvnOffset = 0;
    internal const int TeeTcbSvnLength = 16;
    internal const int MrSeamOffset = 16;
    internal const int MrSignerSeamOffset = 64;
    internal const int SeamAttributesOffset = 112;
    internal const int TdAttributesOffset = 120;
    internal const int XfamOffset = 128;
    internal const int MrTdOffset = 136;
    internal const int MrConfigIdOffset = 184;
    internal const int MrOwnerOffset = 232;
    internal const int MrOwnerConfigOffset = 280;
    internal const int Rtmr0Offset = 328;
    internal const int ReportDataOffset = 520;
    internal const int ReportDataLength = 64;
    internal const int TeeTcbSvn2Offset = 584;
    internal const int MrServiceTdOffset = 600;
    internal const int MeasurementLength = 48;
    internal const int RtmrCount = 4;

    private TdReportBody(ReadOnlyMemory<byte> raw)
    {
        ReadOnlySpan<byte> body = raw.Span;
        Raw = raw;
        IsTdReport15 = body.Length == Size15;
        TeeTcbSvn = raw.Slice(TeeTcbSvnOffset, TeeTcbSvnLength);
        MrSeam = raw.Slice(MrSeamOffset, MeasurementLength);
        MrSignerSeam = raw.Slice(MrSignerSeamOffset, MeasurementLength);
        SeamAttributes = BinaryPrimitives.ReadUInt64LittleEndian(body[SeamAttributesOffset..]);
        TdAttributes = (TdAttributes)BinaryPrimitives.ReadUInt64LittleEndian(body[TdAttributesOffset..]);
        Xfam = BinaryPrimitives.ReadUInt64LittleEndian(body[XfamOffset..]);
        MrTd = raw.Slice(MrTdOffset, MeasurementLength);
        MrConfigId = raw.Slice(MrConfigIdOffset, MeasurementLength);
        MrOwner = raw.Slice(MrOwnerOffset, MeasurementLength);
        MrOwnerConfig = raw.Slice(MrOwnerConfigOffset, MeasurementLength);
        var rtmrs = new ReadOnlyMemory<byte>[RtmrCount];
        for (int i = 0; i < RtmrCount; i++)
        {
            rtmrs[i] = raw.Slice(Rtmr0Offset + (i * MeasurementLength), MeasurementLength);
        }
        Rtmrs = rtmrs;
        ReportData = raw.Slice(ReportDataOffset, ReportDataLength);
        TeeTcbSvn2 = IsTdReport15 ? raw.Slice(TeeTcbSvn2Offset, TeeTcbSvnLength) : ReadOnlyMemory<byte>.Empty;
        MrServiceTd = IsTdReport15 ? raw.Slice(MrServiceTdOffset, MeasurementLength) : ReadOnlyMemory<byte>.Empty;
    }

    /// <summary>The body's bytes as they appear in the quote (584 or 648 bytes).</summary>
    public ReadOnlyMemory<byte> Raw { get; }

    /// <summary>True for a TD report 1.5 body (quote v5, body type 3).</summary>
    public bool IsTdReport15 { get; }

    /// <summary>TEE_TCB_SVN (16 bytes): [0] TDX module SVN, [1] TDX module major version, [2..] further components.</summary>
    public ReadOnlyMemory<byte> TeeTcbSvn { get; }

    /// <summary>MRSEAM: measurement of the TDX module (48 bytes).</summary>
    public ReadOnlyMemory<byte> MrSeam { get; }

    /// <summary>MRSIGNERSEAM: signer of the TDX module (48 bytes; zero for Intel's module).</summary>
    public ReadOnlyMemory<byte> MrSignerSeam { get; }

    /// <summary>SEAM attributes (zero for Intel's module).</summary>
    public ulong SeamAttributes { get; }

    /// <summary>TD attributes; see <see cref="TdAttributesExtensions.IsDebug"/>.</summary>
    public TdAttributes TdAttributes { get; }

    /// <summary>XFAM: extended features allowed mask.</summary>
    public ulong Xfam { get; }

    /// <summary>MRTD: measurement of the initial TD contents (48 bytes).</summary>
    public ReadOnlyMemory<byte> MrTd { get; }

    /// <summary>MRCONFIGID: software-defined configuration id (48 bytes).</summary>
    public ReadOnlyMemory<byte> MrConfigId { get; }

    /// <summary>MROWNER: software-defined owner id (48 bytes).</summary>
    public ReadOnlyMemory<byte> MrOwner { get; }

    /// <summary>MROWNERCONFIG: software-defined owner configuration (48 bytes).</summary>
    public ReadOnlyMemory<byte> MrOwnerConfig { get; }

    /// <summary>RTMR0..RTMR3: run-time extendable measurement registers (48 bytes each).</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Rtmrs { get; }

    /// <summary>REPORTDATA: the 64 bytes the TD bound into the report (nonce, key hash).</summary>
    public ReadOnlyMemory<byte> ReportData { get; }

    /// <summary>TEE_TCB_SVN_2 (TD report 1.5 only; empty otherwise).</summary>
    public ReadOnlyMemory<byte> TeeTcbSvn2 { get; }

    /// <summary>MRSERVICETD (TD report 1.5 only; empty otherwise).</summary>
    public ReadOnlyMemory<byte> MrServiceTd { get; }

    /// <summary>TDX module major version: TEE_TCB_SVN[1].</summary>
    public byte TdxModuleMajorVersion => TeeTcbSvn.Span[1];

    /// <summary>TDX module SVN: TEE_TCB_SVN[0].</summary>
    public byte TdxModuleSvn => TeeTcbSvn.Span[0];

    internal static TdReportBody Parse(ReadOnlySpan<byte> body) => Parse(new ReadOnlyMemory<byte>(body.ToArray()));

    /// <summary>Parses a body that <paramref name="body"/> keeps (no copy: it must not change afterwards).</summary>
    internal static TdReportBody Parse(ReadOnlyMemory<byte> body) =>
        body.Length is Size10 or Size15 ? new(body) : throw new TdxException($"TD report body has {body.Length} bytes; expected {Size10} or {Size15}");
}
