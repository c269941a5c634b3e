using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Snp;

namespace TeeWasm.Attestation.Platforms.AzureVtpm;

/// <summary>What kind of hardware report an HCL report carries (IGVM request data report_type).</summary>
public enum HclReportType
{
    /// <summary>An AMD SEV-SNP ATTESTATION_REPORT.</summary>
    Snp = 2,
    /// <summary>An Intel TDX TDREPORT (1024 bytes, padded to 1184).</summary>
    Tdx = 4,
}

/// <summary>The hash that binds the runtime claims into report_data (IGVM request data hash type).</summary>
public enum HclHashType
{
    /// <summary>SHA-256 (32 bytes of report_data).</summary>
    Sha256 = 1,
    /// <summary>SHA-384 (48 bytes).</summary>
    Sha384 = 2,
    /// <summary>SHA-512 (64 bytes).</summary>
    Sha512 = 3,
}

/// <summary>
/// The report Azure's paravisor (HCL) stores in vTPM NV index 0x01400001. Layout (little-endian):
/// header (32 bytes: "HCLA", version, report size, request type, status, 12 reserved) ‖ hardware report (1184 bytes:
/// an SNP report, or a TDREPORT padded) ‖ IGVM request data (data_size, version, report_type, hash type,
/// variable_data_size: u32 each) ‖ variable data = the runtime claims JSON. The NV index is larger (2600 bytes);
/// what follows the variable data is padding.
/// </summary>
public sealed class HclReport
{
    /// <summary>"HCLA" read as a little-endian u32.</summary>
    public const uint Signature = 0x414C4348;

    /// <summary>Size of the header.</summary>
    public const int HeaderSize = 32;

    /// <summary>Offset of the hardware report.</summary>
    public const int HardwareReportOffset = HeaderSize;

    /// <summary>Size of the hardware report area.</summary>
    public const int HardwareReportSize = 1184;

    /// <summary>Offset of the IGVM request data.</summary>
    public const int IgvmDataOffset = HardwareReportOffset + HardwareReportSize;

    /// <summary>Size of the fixed part of the IGVM request data.</summary>
    public const int IgvmHeaderSize = 20;

    /// <summary>Offset of the runtime claims.</summary>
    public const int RuntimeClaimsOffset = IgvmDataOffset + IgvmHeaderSize;

    /// <summary>Size of the NV index on Azure.</summary>
    public const int NvSize = 2600;

    private const int VersionOffset = 4;
    private const int ReportSizeOffset = 8;
    private const int RequestTypeOffset = 12;
    private const int StatusOffset = 16;

    /// <summary>Offset of report_data within an SNP report.</summary>
    public const int SnpReportDataOffset = SnpReport.ReportDataOffset;

    /// <summary>Offset of REPORTMACSTRUCT.REPORTDATA within a TDREPORT.</summary>
    public const int TdxReportDataOffset = 0x80;

    private HclReport(byte[] raw) => Raw = raw;

    /// <summary>The bytes as read (including padding).</summary>
    public byte[] Raw { get; }

    /// <summary>Header version.</summary>
    public uint Version { get; private init; }

    /// <summary>Header report size (the meaningful length the paravisor wrote).</summary>
    public uint ReportSize { get; private init; }

    /// <summary>Header request type.</summary>
    public uint RequestType { get; private init; }

    /// <summary>Header status.</summary>
    public uint Status { get; private init; }

    /// <summary>The 1184-byte hardware report area.</summary>
    public ReadOnlyMemory<byte> HardwareReport => Raw.AsMemory(HardwareReportOffset, HardwareReportSize);

    /// <summary>IGVM request data: data_size (20 + variable data size).</summary>
    public uint IgvmDataSize { get; private init; }

    /// <summary>IGVM request data version.</summary>
    public uint IgvmVersion { get; private init; }

    /// <summary>The hardware report kind.</summary>
    public HclReportType ReportType { get; private init; }

    /// <summary>The hash binding the runtime claims into report_data.</summary>
    public HclHashType HashType { get; private init; }

    /// <summary>The runtime claims JSON bytes, exactly as hashed.</summary>
    public ReadOnlyMemory<byte> RuntimeClaimsBytes { get; private init; }

    /// <summary>The 64-byte report_data of the hardware report (SNP offset 0x50, TDREPORT offset 0x80).</summary>
    public ReadOnlyMemory<byte> ReportData =>
        HardwareReport.Slice(ReportType == HclReportType.Snp ? SnpReportDataOffset : TdxReportDataOffset, 64);

    /// <summary>Parses the runtime claims.</summary>
    public RuntimeClaims ParseRuntimeClaims() => RuntimeClaims.Parse(RuntimeClaimsBytes.Span);

    /// <summary>Parses an HCL report; throws <see cref="AttestationException"/> when malformed.</summary>
    public static HclReport Parse(ReadOnlySpan<byte> data) =>
        TryParse(data, out var report, out var error) ? report : throw new AttestationException("malformed HCL report: " + error);

    /// <summary>True when <paramref name="data"/> starts with the "HCLA" signature.</summary>
    public static bool HasSignature(ReadOnlySpan<byte> data) =>
        data.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(data) == Signature;

    /// <summary>Parses an HCL report (the NV contents; trailing padding is ignored).</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, [NotNullWhen(true)] out HclReport? report, [NotNullWhen(false)] out string? error)
    {
        report = null;
        if (data.Length < RuntimeClaimsOffset) { error = $"{data.Length} bytes; at least {RuntimeClaimsOffset} needed"; return false; }
        if (!HasSignature(data)) { error = "does not start with \"HCLA\""; return false; }
        uint reportType = U32(data, IgvmDataOffset + 8);
        uint hashType = U32(data, IgvmDataOffset + 12);
        uint variableSize = U32(data, IgvmDataOffset + 16);
        uint dataSize = U32(data, IgvmDataOffset);
        if (reportType is not ((uint)HclReportType.Snp or (uint)HclReportType.Tdx)) { error = $"report type {reportType} is neither SNP (2) nor TDX (4)"; return false; }
        if (hashType is < 1 or > 3) { error = $"hash type {hashType} is not SHA-256/384/512 (1..3)"; return false; }
        if (variableSize > data.Length - RuntimeClaimsOffset) { error = $"variable data of {variableSize} bytes overruns the {data.Length}-byte report"; return false; }
        if (dataSize != IgvmHeaderSize + variableSize) { error = $"data_size {dataSize} is not 20 + variable_data_size {variableSize}"; return false; }
        var raw = data.ToArray();
        report = new HclReport(raw)
        {
            Version = U32(data, VersionOffset),
            ReportSize = U32(data, ReportSizeOffset),
            RequestType = U32(data, RequestTypeOffset),
            Status = U32(data, StatusOffset),
            IgvmDataSize = dataSize,
            IgvmVersion = U32(data, IgvmDataOffset + 4),
            ReportType = (HclReportType)reportType,
            HashType = (HclHashType)hashType,
            RuntimeClaimsBytes = raw.AsMemory(RuntimeClaimsOffset, (int)variableSize),
        };
        error = null;
        return true;
    }

    /// <summary>
    /// Builds an HCL report around a hardware report and runtime claims (tests, and tools that provision a vTPM).
    /// The result is header + hardware report + IGVM data + claims, padded with zeros to <paramref name="totalSize"/>.
    /// </summary>
    public static byte[] Build(HclReportType type, ReadOnlySpan<byte> hardwareReport, ReadOnlySpan<byte> runtimeClaims,
        HclHashType hashType = HclHashType.Sha256, int? totalSize = null)
    {
        if (hardwareReport.Length > HardwareReportSize) throw new ArgumentException($"hardware report over {HardwareReportSize} bytes", nameof(hardwareReport));
        int used = RuntimeClaimsOffset + runtimeClaims.Length;
        int size = totalSize ?? Math.Max(used, NvSize);
        if (size < used) throw new ArgumentException($"{size} bytes cannot hold {used}", nameof(totalSize));
        var r = new byte[size];
        BinaryPrimitives.WriteUInt32LittleEndian(r, Signature);
        BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(VersionOffset), 2);
        BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(ReportSizeOffset), (uint)(used - HeaderSize));
        BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(RequestTypeOffset), 2);
        hardwareReport.CopyTo(r.AsSpan(HardwareReportOffset));
        BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(IgvmDataOffset), (uint)(IgvmHeaderSize + runtimeClaims.Length));
        BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(IgvmDataOffset + 4), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(IgvmDataOffset + 8), (uint)type);
        BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(IgvmDataOffset + 12), (uint)hashType);
        BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(IgvmDataOffset + 16), (uint)runtimeClaims.Length);
        runtimeClaims.CopyTo(r.AsSpan(RuntimeClaimsOffset));
        return r;
    }

    private static uint U32(ReadOnlySpan<byte> data, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(data[offset..]);
}
