using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>
/// An Intel TDX DCAP quote, version 4 or 5 (Intel "TDX DCAP Quote Generation Library and Quote Verification Library"
/// spec, appendix "TD Quote Format"). Only the lengths inside the quote are used: bytes after its end are ignored.
/// </summary>
public sealed class TdxQuote
{
    internal const int V4BodyOffset = TdxQuoteHeader.Size;
    internal const int V5BodyDescriptorOffset = TdxQuoteHeader.Size;
    internal const int V5BodyTypeOffset = 0;
    internal const int V5BodySizeOffset = 2;
    internal const int V5BodyDescriptorLength = 6; // u16 type + u32 size
    internal const int SignatureDataLengthSize = 4;

    /// <summary>Quote v5 body type 2: TD report 1.0 (584 bytes).</summary>
    public const ushort BodyTypeTdReport10 = 2;

    /// <summary>Quote v5 body type 3: TD report 1.5 (648 bytes).</summary>
    public const ushort BodyTypeTdReport15 = 3;

    private TdxQuote(byte[] raw, TdxQuoteHeader header, ushort bodyType, int bodyOffset, TdReportBody body, TdxQuoteSignatureData signatureData)
    {
        Raw = raw;
        Header = header;
        BodyType = bodyType;
        Body = body;
        SignedData = raw.AsMemory(0, bodyOffset + body.Raw.Length);
        SignatureData = signatureData;
    }

    /// <summary>The quote's own bytes (without trailing bytes that followed it in the input).</summary>
    public ReadOnlyMemory<byte> Raw { get; }

    /// <summary>Quote version (4 or 5).</summary>
    public ushort Version => Header.Version;

    /// <summary>The header.</summary>
    public TdxQuoteHeader Header { get; }

    /// <summary>Body type: v5 descriptor value; for v4 <see cref="BodyTypeTdReport10"/>.</summary>
    public ushort BodyType { get; }

    /// <summary>The TD report body; <see cref="TdReportBody.ReportData"/> carries the TD's 64 bytes of report data.</summary>
    public TdReportBody Body { get; }

    /// <summary>The bytes the attestation key signed: header ‖ (v5: body descriptor ‖) body.</summary>
    public ReadOnlyMemory<byte> SignedData { get; }

    /// <summary>Signature, attestation key, QE report and PCK certification data.</summary>
    public TdxQuoteSignatureData SignatureData { get; }

    /// <summary>Parses a quote; throws <see cref="TdxException"/> on malformed input.</summary>
    /// <param name="data">The quote bytes (trailing bytes after the quote are allowed and ignored).</param>
    public static TdxQuote Parse(ReadOnlySpan<byte> data) =>
        TryParse(data, out TdxQuote? quote, out string? error) ? quote : throw new TdxException("invalid TDX quote: " + error);

    /// <summary>Tries to parse a quote.</summary>
    /// <param name="data">The quote bytes.</param>
    /// <param name="quote">The quote, when the result is true.</param>
    public static bool TryParse(ReadOnlySpan<byte> data, [NotNullWhen(true)] out TdxQuote? quote) => TryParse(data, out quote, out _);

    /// <summary>Tries to parse a quote and says why it failed.</summary>
    /// <param name="data">The quote bytes.</param>
    /// <param name="quote">The quote, when the result is true.</param>
    /// <param name="error">Why parsing failed, when the result is false.</param>
    public static bool TryParse(ReadOnlySpan<byte> data, [NotNullWhen(true)] out TdxQuote? quote, [NotNullWhen(false)] out string? error)
    {
        quote = null;
        if (data.Length < TdxQuoteHeader.Size)
        {
            error = $"truncated: {data.Length} bytes, the header alone needs {TdxQuoteHeader.Size}";
            return false;
        }

        TdxQuoteHeader header = TdxQuoteHeader.Parse(data);
        if (header.Version is not (4 or 5))
        {
            error = $"unsupported quote version {header.Version} (expected 4 or 5)";
            return false;
        }
        if (header.AttestationKeyType != TdxQuoteHeader.AttestationKeyTypeEcdsaP256)
        {
            error = $"unsupported attestation key type {header.AttestationKeyType} (expected 2, ECDSA P-256)";
            return false;
        }
        if (header.TeeType != TdxQuoteHeader.TeeTypeTdx)
        {
            error = $"TEE type 0x{header.TeeType:X} is not TDX (0x81)";
            return false;
        }

        int bodyOffset;
        int bodyLength;
        ushort bodyType;
        if (header.Version == 4)
        {
            bodyType = BodyTypeTdReport10;
            bodyOffset = V4BodyOffset;
            bodyLength = TdReportBody.Size10;
        }
        else
        {
            if (data.Length < V5BodyDescriptorOffset + V5BodyDescriptorLength)
            {
                error = "truncated: no body descriptor";
                return false;
            }
            ReadOnlySpan<byte> descriptor = data.Slice(V5BodyDescriptorOffset, V5BodyDescriptorLength);
            bodyType = BinaryPrimitives.ReadUInt16LittleEndian(descriptor[V5BodyTypeOffset..]);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(descriptor[V5BodySizeOffset..]);
            int expected = bodyType switch { BodyTypeTdReport10 => TdReportBody.Size10, BodyTypeTdReport15 => TdReportBody.Size15, _ => -1 };
            if (expected < 0)
            {
                error = $"unsupported quote v5 body type {bodyType} (expected 2 = TD report 1.0 or 3 = TD report 1.5)";
                return false;
            }
            if (size != expected)
            {
                error = $"body type {bodyType} declares {size} bytes; expected {expected}";
                return false;
            }
            bodyOffset = V5BodyDescriptorOffset + V5BodyDescriptorLength;
            bodyLength = expected;
        }

        int sigLenOffset = bodyOffset + bodyLength;
        if (data.Length < sigLenOffset + SignatureDataLengthSize)
        {
            error = $"truncated: {data.Length} bytes, body and signature data length need {sigLenOffset + SignatureDataLengthSize}";
            return false;
        }
        uint sigDataLength = BinaryPrimitives.ReadUInt32LittleEndian(data[sigLenOffset..]);
        int sigDataOffset = sigLenOffset + SignatureDataLengthSize;
        if ((ulong)sigDataOffset + sigDataLength > (ulong)data.Length)
        {
            error = $"truncated: signature data declares {sigDataLength} bytes, only {data.Length - sigDataOffset} present";
            return false;
        }
        int quoteLength = sigDataOffset + (int)sigDataLength;
        // One copy of the quote; every part below is a slice of it.
        byte[] raw = data[..quoteLength].ToArray();
        if (!TryParseSignatureData(raw.AsMemory(sigDataOffset, (int)sigDataLength), out TdxQuoteSignatureData? signatureData, out error))
        {
            return false;
        }

        quote = new TdxQuote(raw, header, bodyType, bodyOffset, TdReportBody.Parse(raw.AsMemory(bodyOffset, bodyLength)), signatureData);
        error = null;
        return true;
    }

    private static bool TryParseSignatureData(ReadOnlyMemory<byte> sigData, [NotNullWhen(true)] out TdxQuoteSignatureData? result, [NotNullWhen(false)] out string? error)
    {
        result = null;
        ReadOnlySpan<byte> sig = sigData.Span;
        int pos = TdxQuoteSignatureData.CertificationDataOffset;
        if (!TryReadCertificationData(sig, ref pos, "outer", out ushort outerType, out ReadOnlySpan<byte> outer, out error))
        {
            return false;
        }
        ReadOnlyMemory<byte> outerData = sigData.Slice(pos - outer.Length, outer.Length);
        if (outerType != TdxQuoteSignatureData.CertificationDataTypeQeReport)
        {
            error = $"certification data type {outerType} is not supported (expected 6, QE report certification data)";
            return false;
        }

        int minimum = SgxReportBody.Size + TdxQuoteSignatureData.SignatureLength + TdxQuoteSignatureData.QeAuthDataLengthSize;
        if (outer.Length < minimum)
        {
            error = $"truncated: QE report certification data has {outer.Length} bytes, needs at least {minimum}";
            return false;
        }
        int p = 0;
        SgxReportBody qeReport = SgxReportBody.Parse(outerData.Slice(p, SgxReportBody.Size));
        p += SgxReportBody.Size;
        ReadOnlyMemory<byte> qeReportSignature = outerData.Slice(p, TdxQuoteSignatureData.SignatureLength);
        p += TdxQuoteSignatureData.SignatureLength;
        int authLength = BinaryPrimitives.ReadUInt16LittleEndian(outer[p..]);
        p += TdxQuoteSignatureData.QeAuthDataLengthSize;
        if (outer.Length - p < authLength)
        {
            error = $"truncated: QE auth data declares {authLength} bytes, only {outer.Length - p} present";
            return false;
        }
        ReadOnlyMemory<byte> authData = outerData.Slice(p, authLength);
        p += authLength;
        if (!TryReadCertificationData(outer, ref p, "PCK", out ushort innerType, out ReadOnlySpan<byte> inner, out error))
        {
            return false;
        }

        result = new TdxQuoteSignatureData(
            sigData.Slice(TdxQuoteSignatureData.SignatureOffset, TdxQuoteSignatureData.SignatureLength),
            sigData.Slice(TdxQuoteSignatureData.AttestationKeyOffset, TdxQuoteSignatureData.AttestationKeyLength),
            qeReport, qeReportSignature, authData, innerType, outerData.Slice(p - inner.Length, inner.Length));
        return true;
    }

    private static bool TryReadCertificationData(ReadOnlySpan<byte> data, ref int pos, string what, out ushort type, out ReadOnlySpan<byte> content, [NotNullWhen(false)] out string? error)
    {
        type = 0;
        content = default;
        if (data.Length - pos < TdxQuoteSignatureData.CertificationDataHeaderLength)
        {
            error = $"truncated: no {what} certification data header";
            return false;
        }
        type = BinaryPrimitives.ReadUInt16LittleEndian(data[pos..]);
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(data[(pos + 2)..]);
        pos += TdxQuoteSignatureData.CertificationDataHeaderLength;
        if (size > (uint)(data.Length - pos))
        {
            error = $"truncated: {what} certification data declares {size} bytes, only {data.Length - pos} present";
            return false;
        }
        content = data.Slice(pos, (int)size);
        pos += (int)size;
        error = null;
        return true;
    }
}
