using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Platforms.Snp;

/// <summary>One certificate in an extended-report certificate table.</summary>
/// <param name="Guid">The entry's GUID (which certificate it is).</param>
/// <param name="Data">The certificate (DER).</param>
public sealed record SnpCertificateTableEntry(Guid Guid, byte[] Data);

/// <summary>
/// The certificate table the host returns with an extended report (GHCB spec, SNP Extended Guest Request; the
/// configfs-tsm <c>auxblob</c>): entries of { GUID (16 bytes, RFC 4122 byte order), offset (u32 LE), length (u32 LE) }
/// ended by an all-zero entry; offsets count from the start of the table.
/// </summary>
public sealed class SnpCertificateTable
{
    /// <summary>GUID of the VCEK entry.</summary>
    public static readonly Guid VcekGuid = new("63da758d-e664-4564-adc5-f4b93be8accd");
    /// <summary>GUID of the VLEK entry.</summary>
    public static readonly Guid VlekGuid = new("a8074bc2-a25a-483e-aae6-39c045a0b8a1");
    /// <summary>GUID of the ASK entry.</summary>
    public static readonly Guid AskGuid = new("4ab7b379-bbac-4fe4-a02f-05aef327c782");
    /// <summary>GUID of the ARK entry.</summary>
    public static readonly Guid ArkGuid = new("c0b406a4-a803-4952-9743-3fb6014cd0ae");

    /// <summary>Size of one table entry.</summary>
    public const int EntrySize = 24;

    /// <summary>Creates a table from entries.</summary>
    public SnpCertificateTable(IReadOnlyList<SnpCertificateTableEntry> entries) => Entries = entries ?? throw new ArgumentNullException(nameof(entries));

    /// <summary>The entries in table order.</summary>
    public IReadOnlyList<SnpCertificateTableEntry> Entries { get; }

    /// <summary>The VCEK (DER), if present.</summary>
    public byte[]? Vcek => Find(VcekGuid);
    /// <summary>The VLEK (DER), if present.</summary>
    public byte[]? Vlek => Find(VlekGuid);
    /// <summary>The ASK (DER), if present.</summary>
    public byte[]? Ask => Find(AskGuid);
    /// <summary>The ARK (DER), if present.</summary>
    public byte[]? Ark => Find(ArkGuid);

    /// <summary>The data of the first entry with <paramref name="guid"/>, or null.</summary>
    public byte[]? Find(Guid guid) => Entries.FirstOrDefault(e => e.Guid == guid)?.Data;

    /// <summary>Loads the VCEK, VLEK, ASK and ARK entries that are present as certificates (unknown GUIDs are skipped).</summary>
    public IReadOnlyList<X509Certificate2> GetCertificates()
    {
        var list = new List<X509Certificate2>();
        foreach (SnpCertificateTableEntry e in Entries)
        {
            if (e.Guid == VcekGuid || e.Guid == VlekGuid || e.Guid == AskGuid || e.Guid == ArkGuid)
            {
                list.AddRange(CertificateLoader.Load(e.Data));
            }
        }
        return list;
    }

    /// <summary>Parses a table; throws <see cref="SnpException"/> when it is truncated or an entry points outside it.</summary>
    public static SnpCertificateTable Parse(ReadOnlySpan<byte> data) =>
        TryParseCore(data, out SnpCertificateTable? table, out string? error) ? table : throw new SnpException(error);

    /// <summary>Parses like <see cref="Parse"/>, returning false instead of throwing.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, [NotNullWhen(true)] out SnpCertificateTable? table) =>
        TryParseCore(data, out table, out _);

    private static bool TryParseCore(ReadOnlySpan<byte> data, [NotNullWhen(true)] out SnpCertificateTable? table, [NotNullWhen(false)] out string? error)
    {
        table = null;
        var entries = new List<SnpCertificateTableEntry>();
        for (int at = 0; ; at += EntrySize)
        {
            if (at + EntrySize > data.Length)
            {
                error = string.Create(CultureInfo.InvariantCulture, $"SEV-SNP certificate table is truncated: no terminating entry within {data.Length} bytes");
                return false;
            }
            ReadOnlySpan<byte> entry = data.Slice(at, EntrySize);
            if (!entry.ContainsAnyExcept((byte)0)) break;
            var guid = new Guid(entry[..16], bigEndian: true);
            uint offset = BinaryPrimitives.ReadUInt32LittleEndian(entry[16..]);
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(entry[20..]);
            if ((ulong)offset + length > (ulong)data.Length)
            {
                error = string.Create(CultureInfo.InvariantCulture, $"SEV-SNP certificate table entry {guid} (offset {offset}, length {length}) lies outside the {data.Length}-byte table");
                return false;
            }
            entries.Add(new SnpCertificateTableEntry(guid, data.Slice((int)offset, (int)length).ToArray()));
        }
        table = new SnpCertificateTable(entries);
        error = null;
        return true;
    }

    /// <summary>Serializes the table: entries, the zero terminator, then each certificate in order.</summary>
    public byte[] ToArray()
    {
        int header = (Entries.Count + 1) * EntrySize;
        byte[] bytes = new byte[header + Entries.Sum(e => e.Data.Length)];
        int dataAt = header;
        for (int i = 0; i < Entries.Count; i++)
        {
            Span<byte> entry = bytes.AsSpan(i * EntrySize, EntrySize);
            Entries[i].Guid.TryWriteBytes(entry, bigEndian: true, out _);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[16..], (uint)dataAt);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[20..], (uint)Entries[i].Data.Length);
            Entries[i].Data.CopyTo(bytes, dataAt);
            dataAt += Entries[i].Data.Length;
        }
        return bytes;
    }
}
