using System.Buffers.Binary;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Platforms.Snp;

/// <summary>One <c>cert_chain</c> entry of Trustee SNP evidence: the sev crate's <c>CertTableEntry</c>.</summary>
/// <param name="Type">"ARK", "ASK", "VCEK", "VLEK", "CRL", "Empty" (the sev crate's <c>CertType</c> names).</param>
/// <param name="Der">The certificate (DER).</param>
public sealed record TrusteeCertEntry(string Type, byte[] Der);

/// <summary>
/// Trustee's <c>snp</c> evidence (guest-components <c>attester/src/snp</c>, trustee <c>deps/verifier/src/snp</c>):
/// <c>{"attestation_report": &lt;sev crate AttestationReport, serde&gt;, "cert_chain": [{"cert_type", "data"}] | null}</c>.
/// The report is the sev crate's struct, not bytes: integers as numbers, byte arrays as arrays of numbers,
/// <c>TcbVersion</c> as <c>{fmc, bootloader, tee, snp, microcode}</c>, firmware versions as <c>{major, minor, build}</c>,
/// <c>signature</c> as <c>{r, s}</c>. Reserved bytes are not in the JSON: converting back writes them as zero (as the
/// sev crate does before checking the signature), so a report with non-zero reserved bytes does not survive the format.
/// </summary>
public static class TrusteeSnpEvidence
{
    private const int Size = SnpReport.Size;
    private const int VersionOffset = 0x000, GuestSvnOffset = 0x004, PolicyOffset = 0x008, FamilyIdOffset = 0x010,
        ImageIdOffset = 0x020, VmplOffset = 0x030, SigAlgoOffset = 0x034, CurrentTcbOffset = 0x038, PlatInfoOffset = 0x040,
        KeyInfoOffset = 0x048, ReportDataOffset = 0x050, MeasurementOffset = 0x090, HostDataOffset = 0x0C0,
        IdKeyDigestOffset = 0x0E0, AuthorKeyDigestOffset = 0x110, ReportIdOffset = 0x140, ReportIdMaOffset = 0x160,
        ReportedTcbOffset = 0x180, CpuidFamOffset = 0x188, CpuidModOffset = 0x189, CpuidStepOffset = 0x18A,
        ChipIdOffset = 0x1A0, CommittedTcbOffset = 0x1E0, CurrentVersionOffset = 0x1E8, CommittedVersionOffset = 0x1EC,
        LaunchTcbOffset = 0x1F0, LaunchMitOffset = 0x1F8, CurrentMitOffset = 0x200, SignatureROffset = 0x2A0,
        SignatureSOffset = 0x2E8, SignatureComponent = 72;

    private static readonly (string Name, int Offset, int Length)[] s_bytesBeforeTcb =
    [
        ("report_data", ReportDataOffset, 64), ("measurement", MeasurementOffset, 48), ("host_data", HostDataOffset, 32),
        ("id_key_digest", IdKeyDigestOffset, 48), ("author_key_digest", AuthorKeyDigestOffset, 48),
        ("report_id", ReportIdOffset, 32), ("report_id_ma", ReportIdMaOffset, 32),
    ];

    /// <summary>Writes the evidence for a raw 1184-byte report and its certificates (any order; roles by issuer).</summary>
    /// <exception cref="AttestationException">The report cannot be expressed in the sev crate's struct.</exception>
    public static JsonObject Write(ReadOnlySpan<byte> report, IReadOnlyList<X509Certificate2> certificates)
    {
        if (report.Length != Size) throw new AttestationException($"SNP report is {report.Length} bytes; {Size} expected");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(report);
        bool turin = IsTurinLayout(report, version);
        var r = new JsonObject
        {
            ["version"] = version,
            ["guest_svn"] = BinaryPrimitives.ReadUInt32LittleEndian(report[GuestSvnOffset..]),
            ["policy"] = BinaryPrimitives.ReadUInt64LittleEndian(report[PolicyOffset..]),
            ["family_id"] = Bytes(report.Slice(FamilyIdOffset, 16)),
            ["image_id"] = Bytes(report.Slice(ImageIdOffset, 16)),
            ["vmpl"] = BinaryPrimitives.ReadUInt32LittleEndian(report[VmplOffset..]),
            ["sig_algo"] = BinaryPrimitives.ReadUInt32LittleEndian(report[SigAlgoOffset..]),
            ["current_tcb"] = Tcb(report.Slice(CurrentTcbOffset, 8), turin),
            ["plat_info"] = BinaryPrimitives.ReadUInt64LittleEndian(report[PlatInfoOffset..]),
            ["key_info"] = BinaryPrimitives.ReadUInt32LittleEndian(report[KeyInfoOffset..]),
        };
        foreach (var (name, offset, length) in s_bytesBeforeTcb) r[name] = Bytes(report.Slice(offset, length));
        r["reported_tcb"] = Tcb(report.Slice(ReportedTcbOffset, 8), turin);
        bool hasCpuid = version >= 3;
        r["cpuid_fam_id"] = hasCpuid ? report[CpuidFamOffset] : null;
        r["cpuid_mod_id"] = hasCpuid ? report[CpuidModOffset] : null;
        r["cpuid_step"] = hasCpuid ? report[CpuidStepOffset] : null;
        r["chip_id"] = Bytes(report.Slice(ChipIdOffset, 64));
        r["committed_tcb"] = Tcb(report.Slice(CommittedTcbOffset, 8), turin);
        r["current"] = FirmwareVersion(report.Slice(CurrentVersionOffset, 3));
        r["committed"] = FirmwareVersion(report.Slice(CommittedVersionOffset, 3));
        r["launch_tcb"] = Tcb(report.Slice(LaunchTcbOffset, 8), turin);
        bool hasMit = version >= 5;
        r["launch_mit_vector"] = hasMit ? BinaryPrimitives.ReadUInt64LittleEndian(report[LaunchMitOffset..]) : null;
        r["current_mit_vector"] = hasMit ? BinaryPrimitives.ReadUInt64LittleEndian(report[CurrentMitOffset..]) : null;
        r["signature"] = new JsonObject
        {
            ["r"] = Bytes(report.Slice(SignatureROffset, SignatureComponent)),
            ["s"] = Bytes(report.Slice(SignatureSOffset, SignatureComponent)),
        };

        bool vlek = ((BinaryPrimitives.ReadUInt32LittleEndian(report[KeyInfoOffset..]) >> 2) & 0x7) == 1;
        var chain = new JsonArray();
        foreach (var c in certificates)
        {
            string type = c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData) ? "ARK"
                : certificates.Any(o => o != c && o.IssuerName.RawData.AsSpan().SequenceEqual(c.SubjectName.RawData)) ? "ASK"
                : vlek ? "VLEK" : "VCEK";
            chain.Add((JsonNode)new JsonObject { ["cert_type"] = type, ["data"] = Bytes(c.RawData) });
        }
        return new JsonObject { ["attestation_report"] = r, ["cert_chain"] = certificates.Count > 0 ? chain : null };
    }

    /// <summary>Reads the evidence back into the raw report (reserved bytes zero) and the certificate entries.</summary>
    /// <exception cref="AttestationException">Not Trustee SNP evidence, with what is wrong.</exception>
    public static (byte[] Report, IReadOnlyList<TrusteeCertEntry> CertChain) Parse(JsonElement evidence)
    {
        try
        {
            var r = evidence.GetProperty("attestation_report");
            byte[] report = new byte[Size];
            var span = report.AsSpan();
            uint version = r.GetProperty("version").GetUInt32();
            BinaryPrimitives.WriteUInt32LittleEndian(span, version);
            BinaryPrimitives.WriteUInt32LittleEndian(span[GuestSvnOffset..], r.GetProperty("guest_svn").GetUInt32());
            BinaryPrimitives.WriteUInt64LittleEndian(span[PolicyOffset..], r.GetProperty("policy").GetUInt64());
            ReadBytes(r, "family_id", span.Slice(FamilyIdOffset, 16));
            ReadBytes(r, "image_id", span.Slice(ImageIdOffset, 16));
            BinaryPrimitives.WriteUInt32LittleEndian(span[VmplOffset..], r.GetProperty("vmpl").GetUInt32());
            BinaryPrimitives.WriteUInt32LittleEndian(span[SigAlgoOffset..], r.GetProperty("sig_algo").GetUInt32());
            BinaryPrimitives.WriteUInt64LittleEndian(span[PlatInfoOffset..], r.GetProperty("plat_info").GetUInt64());
            BinaryPrimitives.WriteUInt32LittleEndian(span[KeyInfoOffset..], r.GetProperty("key_info").GetUInt32());
            foreach (var (name, offset, length) in s_bytesBeforeTcb) ReadBytes(r, name, span.Slice(offset, length));
            if (version >= 3)
            {
                span[CpuidFamOffset] = OptionalByte(r, "cpuid_fam_id");
                span[CpuidModOffset] = OptionalByte(r, "cpuid_mod_id");
                span[CpuidStepOffset] = OptionalByte(r, "cpuid_step");
            }
            ReadBytes(r, "chip_id", span.Slice(ChipIdOffset, 64));
            bool turin = IsTurinLayout(span, version); // needs version, CPUID and CHIP_ID, like the sev crate's encoder
            ReadTcb(r, "current_tcb", span.Slice(CurrentTcbOffset, 8), turin);
            ReadTcb(r, "reported_tcb", span.Slice(ReportedTcbOffset, 8), turin);
            ReadTcb(r, "committed_tcb", span.Slice(CommittedTcbOffset, 8), turin);
            ReadTcb(r, "launch_tcb", span.Slice(LaunchTcbOffset, 8), turin);
            ReadFirmwareVersion(r, "current", span.Slice(CurrentVersionOffset, 3));
            ReadFirmwareVersion(r, "committed", span.Slice(CommittedVersionOffset, 3));
            if (version >= 5)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(span[LaunchMitOffset..], OptionalUInt64(r, "launch_mit_vector"));
                BinaryPrimitives.WriteUInt64LittleEndian(span[CurrentMitOffset..], OptionalUInt64(r, "current_mit_vector"));
            }
            var sig = r.GetProperty("signature");
            ReadBytes(sig, "r", span.Slice(SignatureROffset, SignatureComponent));
            ReadBytes(sig, "s", span.Slice(SignatureSOffset, SignatureComponent));

            var chain = new List<TrusteeCertEntry>();
            if (evidence.TryGetProperty("cert_chain", out var certs) && certs.ValueKind == JsonValueKind.Array)
            {
                foreach (var entry in certs.EnumerateArray())
                {
                    var type = entry.GetProperty("cert_type");
                    if (type.ValueKind != JsonValueKind.String) continue; // {"OTHER": uuid}: not a certificate we use
                    var data = entry.GetProperty("data");
                    byte[] der = new byte[data.GetArrayLength()];
                    int i = 0;
                    foreach (var b in data.EnumerateArray()) der[i++] = b.GetByte();
                    chain.Add(new TrusteeCertEntry(type.GetString()!, der));
                }
            }
            return (report, chain);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new AttestationException($"primary_evidence is not Trustee snp evidence (attestation_report, cert_chain): {e.Message}", e);
        }
    }

    /// <summary>
    /// Whether TCB_VERSION fields use Turin's layout, decided as the sev crate does: version 2 reports by CHIP_ID
    /// (bytes 8..63 zero is Turin-like; an all-zero, masked CHIP_ID is refused), later ones by CPUID family/model.
    /// </summary>
    private static bool IsTurinLayout(ReadOnlySpan<byte> report, uint version)
    {
        if (version < 2) throw new AttestationException($"SNP report version {version} cannot be expressed in Trustee's format (2 or later)");
        if (version == 2)
        {
            var chipId = report.Slice(ChipIdOffset, 64);
            if (!chipId.ContainsAnyExcept((byte)0))
                throw new AttestationException("a version 2 SNP report with a masked (all-zero) CHIP_ID cannot be expressed in Trustee's format");
            return !chipId[8..].ContainsAnyExcept((byte)0);
        }
        byte family = report[CpuidFamOffset], model = report[CpuidModOffset];
        return (family, model) switch
        {
            (0x19, <= 0x0F or (>= 0x10 and <= 0x1F) or (>= 0xA0 and <= 0xAF)) => false, // Milan, Genoa
            (0x1A, <= 0x11 or (>= 0x50 and <= 0x57) or (>= 0x90 and <= 0xAF) or (>= 0xC0 and <= 0xC7)) => true, // Turin, Venice
            _ => throw new AttestationException($"SNP report CPUID family 0x{family:x2} model 0x{model:x2} is not a known SEV-SNP processor"),
        };
    }

    private static JsonObject Tcb(ReadOnlySpan<byte> tcb, bool turin) => turin
        ? new JsonObject { ["fmc"] = tcb[0], ["bootloader"] = tcb[1], ["tee"] = tcb[2], ["snp"] = tcb[3], ["microcode"] = tcb[7] }
        : new JsonObject { ["fmc"] = null, ["bootloader"] = tcb[0], ["tee"] = tcb[1], ["snp"] = tcb[6], ["microcode"] = tcb[7] };

    private static void ReadTcb(JsonElement r, string name, Span<byte> tcb, bool turin)
    {
        var t = r.GetProperty(name);
        if (turin)
        {
            tcb[0] = OptionalByte(t, "fmc");
            tcb[1] = t.GetProperty("bootloader").GetByte();
            tcb[2] = t.GetProperty("tee").GetByte();
            tcb[3] = t.GetProperty("snp").GetByte();
        }
        else
        {
            tcb[0] = t.GetProperty("bootloader").GetByte();
            tcb[1] = t.GetProperty("tee").GetByte();
            tcb[6] = t.GetProperty("snp").GetByte();
        }
        tcb[7] = t.GetProperty("microcode").GetByte();
    }

    // The sev crate's Version encodes as build, minor, major.
    private static JsonObject FirmwareVersion(ReadOnlySpan<byte> v) => new() { ["major"] = v[2], ["minor"] = v[1], ["build"] = v[0] };

    private static void ReadFirmwareVersion(JsonElement r, string name, Span<byte> v)
    {
        var o = r.GetProperty(name);
        v[0] = o.GetProperty("build").GetByte();
        v[1] = o.GetProperty("minor").GetByte();
        v[2] = o.GetProperty("major").GetByte();
    }

    private static JsonArray Bytes(ReadOnlySpan<byte> bytes)
    {
        var a = new JsonArray();
        foreach (byte b in bytes) a.Add((JsonNode)b);
        return a;
    }

    private static void ReadBytes(JsonElement parent, string name, Span<byte> destination)
    {
        var a = parent.GetProperty(name);
        if (a.ValueKind != JsonValueKind.Array || a.GetArrayLength() != destination.Length)
            throw new FormatException($"{name} is not an array of {destination.Length} bytes");
        int i = 0;
        foreach (var b in a.EnumerateArray()) destination[i++] = b.GetByte();
    }

    private static byte OptionalByte(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetByte() : (byte)0;

    private static ulong OptionalUInt64(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetUInt64() : 0;
}
