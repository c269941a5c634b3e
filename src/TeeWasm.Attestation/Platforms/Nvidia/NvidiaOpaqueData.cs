using System.Buffers.Binary;
using System.Text;

namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>
/// The opaque data of an NVIDIA GPU's SPDM MEASUREMENTS response: a list of (u16 type, u16 size, value) fields,
/// little-endian, with the IDs of <see cref="NvidiaOpaqueFieldId"/>.
/// </summary>
public sealed class NvidiaOpaqueData
{
    private const int FieldHeaderSize = 4;
    private readonly Dictionary<NvidiaOpaqueFieldId, ReadOnlyMemory<byte>> _fields;

    private NvidiaOpaqueData(Dictionary<NvidiaOpaqueFieldId, ReadOnlyMemory<byte>> fields) => _fields = fields;

    /// <summary>All fields by ID (the first occurrence when an ID repeats).</summary>
    public IReadOnlyDictionary<NvidiaOpaqueFieldId, ReadOnlyMemory<byte>> Fields => _fields;

    /// <summary>Parses the TLV list; false when a field runs past the end.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> data, out NvidiaOpaqueData? opaque)
    {
        var fields = new Dictionary<NvidiaOpaqueFieldId, ReadOnlyMemory<byte>>();
        ReadOnlySpan<byte> span = data.Span;
        int offset = 0;
        while (offset < span.Length)
        {
            if (span.Length - offset < FieldHeaderSize)
            {
                opaque = null;
                return false;
            }
            var type = (NvidiaOpaqueFieldId)BinaryPrimitives.ReadUInt16LittleEndian(span[offset..]);
            int size = BinaryPrimitives.ReadUInt16LittleEndian(span[(offset + 2)..]);
            offset += FieldHeaderSize;
            if (size > span.Length - offset)
            {
                opaque = null;
                return false;
            }
            fields.TryAdd(type, data.Slice(offset, size));
            offset += size;
        }
        opaque = new NvidiaOpaqueData(fields);
        return true;
    }

    /// <summary>The raw value of a field, if present.</summary>
    public bool TryGetField(NvidiaOpaqueFieldId id, out ReadOnlyMemory<byte> value) => _fields.TryGetValue(id, out value);

    /// <summary>The driver version ("550.90.07"), or null.</summary>
    public string? DriverVersion => Text(NvidiaOpaqueFieldId.DriverVersion);

    /// <summary>The VBIOS version as NVIDIA prints it in lowercase ("96.00.9f.00.01"), or null.</summary>
    public string? VbiosVersion
    {
        get
        {
            if (!_fields.TryGetValue(NvidiaOpaqueFieldId.VbiosVersion, out var v) || v.Length < 8) return null;
            uint high = BinaryPrimitives.ReadUInt32LittleEndian(v.Span);
            uint low = BinaryPrimitives.ReadUInt32LittleEndian(v.Span[4..]);
            return $"{high >> 24:x2}.{(high >> 16) & 0xFF:x2}.{(high >> 8) & 0xFF:x2}.{high & 0xFF:x2}.{low & 0xFF:x2}";
        }
    }

    /// <summary>The project ("1010", "G520"), or null.</summary>
    public string? Project => Text(NvidiaOpaqueFieldId.Project);

    /// <summary>The project SKU ("0200"), or null.</summary>
    public string? ProjectSku => Text(NvidiaOpaqueFieldId.ProjectSku);

    /// <summary>The chip SKU ("882"), or null.</summary>
    public string? ChipSku => Text(NvidiaOpaqueFieldId.ChipSku);

    /// <summary>The chip SKU modifier ("0"), or null.</summary>
    public string? ChipSkuMod => Text(NvidiaOpaqueFieldId.ChipSkuMod);

    /// <summary>The project SKU modifier as hex ("0000"), or null.</summary>
    public string? ProjectSkuMod => Hex(NvidiaOpaqueFieldId.ProjectSkuMod);

    /// <summary>The board ID as hex, or null.</summary>
    public string? BoardId => Hex(NvidiaOpaqueFieldId.BoardId);

    /// <summary>The GPU info as hex, or null.</summary>
    public string? GpuInfo => Hex(NvidiaOpaqueFieldId.GpuInfo);

    /// <summary>The CPR info as hex, or null.</summary>
    public string? CprInfo => Hex(NvidiaOpaqueFieldId.CprInfo);

    /// <summary>The firmware ID, or null when the report has none (drivers before 550).</summary>
    public byte[]? Fwid => _fields.TryGetValue(NvidiaOpaqueFieldId.Fwid, out var v) ? v.ToArray() : null;

    /// <summary>Per measurement index (1-based), how many times it was extended; empty when absent.</summary>
    public IReadOnlyDictionary<int, uint> MeasurementCounts
    {
        get
        {
            var counts = new Dictionary<int, uint>();
            if (!_fields.TryGetValue(NvidiaOpaqueFieldId.MeasurementCount, out var v)) return counts;
            for (int i = 0; i + 4 <= v.Length; i += 4)
                counts[i / 4 + 1] = BinaryPrimitives.ReadUInt32LittleEndian(v.Span[i..]);
            return counts;
        }
    }

    private string? Text(NvidiaOpaqueFieldId id)
    {
        if (!_fields.TryGetValue(id, out var v)) return null;
        ReadOnlySpan<byte> s = v.Span;
        int nul = s.IndexOf((byte)0);
        return Encoding.ASCII.GetString(nul >= 0 ? s[..nul] : s);
    }

    private string? Hex(NvidiaOpaqueFieldId id) => _fields.TryGetValue(id, out var v) ? Convert.ToHexStringLower(v.Span) : null;
}
