using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace TeeWasm.Attestation.Platforms.Snp;

/// <summary>
/// An SEV-SNP ATTESTATION_REPORT (AMD SEV-SNP ABI specification, table "ATTESTATION_REPORT Structure"), versions 2 to 5.
/// All multi-byte integers are little-endian. Init setters let a report be built as well as parsed.
/// </summary>
public sealed class SnpReport
{
    /// <summary>Size of the report in bytes.</summary>
    public const int Size = 0x4A0;

    /// <summary>Length of the portion covered by the signature (bytes 0x000..0x29F).</summary>
    public const int SignedLength = 0x2A0;

    /// <summary>Lowest report version this type understands (firmware before CPUID fields).</summary>
    public const uint MinVersion = 2;

    /// <summary>Highest report version this type understands (mitigation vectors).</summary>
    public const uint MaxVersion = 5;

    /// <summary>SIGNATURE_ALGO value for ECDSA P-384 with SHA-384.</summary>
    public const uint EcdsaP384Sha384 = 1;

    /// <summary>Offset of VERSION (u32).</summary>
    public const int VersionOffset = 0x000;
    /// <summary>Offset of GUEST_SVN (u32).</summary>
    public const int GuestSvnOffset = 0x004;
    /// <summary>Offset of POLICY (u64).</summary>
    public const int PolicyOffset = 0x008;
    /// <summary>Offset of FAMILY_ID (16 bytes).</summary>
    public const int FamilyIdOffset = 0x010;
    /// <summary>Offset of IMAGE_ID (16 bytes).</summary>
    public const int ImageIdOffset = 0x020;
    /// <summary>Offset of VMPL (u32).</summary>
    public const int VmplOffset = 0x030;
    /// <summary>Offset of SIGNATURE_ALGO (u32).</summary>
    public const int SignatureAlgorithmOffset = 0x034;
    /// <summary>Offset of CURRENT_TCB (u64).</summary>
    public const int CurrentTcbOffset = 0x038;
    /// <summary>Offset of PLATFORM_INFO (u64).</summary>
    public const int PlatformInfoOffset = 0x040;
    /// <summary>Offset of the flags word: AUTHOR_KEY_EN, MASK_CHIP_KEY, SIGNING_KEY (u32).</summary>
    public const int FlagsOffset = 0x048;
    /// <summary>Offset of REPORT_DATA (64 bytes).</summary>
    public const int ReportDataOffset = 0x050;
    /// <summary>Offset of MEASUREMENT (48 bytes).</summary>
    public const int MeasurementOffset = 0x090;
    /// <summary>Offset of HOST_DATA (32 bytes).</summary>
    public const int HostDataOffset = 0x0C0;
    /// <summary>Offset of ID_KEY_DIGEST (48 bytes).</summary>
    public const int IdKeyDigestOffset = 0x0E0;
    /// <summary>Offset of AUTHOR_KEY_DIGEST (48 bytes).</summary>
    public const int AuthorKeyDigestOffset = 0x110;
    /// <summary>Offset of REPORT_ID (32 bytes).</summary>
    public const int ReportIdOffset = 0x140;
    /// <summary>Offset of REPORT_ID_MA (32 bytes).</summary>
    public const int ReportIdMaOffset = 0x160;
    /// <summary>Offset of REPORTED_TCB (u64).</summary>
    public const int ReportedTcbOffset = 0x180;
    /// <summary>Offset of CPUID_FAM_ID (u8, version 3 and later).</summary>
    public const int CpuidFamilyIdOffset = 0x188;
    /// <summary>Offset of CPUID_MOD_ID (u8, version 3 and later).</summary>
    public const int CpuidModelIdOffset = 0x189;
    /// <summary>Offset of CPUID_STEP (u8, version 3 and later).</summary>
    public const int CpuidSteppingOffset = 0x18A;
    /// <summary>Offset of CHIP_ID (64 bytes).</summary>
    public const int ChipIdOffset = 0x1A0;
    /// <summary>Offset of COMMITTED_TCB (u64).</summary>
    public const int CommittedTcbOffset = 0x1E0;
    /// <summary>Offset of CURRENT_BUILD (u8); CURRENT_MINOR and CURRENT_MAJOR follow.</summary>
    public const int CurrentBuildOffset = 0x1E8;
    /// <summary>Offset of COMMITTED_BUILD (u8); COMMITTED_MINOR and COMMITTED_MAJOR follow.</summary>
    public const int CommittedBuildOffset = 0x1EC;
    /// <summary>Offset of LAUNCH_TCB (u64).</summary>
    public const int LaunchTcbOffset = 0x1F0;
    /// <summary>Offset of LAUNCH_MIT_VECTOR (u64, version 5 and later).</summary>
    public const int LaunchMitVectorOffset = 0x1F8;
    /// <summary>Offset of CURRENT_MIT_VECTOR (u64, version 5 and later).</summary>
    public const int CurrentMitVectorOffset = 0x200;
    /// <summary>Offset of the SIGNATURE area (0x200 bytes); R is its first component.</summary>
    public const int SignatureOffset = 0x2A0;
    /// <summary>Offset of the signature's R component (72 bytes, little-endian).</summary>
    public const int SignatureROffset = 0x2A0;
    /// <summary>Offset of the signature's S component (72 bytes, little-endian).</summary>
    public const int SignatureSOffset = 0x2E8;
    /// <summary>Length of each signature component field.</summary>
    public const int SignatureComponentLength = 72;
    /// <summary>End of the used part of the signature area; 0x330..0x49F is reserved.</summary>
    public const int SignatureEnd = 0x330;

    /// <summary>POLICY bit: SMT allowed.</summary>
    public const ulong PolicySmtBit = 1UL << 16;
    /// <summary>POLICY bit 17: reserved, must be one.</summary>
    public const ulong PolicyReservedOneBit = 1UL << 17;
    /// <summary>POLICY bit: association with a migration agent allowed.</summary>
    public const ulong PolicyMigrateMaBit = 1UL << 18;
    /// <summary>POLICY bit: debugging allowed.</summary>
    public const ulong PolicyDebugBit = 1UL << 19;
    /// <summary>POLICY bit: the guest may only be activated on one socket.</summary>
    public const ulong PolicySingleSocketBit = 1UL << 20;

    /// <summary>Report version (2..5).</summary>
    public uint Version { get; init; } = 2;
    /// <summary>Guest security version number.</summary>
    public uint GuestSvn { get; init; }
    /// <summary>The guest policy the guest was launched with.</summary>
    public ulong Policy { get; init; } = PolicyReservedOneBit;
    /// <summary>FAMILY_ID from the ID block (16 bytes).</summary>
    public byte[] FamilyId { get; init; } = new byte[16];
    /// <summary>IMAGE_ID from the ID block (16 bytes).</summary>
    public byte[] ImageId { get; init; } = new byte[16];
    /// <summary>The VMPL the report was requested from.</summary>
    public uint Vmpl { get; init; }
    /// <summary>Signature algorithm (1 = ECDSA P-384 with SHA-384).</summary>
    public uint SignatureAlgorithm { get; init; } = EcdsaP384Sha384;
    /// <summary>Current TCB of the platform.</summary>
    public SnpTcb CurrentTcb { get; init; }
    /// <summary>PLATFORM_INFO bits (SMT enabled, TSME enabled, …).</summary>
    public ulong PlatformInfo { get; init; }
    /// <summary>Flags word at 0x48: AUTHOR_KEY_EN bit 0, MASK_CHIP_KEY bit 1, SIGNING_KEY bits 4:2.</summary>
    public uint Flags { get; init; }
    /// <summary>Guest-supplied data bound into the report (64 bytes).</summary>
    public byte[] ReportData { get; init; } = new byte[64];
    /// <summary>Launch measurement (48 bytes).</summary>
    public byte[] Measurement { get; init; } = new byte[48];
    /// <summary>Data supplied by the hypervisor at launch (32 bytes).</summary>
    public byte[] HostData { get; init; } = new byte[32];
    /// <summary>SHA-384 of the ID public key that signed the ID block (48 bytes).</summary>
    public byte[] IdKeyDigest { get; init; } = new byte[48];
    /// <summary>SHA-384 of the author public key that certified the ID key (48 bytes).</summary>
    public byte[] AuthorKeyDigest { get; init; } = new byte[48];
    /// <summary>Report ID of this guest (32 bytes).</summary>
    public byte[] ReportId { get; init; } = new byte[32];
    /// <summary>Report ID of this guest's migration agent (32 bytes).</summary>
    public byte[] ReportIdMa { get; init; } = new byte[32];
    /// <summary>The TCB the report's signing key was derived for.</summary>
    public SnpTcb ReportedTcb { get; init; }
    /// <summary>CPUID family (combined extended + base), version 3 and later; 0 in version 2.</summary>
    public byte CpuidFamilyId { get; init; }
    /// <summary>CPUID model (combined extended + base), version 3 and later; 0 in version 2.</summary>
    public byte CpuidModelId { get; init; }
    /// <summary>CPUID stepping, version 3 and later; 0 in version 2.</summary>
    public byte CpuidStepping { get; init; }
    /// <summary>Chip identifier (64 bytes); zero when MASK_CHIP_KEY is set or the report is VLEK-signed.</summary>
    public byte[] ChipId { get; init; } = new byte[64];
    /// <summary>Committed TCB.</summary>
    public SnpTcb CommittedTcb { get; init; }
    /// <summary>Build number of the current firmware.</summary>
    public byte CurrentBuild { get; init; }
    /// <summary>Minor version of the current firmware.</summary>
    public byte CurrentMinor { get; init; }
    /// <summary>Major version of the current firmware.</summary>
    public byte CurrentMajor { get; init; }
    /// <summary>Build number of the committed firmware.</summary>
    public byte CommittedBuild { get; init; }
    /// <summary>Minor version of the committed firmware.</summary>
    public byte CommittedMinor { get; init; }
    /// <summary>Major version of the committed firmware.</summary>
    public byte CommittedMajor { get; init; }
    /// <summary>The current TCB at the time the guest was launched or imported.</summary>
    public SnpTcb LaunchTcb { get; init; }
    /// <summary>Mitigation vector at launch (version 5 and later; 0 before).</summary>
    public ulong LaunchMitVector { get; init; }
    /// <summary>Current mitigation vector (version 5 and later; 0 before).</summary>
    public ulong CurrentMitVector { get; init; }
    /// <summary>Signature R component, 72 bytes little-endian (48 significant, 24 zero).</summary>
    public byte[] SignatureR { get; init; } = new byte[SignatureComponentLength];
    /// <summary>Signature S component, 72 bytes little-endian (48 significant, 24 zero).</summary>
    public byte[] SignatureS { get; init; } = new byte[SignatureComponentLength];

    /// <summary>The key that signed the report (from <see cref="Flags"/> bits 4:2).</summary>
    public SnpSigningKey SigningKey => (SnpSigningKey)((Flags >> 2) & 0x7);
    /// <summary>AUTHOR_KEY_EN: the author key digest is present.</summary>
    public bool AuthorKeyEnabled => (Flags & 1) != 0;
    /// <summary>MASK_CHIP_KEY: the chip ID is masked (zero).</summary>
    public bool MaskChipKey => (Flags & 2) != 0;
    /// <summary>Policy ABI minor version (bits 7:0).</summary>
    public byte PolicyAbiMinor => (byte)Policy;
    /// <summary>Policy ABI major version (bits 15:8).</summary>
    public byte PolicyAbiMajor => (byte)(Policy >> 8);
    /// <summary>Policy allows simultaneous multithreading (bit 16).</summary>
    public bool SmtAllowed => (Policy & PolicySmtBit) != 0;
    /// <summary>Policy allows association with a migration agent (bit 18).</summary>
    public bool MigrationAgentAllowed => (Policy & PolicyMigrateMaBit) != 0;
    /// <summary>Policy allows debugging the guest (bit 19): its memory is not confidential.</summary>
    public bool DebugAllowed => (Policy & PolicyDebugBit) != 0;
    /// <summary>Policy requires a single socket (bit 20).</summary>
    public bool SingleSocketRequired => (Policy & PolicySingleSocketBit) != 0;

    /// <summary>The TCB byte layout implied by the CPUID family (Turin for family 0x1A, else Milan/Genoa).</summary>
    public SnpTcbLayout TcbLayout => CpuidFamilyId == 0x1A ? SnpTcbLayout.Turin : SnpTcbLayout.MilanGenoa;

    /// <summary>The product implied by CPUID family/model (version 3 and later); <see cref="SnpProduct.Unknown"/> in version 2.</summary>
    public SnpProduct Product => (CpuidFamilyId, CpuidModelId) switch
    {
        (0x19, <= 0x0F) => SnpProduct.Milan,
        (0x19, >= 0x10 and <= 0x1F) or (0x19, >= 0xA0 and <= 0xAF) => SnpProduct.Genoa,
        (0x1A, _) => SnpProduct.Turin,
        _ => SnpProduct.Unknown,
    };

    /// <summary>
    /// Parses the first <see cref="Size"/> bytes of <paramref name="data"/> (trailing bytes, e.g. an IGVM header, are
    /// ignored). Throws <see cref="SnpException"/> on short input, unsupported version or non-zero reserved fields.
    /// </summary>
    public static SnpReport Parse(ReadOnlySpan<byte> data) =>
        TryParseCore(data, out SnpReport? report, out string? error) ? report : throw new SnpException(error);

    /// <summary>Parses like <see cref="Parse"/>, returning false instead of throwing.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, [NotNullWhen(true)] out SnpReport? report) =>
        TryParseCore(data, out report, out _);

    /// <summary>Parses like <see cref="Parse"/>, returning false and the reason instead of throwing.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, [NotNullWhen(true)] out SnpReport? report, [NotNullWhen(false)] out string? error) =>
        TryParseCore(data, out report, out error);

    private static bool TryParseCore(ReadOnlySpan<byte> data, [NotNullWhen(true)] out SnpReport? report, [NotNullWhen(false)] out string? error)
    {
        report = null;
        if (data.Length < Size)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"SEV-SNP report is {data.Length} bytes; an ATTESTATION_REPORT is {Size} (0x{Size:X}) bytes");
            return false;
        }
        data = data[..Size];
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(data[VersionOffset..]);
        if (version < MinVersion || version > MaxVersion)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"SEV-SNP report version {version} is not supported (expected {MinVersion}..{MaxVersion})");
            return false;
        }
        if (FirstNonZeroReserved(data, version) is int at)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"SEV-SNP report (version {version}) has a non-zero reserved byte at offset 0x{at:X3}");
            return false;
        }

        byte family = version >= 3 ? data[CpuidFamilyIdOffset] : (byte)0;
        SnpTcbLayout layout = family == 0x1A ? SnpTcbLayout.Turin : SnpTcbLayout.MilanGenoa;
        report = new SnpReport
        {
            Version = version,
            GuestSvn = U32(data, GuestSvnOffset),
            Policy = U64(data, PolicyOffset),
            FamilyId = data.Slice(FamilyIdOffset, 16).ToArray(),
            ImageId = data.Slice(ImageIdOffset, 16).ToArray(),
            Vmpl = U32(data, VmplOffset),
            SignatureAlgorithm = U32(data, SignatureAlgorithmOffset),
            CurrentTcb = new SnpTcb(U64(data, CurrentTcbOffset), layout),
            PlatformInfo = U64(data, PlatformInfoOffset),
            Flags = U32(data, FlagsOffset),
            ReportData = data.Slice(ReportDataOffset, 64).ToArray(),
            Measurement = data.Slice(MeasurementOffset, 48).ToArray(),
            HostData = data.Slice(HostDataOffset, 32).ToArray(),
            IdKeyDigest = data.Slice(IdKeyDigestOffset, 48).ToArray(),
            AuthorKeyDigest = data.Slice(AuthorKeyDigestOffset, 48).ToArray(),
            ReportId = data.Slice(ReportIdOffset, 32).ToArray(),
            ReportIdMa = data.Slice(ReportIdMaOffset, 32).ToArray(),
            ReportedTcb = new SnpTcb(U64(data, ReportedTcbOffset), layout),
            CpuidFamilyId = family,
            CpuidModelId = version >= 3 ? data[CpuidModelIdOffset] : (byte)0,
            CpuidStepping = version >= 3 ? data[CpuidSteppingOffset] : (byte)0,
            ChipId = data.Slice(ChipIdOffset, 64).ToArray(),
            CommittedTcb = new SnpTcb(U64(data, CommittedTcbOffset), layout),
            CurrentBuild = data[CurrentBuildOffset],
            CurrentMinor = data[CurrentBuildOffset + 1],
            CurrentMajor = data[CurrentBuildOffset + 2],
            CommittedBuild = data[CommittedBuildOffset],
            CommittedMinor = data[CommittedBuildOffset + 1],
            CommittedMajor = data[CommittedBuildOffset + 2],
            LaunchTcb = new SnpTcb(U64(data, LaunchTcbOffset), layout),
            LaunchMitVector = version >= 5 ? U64(data, LaunchMitVectorOffset) : 0,
            CurrentMitVector = version >= 5 ? U64(data, CurrentMitVectorOffset) : 0,
            SignatureR = data.Slice(SignatureROffset, SignatureComponentLength).ToArray(),
            SignatureS = data.Slice(SignatureSOffset, SignatureComponentLength).ToArray(),
        };
        error = null;
        return true;
    }

    /// <summary>Writes the report's exact byte layout (reserved fields zero) into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"destination must hold {Size} bytes"), nameof(destination));
        }
        if (Version < MinVersion || Version > MaxVersion)
        {
            throw new SnpException(string.Create(CultureInfo.InvariantCulture, $"SEV-SNP report version {Version} is not supported (expected {MinVersion}..{MaxVersion})"));
        }
        Span<byte> d = destination[..Size];
        d.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(d[VersionOffset..], Version);
        BinaryPrimitives.WriteUInt32LittleEndian(d[GuestSvnOffset..], GuestSvn);
        BinaryPrimitives.WriteUInt64LittleEndian(d[PolicyOffset..], Policy);
        Put(d, FamilyIdOffset, FamilyId, 16, nameof(FamilyId));
        Put(d, ImageIdOffset, ImageId, 16, nameof(ImageId));
        BinaryPrimitives.WriteUInt32LittleEndian(d[VmplOffset..], Vmpl);
        BinaryPrimitives.WriteUInt32LittleEndian(d[SignatureAlgorithmOffset..], SignatureAlgorithm);
        BinaryPrimitives.WriteUInt64LittleEndian(d[CurrentTcbOffset..], CurrentTcb.Raw);
        BinaryPrimitives.WriteUInt64LittleEndian(d[PlatformInfoOffset..], PlatformInfo);
        BinaryPrimitives.WriteUInt32LittleEndian(d[FlagsOffset..], Flags);
        Put(d, ReportDataOffset, ReportData, 64, nameof(ReportData));
        Put(d, MeasurementOffset, Measurement, 48, nameof(Measurement));
        Put(d, HostDataOffset, HostData, 32, nameof(HostData));
        Put(d, IdKeyDigestOffset, IdKeyDigest, 48, nameof(IdKeyDigest));
        Put(d, AuthorKeyDigestOffset, AuthorKeyDigest, 48, nameof(AuthorKeyDigest));
        Put(d, ReportIdOffset, ReportId, 32, nameof(ReportId));
        Put(d, ReportIdMaOffset, ReportIdMa, 32, nameof(ReportIdMa));
        BinaryPrimitives.WriteUInt64LittleEndian(d[ReportedTcbOffset..], ReportedTcb.Raw);
        if (Version >= 3)
        {
            d[CpuidFamilyIdOffset] = CpuidFamilyId;
            d[CpuidModelIdOffset] = CpuidModelId;
            d[CpuidSteppingOffset] = CpuidStepping;
        }
        Put(d, ChipIdOffset, ChipId, 64, nameof(ChipId));
        BinaryPrimitives.WriteUInt64LittleEndian(d[CommittedTcbOffset..], CommittedTcb.Raw);
        d[CurrentBuildOffset] = CurrentBuild;
        d[CurrentBuildOffset + 1] = CurrentMinor;
        d[CurrentBuildOffset + 2] = CurrentMajor;
        d[CommittedBuildOffset] = CommittedBuild;
        d[CommittedBuildOffset + 1] = CommittedMinor;
        d[CommittedBuildOffset + 2] = CommittedMajor;
        BinaryPrimitives.WriteUInt64LittleEndian(d[LaunchTcbOffset..], LaunchTcb.Raw);
        if (Version >= 5)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(d[LaunchMitVectorOffset..], LaunchMitVector);
            BinaryPrimitives.WriteUInt64LittleEndian(d[CurrentMitVectorOffset..], CurrentMitVector);
        }
        Put(d, SignatureROffset, SignatureR, SignatureComponentLength, nameof(SignatureR));
        Put(d, SignatureSOffset, SignatureS, SignatureComponentLength, nameof(SignatureS));
    }

    /// <summary>The report's exact <see cref="Size"/>-byte layout.</summary>
    public byte[] ToArray()
    {
        byte[] bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>Offset of the first non-zero byte in a field the given version reserves, or null.</summary>
    private static int? FirstNonZeroReserved(ReadOnlySpan<byte> d, uint version)
    {
        int cpuidEnd = version >= 3 ? CpuidSteppingOffset + 1 : CpuidFamilyIdOffset;
        int tailStart = version >= 5 ? CurrentMitVectorOffset + 8 : LaunchMitVectorOffset;
        ReadOnlySpan<(int Start, int End)> reserved =
        [
            (FlagsOffset + 4, ReportDataOffset),
            (cpuidEnd, ChipIdOffset),
            (CurrentBuildOffset + 3, CurrentBuildOffset + 4),
            (CommittedBuildOffset + 3, CommittedBuildOffset + 4),
            (tailStart, SignatureOffset),
            (SignatureEnd, Size),
        ];
        foreach ((int start, int end) in reserved)
        {
            int i = d[start..end].IndexOfAnyExcept((byte)0);
            if (i >= 0) return start + i;
        }
        return null;
    }

    private static uint U32(ReadOnlySpan<byte> d, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(d[offset..]);

    private static ulong U64(ReadOnlySpan<byte> d, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(d[offset..]);

    private static void Put(Span<byte> d, int offset, byte[]? value, int length, string name)
    {
        if (value is null || value.Length != length)
        {
            throw new SnpException(string.Create(CultureInfo.InvariantCulture, $"SEV-SNP report field {name} must be {length} bytes, not {value?.Length ?? 0}"));
        }
        value.CopyTo(d[offset..]);
    }
}
