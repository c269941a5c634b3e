namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>
/// One block of an SPDM 1.1 MEASUREMENTS measurement record (DSP0274 §10.11.1, table "Measurement block format")
/// holding a DMTF-format measurement (table "DMTF measurement specification format").
/// </summary>
/// <param name="Index">The measurement index (1-based; RIM index <c>i</c> is block index <c>i + 1</c>).</param>
/// <param name="MeasurementSpecification">Bit mask of the measurement specification; bit 0 = DMTF.</param>
/// <param name="ValueType">DMTFSpecMeasurementValueType: bits 0–6 the kind, bit 7 set for a raw bit stream.</param>
/// <param name="Value">The measurement value (a SHA-384 digest on NVIDIA GPUs).</param>
public sealed record SpdmMeasurementBlock(int Index, byte MeasurementSpecification, byte ValueType, ReadOnlyMemory<byte> Value)
{
    /// <summary>Measurement specification bit for DMTF.</summary>
    public const byte DmtfSpecification = 0x01;

    /// <summary>Size of the block header: index, specification, 2-byte measurement size.</summary>
    internal const int HeaderSize = 4;

    /// <summary>Size of the DMTF measurement header: value type, 2-byte value size.</summary>
    internal const int DmtfHeaderSize = 3;

    /// <summary>The value as lowercase hex.</summary>
    public string ValueHex => Convert.ToHexStringLower(Value.Span);
}
