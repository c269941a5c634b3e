using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Services;

/// <summary>TDX-shaped quotes for the loopback services, which parse quotes but do not check Intel's signatures.</summary>
internal static class TestQuotes
{
    /// <summary>A real v4 quote (Intel's SPR vector) with its REPORTDATA replaced: parses, but its signature no longer verifies.</summary>
    public static byte[] TdxWithReportData(ReadOnlySpan<byte> reportData)
    {
        if (reportData.Length != 64) throw new ArgumentException("report_data is 64 bytes", nameof(reportData));
        byte[] quote = File.ReadAllBytes(RepoPaths.Vector("tdx", "tdx_prod_quote_SPR_E4.dat"))[..4935];
        if (TdxQuote.Parse(quote).Version != 4) throw new InvalidOperationException("vector is not a v4 quote");
        reportData.CopyTo(quote.AsSpan(TdxQuote.V4BodyOffset + TdReportBody.ReportDataOffset));
        return quote;
    }
}
