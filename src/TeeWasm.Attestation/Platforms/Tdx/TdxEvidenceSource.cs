using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Linux;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>
/// Collects TDX evidence inside a TD: a quote through configfs-tsm (Linux 6.7+), or a TDREPORT through the
/// <c>/dev/tdx_guest</c> ioctl TDX_CMD_GET_REPORT0 (the TDREPORT is MAC'd, not signed: see <see cref="TdxTdReport"/>).
/// </summary>
public sealed partial class TdxEvidenceSource
{
    /// <summary>Length of report data (REPORTDATA) bound into a report or quote.</summary>
    public const int ReportDataLength = 64;

    // linux/tdx-guest.h: #define TDX_CMD_GET_REPORT0 _IOWR('T', 1, struct tdx_report_req)
    // with struct tdx_report_req { __u8 reportdata[64]; __u8 tdreport[1024]; } (1088 bytes):
    // _IOWR = dir(3) << 30 | size << 16 | type << 8 | nr.
    internal const uint TdxCmdGetReport0 = (3u << 30) | ((ReportDataLength + TdxTdReport.Size) << 16) | ('T' << 8) | 1;

    private readonly TdxEvidenceSourceOptions _options;

    /// <summary>Creates a source.</summary>
    /// <param name="options">Paths; null for the Linux defaults.</param>
    public TdxEvidenceSource(TdxEvidenceSourceOptions? options = null) => _options = options ?? new TdxEvidenceSourceOptions();

    /// <summary>True when the configfs-tsm report directory exists.</summary>
    public bool IsConfigFsTsmAvailable => Directory.Exists(_options.ConfigFsTsmRoot);

    /// <summary>True when the TDX guest device exists.</summary>
    public bool IsDeviceAvailable => File.Exists(_options.DevicePath);

    /// <summary>
    /// Gets a quote binding <paramref name="reportData"/> through configfs-tsm (<see cref="ConfigFsTsmReport"/>, provider
    /// <c>tdx_guest</c>).
    /// </summary>
    /// <param name="reportData">Exactly 64 bytes.</param>
    /// <exception cref="TdxException">The interface is missing, the provider is not TDX, or the quote is empty or raced.</exception>
    public byte[] GetQuote(ReadOnlySpan<byte> reportData)
    {
        if (reportData.Length != ReportDataLength)
        {
            throw new TdxException($"report data must be {ReportDataLength} bytes, got {reportData.Length}");
        }
        byte[] quote;
        try
        {
            quote = ConfigFsTsmReport.Request(_options.ConfigFsTsmRoot, _options.EntryName, _options.ExpectedProvider, reportData).OutBlob;
        }
        catch (AttestationException e) when (e is not TdxException)
        {
            throw new TdxException(e.Message, e);
        }
        if (quote.Length == 0) throw new TdxException("configfs-tsm returned an empty quote");
        return quote;
    }

    /// <summary>Tries <see cref="GetQuote"/>.</summary>
    /// <param name="reportData">Exactly 64 bytes.</param>
    /// <param name="quote">The quote bytes, when the result is true.</param>
    /// <param name="error">Why it failed, when the result is false.</param>
    public bool TryGetQuote(ReadOnlySpan<byte> reportData, out byte[]? quote, out string? error)
    {
        try
        {
            quote = GetQuote(reportData);
            error = null;
            return true;
        }
        catch (TdxException e)
        {
            quote = null;
            error = e.Message;
            return false;
        }
    }

    /// <summary>
    /// Gets a TDREPORT through the ioctl TDX_CMD_GET_REPORT0 on <see cref="TdxEvidenceSourceOptions.DevicePath"/>.
    /// The result is MAC'd, not signed: useful for local checks and for hosts that quote it (e.g. Azure's HCL), not
    /// as remote evidence by itself.
    /// </summary>
    /// <param name="reportData">Exactly 64 bytes.</param>
    /// <exception cref="TdxException">The device is missing or the ioctl failed.</exception>
    public unsafe TdxTdReport GetTdReport(ReadOnlySpan<byte> reportData)
    {
        if (reportData.Length != ReportDataLength)
        {
            throw new TdxException($"report data must be {ReportDataLength} bytes, got {reportData.Length}");
        }
        if (!OperatingSystem.IsLinux())
        {
            throw new TdxException("/dev/tdx_guest is only available on Linux");
        }
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(_options.DevicePath, FileMode.Open, FileAccess.ReadWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TdxException($"cannot open {_options.DevicePath}: {e.Message}", e);
        }
        using (handle)
        {
            byte[] request = new byte[ReportDataLength + TdxTdReport.Size];
            reportData.CopyTo(request);
            int rc;
            fixed (byte* p = request)
            {
                rc = Ioctl((int)handle.DangerousGetHandle(), TdxCmdGetReport0, p);
            }
            if (rc < 0)
            {
                throw new TdxException($"ioctl TDX_CMD_GET_REPORT0 on {_options.DevicePath} failed: errno {Marshal.GetLastPInvokeError()}");
            }
            return TdxTdReport.Parse(request.AsSpan(ReportDataLength));
        }
    }

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int Ioctl(int fd, nuint request, void* argument);
}
