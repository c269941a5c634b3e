using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Linux;

namespace TeeWasm.Attestation.Platforms.Snp;

/// <summary>
/// Collects SEV-SNP evidence inside a guest: through configfs-tsm (Linux 6.7+) when its report directory exists, else
/// through the <c>/dev/sev-guest</c> ioctls SNP_GET_EXT_REPORT / SNP_GET_REPORT.
/// </summary>
public sealed partial class SnpEvidenceSource
{
    /// <summary>The configfs-tsm provider name of the SEV guest driver.</summary>
    public const string ConfigFsProvider = ConfigFsTsmReport.SevGuestProvider;

    private readonly SnpEvidenceSourceOptions _options;

    /// <summary>Creates a source with the given (or default) paths.</summary>
    public SnpEvidenceSource(SnpEvidenceSourceOptions? options = null) => _options = options ?? new SnpEvidenceSourceOptions();

    /// <summary>True when configfs-tsm or the SEV guest device is present.</summary>
    public bool IsAvailable => Directory.Exists(_options.ConfigFsTsmPath) || File.Exists(_options.SevGuestDevicePath);

    /// <summary>
    /// Gets a report binding <paramref name="reportData"/> (at most 64 bytes, zero-padded): configfs-tsm first, else the
    /// device. Throws <see cref="SnpException"/> when neither is present or the request fails.
    /// </summary>
    public SnpGuestReport GetEvidence(ReadOnlySpan<byte> reportData)
    {
        if (Directory.Exists(_options.ConfigFsTsmPath)) return GetEvidenceFromConfigFs(reportData);
        if (File.Exists(_options.SevGuestDevicePath)) return GetEvidenceFromDevice(reportData);
        throw new SnpException($"no SEV-SNP evidence source: neither {_options.ConfigFsTsmPath} nor {_options.SevGuestDevicePath} exists");
    }

    /// <summary>
    /// Gets a report through configfs-tsm (<see cref="ConfigFsTsmReport"/>): provider "sev_guest", <c>inblob</c> (and
    /// <c>privlevel</c>), <c>outblob</c>, and <c>auxblob</c> (the certificate table) when certificates are wanted.
    /// </summary>
    public SnpGuestReport GetEvidenceFromConfigFs(ReadOnlySpan<byte> reportData)
    {
        byte[] inblob = PadReportData(reportData);
        ConfigFsTsmReportResult result;
        try
        {
            result = ConfigFsTsmReport.Request(_options.ConfigFsTsmPath, _options.EntryName, ConfigFsProvider, inblob,
                _options.PrivilegeLevel, readAuxBlob: _options.RequestCertificates);
        }
        catch (AttestationException e) when (e is not SnpException)
        {
            throw new SnpException(e.Message, e);
        }
        if (result.OutBlob.Length < SnpReport.Size)
            throw new SnpException($"configfs-tsm outblob is {result.OutBlob.Length} bytes; an SEV-SNP report is {SnpReport.Size}");
        SnpCertificateTable? table = result.AuxBlob is { } aux ? SnpCertificateTable.Parse(aux) : null;
        return new SnpGuestReport(result.OutBlob[..SnpReport.Size], table, "configfs-tsm");
    }

    /// <summary>Gets a report through the SEV guest device (SNP_GET_EXT_REPORT when certificates are wanted, falling back to SNP_GET_REPORT).</summary>
    public SnpGuestReport GetEvidenceFromDevice(ReadOnlySpan<byte> reportData)
    {
        byte[] userData = PadReportData(reportData);
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(_options.SevGuestDevicePath, FileMode.Open, FileAccess.ReadWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SnpException($"cannot open {_options.SevGuestDevicePath}: {e.Message}", e);
        }
        using (handle)
        {
            if (_options.RequestCertificates && SevGuestDevice.TryGetExtendedReport(handle, userData, _options.PrivilegeLevel ?? 0, out byte[]? report, out byte[]? certs))
            {
                SnpCertificateTable? table = certs is { Length: > 0 } && certs.AsSpan().ContainsAnyExcept((byte)0) ? SnpCertificateTable.Parse(certs) : null;
                return new SnpGuestReport(report, table, "sev-guest");
            }
            return new SnpGuestReport(SevGuestDevice.GetReport(handle, userData, _options.PrivilegeLevel ?? 0), null, "sev-guest");
        }
    }

    private static byte[] PadReportData(ReadOnlySpan<byte> reportData)
    {
        if (reportData.Length > 64) throw new ArgumentException("SEV-SNP report data is at most 64 bytes", nameof(reportData));
        byte[] padded = new byte[64];
        reportData.CopyTo(padded);
        return padded;
    }
}

/// <summary>The <c>/dev/sev-guest</c> ioctls (linux/sev-guest.h).</summary>
internal static unsafe partial class SevGuestDevice
{
    // _IOWR('S', nr, struct snp_guest_request_ioctl): dir 3 << 30 | size 32 << 16 | 'S' << 8 | nr.
    private const uint SnpGetReport = 0xC020_5300;
    private const uint SnpGetExtReport = 0xC020_5302;
    private const byte MessageVersion = 1;
    private const int ResponseSize = 4000;        // struct snp_report_resp
    private const int ReportOffsetInResponse = 0x20; // MSG_REPORT_RSP: status, report_size, 24 reserved, report
    private const int PageSize = 4096;
    private const uint VmmErrorInvalidLength = 1; // SNP_GUEST_VMM_ERR_INVALID_LEN, in exitinfo2 bits 63:32
    private const int EIO = 5;

    [StructLayout(LayoutKind.Sequential)]
    private struct GuestRequestIoctl
    {
        public byte MessageVersion;
        public ulong RequestData;
        public ulong ResponseData;
        public ulong ExitInfo2;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct ReportRequest
    {
        public fixed byte UserData[64];
        public uint Vmpl;
        public fixed byte Reserved[28];
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct ExtReportRequest
    {
        public ReportRequest Data;
        public ulong CertsAddress;
        public uint CertsLength;
    }

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(nint fd, nuint request, void* argument);

    public static byte[] GetReport(SafeFileHandle handle, byte[] userData, uint vmpl)
    {
        ReportRequest request = MakeRequest(userData, vmpl);
        byte* response = (byte*)NativeMemory.AllocZeroed(ResponseSize);
        try
        {
            var io = new GuestRequestIoctl { MessageVersion = MessageVersion, RequestData = (ulong)&request, ResponseData = (ulong)response };
            if (Ioctl(handle.DangerousGetHandle(), SnpGetReport, &io) != 0)
            {
                throw Failure("SNP_GET_REPORT", Marshal.GetLastPInvokeError(), io.ExitInfo2);
            }
            return ReadReport(new ReadOnlySpan<byte>(response, ResponseSize));
        }
        finally
        {
            NativeMemory.Free(response);
        }
    }

    public static bool TryGetExtendedReport(SafeFileHandle handle, byte[] userData, uint vmpl, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? report, out byte[]? certificates)
    {
        uint certsLength = 4 * PageSize;
        for (int attempt = 0; attempt < 2; attempt++)
        {
            var request = new ExtReportRequest { Data = MakeRequest(userData, vmpl), CertsLength = certsLength };
            byte* certs = (byte*)NativeMemory.AlignedAlloc(certsLength, PageSize);
            byte* response = (byte*)NativeMemory.AllocZeroed(ResponseSize);
            try
            {
                NativeMemory.Clear(certs, certsLength);
                request.CertsAddress = (ulong)certs;
                var io = new GuestRequestIoctl { MessageVersion = MessageVersion, RequestData = (ulong)&request, ResponseData = (ulong)response };
                if (Ioctl(handle.DangerousGetHandle(), SnpGetExtReport, &io) != 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == EIO && (io.ExitInfo2 >> 32) == VmmErrorInvalidLength && request.CertsLength > certsLength)
                    {
                        certsLength = (request.CertsLength + PageSize - 1) / PageSize * PageSize;
                        continue; // the host told us how large the table is
                    }
                    break; // extended requests unsupported here: fall back to SNP_GET_REPORT
                }
                report = ReadReport(new ReadOnlySpan<byte>(response, ResponseSize));
                certificates = new ReadOnlySpan<byte>(certs, (int)Math.Min(request.CertsLength == 0 ? certsLength : request.CertsLength, certsLength)).ToArray();
                return true;
            }
            finally
            {
                NativeMemory.AlignedFree(certs);
                NativeMemory.Free(response);
            }
        }
        report = null;
        certificates = null;
        return false;
    }

    private static ReportRequest MakeRequest(byte[] userData, uint vmpl)
    {
        var request = new ReportRequest { Vmpl = vmpl };
        userData.CopyTo(new Span<byte>(request.UserData, 64));
        return request;
    }

    private static byte[] ReadReport(ReadOnlySpan<byte> response)
    {
        uint status = BinaryPrimitives.ReadUInt32LittleEndian(response);
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(response[4..]);
        if (status != 0) throw new SnpException($"SEV-SNP firmware returned status 0x{status:x} for the report request");
        if (size < SnpReport.Size || ReportOffsetInResponse + size > response.Length)
        {
            throw new SnpException($"SEV-SNP firmware returned a {size}-byte report");
        }
        return response.Slice(ReportOffsetInResponse, SnpReport.Size).ToArray();
    }

    private static SnpException Failure(string what, int errno, ulong exitInfo2) =>
        new($"{what} failed: errno {errno}, firmware error 0x{(uint)exitInfo2:x}, VMM error 0x{(uint)(exitInfo2 >> 32):x}");
}
