using System.Buffers.Binary;

namespace TeeWasm.Attestation.Tpm;

/// <summary>A set of PCRs of one bank (TPMS_PCR_SELECTION, TPM 2.0 Part 2 §10.6.2).</summary>
public sealed class TpmPcrSelection
{
    /// <summary>TPM_ALG_SHA256.</summary>
    public const ushort AlgSha256 = 0x000B;

    /// <summary>Number of PCRs in a bank on a PC-client TPM.</summary>
    public const int PcrCount = 24;

    private const int SelectBytes = PcrCount / 8;

    /// <summary>Creates a selection of <paramref name="pcrs"/> (0..23) in the bank <paramref name="hashAlgorithm"/>.</summary>
    public TpmPcrSelection(IEnumerable<int> pcrs, ushort hashAlgorithm = AlgSha256)
    {
        var list = pcrs.Distinct().Order().ToArray();
        if (list.Length == 0) throw new ArgumentException("select at least one PCR", nameof(pcrs));
        if (list.Any(p => p is < 0 or >= PcrCount)) throw new ArgumentOutOfRangeException(nameof(pcrs), $"PCR indices are 0..{PcrCount - 1}");
        Pcrs = list;
        HashAlgorithm = hashAlgorithm;
    }

    /// <summary>SHA-256 PCRs 0..23: what Azure attestation quotes.</summary>
    public static TpmPcrSelection AllSha256 { get; } = new(Enumerable.Range(0, PcrCount));

    /// <summary>The selected PCR indices, ascending.</summary>
    public IReadOnlyList<int> Pcrs { get; }

    /// <summary>The bank's hash algorithm (TPM_ALG_ID).</summary>
    public ushort HashAlgorithm { get; }

    /// <summary>The 3-byte pcrSelect bitmap.</summary>
    public byte[] Bitmap()
    {
        var map = new byte[SelectBytes];
        foreach (int p in Pcrs) map[p / 8] |= (byte)(1 << (p % 8));
        return map;
    }

    /// <summary>Writes a TPML_PCR_SELECTION holding this one selection.</summary>
    internal void WriteTo(TpmCommandBuffer command) =>
        command.U32(1).U16(HashAlgorithm).U8(SelectBytes).Raw(Bitmap());

    /// <summary>Reads a TPML_PCR_SELECTION (each bank and its PCR indices); advances <paramref name="offset"/>.</summary>
    internal static List<(ushort Hash, List<int> Pcrs)> ReadList(ReadOnlySpan<byte> data, ref int offset)
    {
        var result = new List<(ushort, List<int>)>();
        uint count = BinaryPrimitives.ReadUInt32BigEndian(data[offset..]);
        offset += 4;
        if (count > 16) throw new TpmException($"TPML_PCR_SELECTION claims {count} banks");
        for (uint i = 0; i < count; i++)
        {
            if (data.Length - offset < 3) throw new TpmException("truncated TPML_PCR_SELECTION");
            ushort hash = BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);
            int size = data[offset + 2];
            var bits = data.Slice(offset + 3, size);
            offset += 3 + size;
            var pcrs = new List<int>();
            for (int b = 0; b < size * 8; b++)
                if ((bits[b / 8] & (1 << (b % 8))) != 0) pcrs.Add(b);
            result.Add((hash, pcrs));
        }
        return result;
    }
}
