using System.Buffers.Binary;
using System.Security.Cryptography;

namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>
/// An NVIDIA GPU attestation report: the SPDM 1.1 GET_MEASUREMENTS request the driver sent (DSP0274 §10.11) followed by
/// the GPU's MEASUREMENTS response, whose last 96 bytes are an ECDSA P-384 signature (r ‖ s, big-endian) over
/// SHA-384 of everything before it. Trailing bytes after the signature are ignored (the lengths inside count).
/// </summary>
public sealed class GpuAttestationReport
{
    /// <summary>SPDM version 1.1 as encoded in the header.</summary>
    public const byte SpdmVersion11 = 0x11;
    /// <summary>GET_MEASUREMENTS request code.</summary>
    public const byte GetMeasurementsCode = 0xE0;
    /// <summary>MEASUREMENTS response code.</summary>
    public const byte MeasurementsCode = 0x60;
    /// <summary>Length of the GET_MEASUREMENTS request with a signature requested: header 4, nonce 32, slot 1.</summary>
    public const int RequestLength = 37;
    /// <summary>Nonce length in request and response.</summary>
    public const int NonceLength = 32;
    /// <summary>ECDSA P-384 signature length (r ‖ s).</summary>
    public const int SignatureLength = 96;

    private const int RequestNonceOffset = 4;
    private const int RequestSlotOffset = 36;
    private const int ResponseBlockCountOffset = 4;
    private const int ResponseRecordLengthOffset = 5;
    private const int ResponseRecordOffset = 8;
    private const int OpaqueLengthSize = 2;

    private GpuAttestationReport() { }

    /// <summary>The report bytes, exactly as long as its own lengths say (request ‖ response ‖ signature).</summary>
    public ReadOnlyMemory<byte> Raw { get; private init; }

    /// <summary>The 37-byte GET_MEASUREMENTS request.</summary>
    public ReadOnlyMemory<byte> Request => Raw[..RequestLength];

    /// <summary>Request param1 (bit 0: signature requested).</summary>
    public byte RequestAttributes { get; private init; }

    /// <summary>Request param2: the measurement operation (0xFF = all measurements).</summary>
    public byte RequestOperation { get; private init; }

    /// <summary>The nonce the requester (our caller) supplied.</summary>
    public ReadOnlyMemory<byte> RequestNonce => Raw.Slice(RequestNonceOffset, NonceLength);

    /// <summary>The certificate slot the signature uses.</summary>
    public byte SlotId { get; private init; }

    /// <summary>The measurement blocks, in record order.</summary>
    public IReadOnlyList<SpdmMeasurementBlock> Blocks { get; private init; } = [];

    /// <summary>The responder's own 32-byte nonce.</summary>
    public ReadOnlyMemory<byte> ResponderNonce { get; private init; }

    /// <summary>The raw opaque data.</summary>
    public ReadOnlyMemory<byte> OpaqueDataBytes { get; private init; }

    /// <summary>The NVIDIA fields of the opaque data.</summary>
    public NvidiaOpaqueData OpaqueData { get; private init; } = null!;

    /// <summary>The bytes the signature covers: request ‖ response without the signature.</summary>
    public ReadOnlyMemory<byte> SignedBytes => Raw[..^SignatureLength];

    /// <summary>The signature, r ‖ s big-endian.</summary>
    public ReadOnlyMemory<byte> Signature => Raw[^SignatureLength..];

    /// <summary>The measurement block with SPDM index <paramref name="index"/>, or null.</summary>
    public SpdmMeasurementBlock? GetBlock(int index) => Blocks.FirstOrDefault(b => b.Index == index);

    /// <summary>SHA-384 over the measurement record (every block as it appears in the signed response).</summary>
    public byte[] ComputeMeasurementDigest()
    {
        ReadOnlySpan<byte> response = Raw.Span[RequestLength..];
        int recordLength = ReadUInt24(response[ResponseRecordLengthOffset..]);
        return SHA384.HashData(response.Slice(ResponseRecordOffset, recordLength));
    }

    /// <summary>Parses a report from its hex form (whitespace ignored), as NVIDIA's tools store it.</summary>
    /// <exception cref="NvidiaAttestationException">The text is not hex or not a report.</exception>
    public static GpuAttestationReport ParseHex(string hex)
    {
        string compact = string.Concat(hex.Where(c => !char.IsWhiteSpace(c)));
        byte[] bytes;
        try
        {
            bytes = Convert.FromHexString(compact);
        }
        catch (FormatException e)
        {
            throw new NvidiaAttestationException(NvidiaFailureReason.Malformed, "GPU attestation report is not valid hex", e);
        }
        return Parse(bytes);
    }

    /// <summary>Parses a report.</summary>
    /// <exception cref="NvidiaAttestationException">The bytes are not an SPDM 1.1 measurement request and response.</exception>
    public static GpuAttestationReport Parse(ReadOnlyMemory<byte> data) =>
        TryParse(data, out var report, out string? error)
            ? report!
            : throw new NvidiaAttestationException(NvidiaFailureReason.Malformed, "GPU attestation report is malformed: " + error);

    /// <summary>Parses a report; false and the reason when it is malformed.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> data, out GpuAttestationReport? report, out string? error)
    {
        report = null;
        ReadOnlySpan<byte> s = data.Span;
        if (s.Length < RequestLength + ResponseRecordOffset)
            return Fail($"{s.Length} bytes is too short", out error);
        if (s[0] != SpdmVersion11 || s[1] != GetMeasurementsCode)
            return Fail($"request header {s[0]:x2} {s[1]:x2} is not SPDM 1.1 GET_MEASUREMENTS (11 e0)", out error);
        ReadOnlySpan<byte> response = s[RequestLength..];
        if (response[0] != SpdmVersion11 || response[1] != MeasurementsCode)
            return Fail($"response header {response[0]:x2} {response[1]:x2} is not SPDM 1.1 MEASUREMENTS (11 60)", out error);

        int blockCount = response[ResponseBlockCountOffset];
        int recordLength = ReadUInt24(response[ResponseRecordLengthOffset..]);
        int fixedAfterRecord = NonceLength + OpaqueLengthSize;
        if (recordLength > response.Length - ResponseRecordOffset - fixedAfterRecord)
            return Fail($"measurement record length {recordLength} runs past the end", out error);

        var blocks = new List<SpdmMeasurementBlock>(blockCount);
        int absRecord = RequestLength + ResponseRecordOffset;
        int offset = 0;
        for (int i = 0; i < blockCount; i++)
        {
            ReadOnlySpan<byte> record = s.Slice(absRecord, recordLength);
            if (record.Length - offset < SpdmMeasurementBlock.HeaderSize)
                return Fail($"measurement block {i} runs past the record", out error);
            byte index = record[offset];
            byte spec = record[offset + 1];
            int size = BinaryPrimitives.ReadUInt16LittleEndian(record[(offset + 2)..]);
            int body = offset + SpdmMeasurementBlock.HeaderSize;
            if (size > record.Length - body)
                return Fail($"measurement block {index} (size {size}) runs past the record", out error);
            if (spec != SpdmMeasurementBlock.DmtfSpecification || size < SpdmMeasurementBlock.DmtfHeaderSize)
                return Fail($"measurement block {index} is not in DMTF format (specification {spec:x2})", out error);
            byte valueType = record[body];
            int valueSize = BinaryPrimitives.ReadUInt16LittleEndian(record[(body + 1)..]);
            if (valueSize != size - SpdmMeasurementBlock.DmtfHeaderSize)
                return Fail($"measurement block {index}: DMTF value size {valueSize} does not fit block size {size}", out error);
            blocks.Add(new SpdmMeasurementBlock(index, spec, valueType,
                data.Slice(absRecord + body + SpdmMeasurementBlock.DmtfHeaderSize, valueSize)));
            offset = body + size;
        }
        if (offset != recordLength)
            return Fail($"measurement blocks fill {offset} bytes of a {recordLength}-byte record", out error);

        int nonceAt = absRecord + recordLength;
        int opaqueLength = BinaryPrimitives.ReadUInt16LittleEndian(s[(nonceAt + NonceLength)..]);
        int opaqueAt = nonceAt + NonceLength + OpaqueLengthSize;
        int total = opaqueAt + opaqueLength + SignatureLength;
        if (total > s.Length)
            return Fail($"opaque data ({opaqueLength} bytes) and signature run past the end ({s.Length} bytes)", out error);
        ReadOnlyMemory<byte> opaqueBytes = data.Slice(opaqueAt, opaqueLength);
        if (!NvidiaOpaqueData.TryParse(opaqueBytes, out var opaque))
            return Fail("opaque data fields run past its length", out error);

        report = new GpuAttestationReport
        {
            Raw = data[..total],
            RequestAttributes = s[2],
            RequestOperation = s[3],
            SlotId = s[RequestSlotOffset],
            Blocks = blocks,
            ResponderNonce = data.Slice(nonceAt, NonceLength),
            OpaqueDataBytes = opaqueBytes,
            OpaqueData = opaque!,
        };
        error = null;
        return true;
    }

    private static int ReadUInt24(ReadOnlySpan<byte> s) => s[0] | (s[1] << 8) | (s[2] << 16);

    private static bool Fail(string message, out string? error)
    {
        error = message;
        return false;
    }
}
