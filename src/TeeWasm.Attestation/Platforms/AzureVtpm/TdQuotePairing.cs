using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using TeeWasm.Attestation.Platforms.Tdx;

namespace TeeWasm.Attestation.Platforms.AzureVtpm;

/// <summary>
/// Checks that a TD quote was made from a given TDREPORT: the quote's TD report body must carry the TDREPORT's
/// REPORTDATA, TDINFO (MRTD, RTMR0-3, MRCONFIGID, MROWNER, MROWNERCONFIG, attributes, XFAM; SERVTD_HASH as MRSERVICETD
/// in a TD report 1.5 body) and TEE_TCB_INFO (TEE_TCB_SVN, MRSEAM, MRSIGNERSEAM, SEAM attributes; TEE_TCB_SVN_2 in a
/// 1.5 body). The quote's own signature chain is checked separately (<see cref="TdxQuoteVerifier"/>).
/// </summary>
public static class TdQuotePairing
{
    /// <summary>Compares every field; false with the first field that differs (its name as the quote body names it).</summary>
    /// <param name="report">The TDREPORT (e.g. from an Azure HCL report).</param>
    /// <param name="body">The quote's TD report body.</param>
    /// <param name="field">The field that differs, e.g. "report_data", "MRTD", "RTMR2".</param>
    public static bool TryMatch(TdxTdReport report, TdReportBody body, [NotNullWhen(false)] out string? field)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(body);
        field = FirstMismatch(report, body);
        return field is null;
    }

    private static string? FirstMismatch(TdxTdReport r, TdReportBody b)
    {
        if (!Same(r.ReportData, b.ReportData)) return "report_data";
        if (!Same(r.MrTd, b.MrTd)) return "MRTD";
        for (int i = 0; i < TdxTdReport.RtmrCount; i++)
        {
            if (!Same(r.Rtmrs[i], b.Rtmrs[i])) return "RTMR" + i;
        }
        if (!Same(r.MrConfigId, b.MrConfigId)) return "MRCONFIGID";
        if (!Same(r.MrOwner, b.MrOwner)) return "MROWNER";
        if (!Same(r.MrOwnerConfig, b.MrOwnerConfig)) return "MROWNERCONFIG";
        if (r.TdAttributes != b.TdAttributes) return "TD attributes";
        if (r.Xfam != b.Xfam) return "XFAM";
        if (!Same(r.TeeTcbSvn, b.TeeTcbSvn)) return "TEE_TCB_SVN";
        if (!Same(r.MrSeam, b.MrSeam)) return "MRSEAM";
        if (!Same(r.MrSignerSeam, b.MrSignerSeam)) return "MRSIGNERSEAM";
        if (r.SeamAttributes != b.SeamAttributes) return "SEAM attributes";
        if (b.IsTdReport15)
        {
            if (!Same(r.TeeTcbSvn2, b.TeeTcbSvn2)) return "TEE_TCB_SVN_2";
            if (!Same(r.ServTdHash, b.MrServiceTd)) return "MRSERVICETD (SERVTD_HASH)";
        }
        return null;
    }

    private static bool Same(ReadOnlyMemory<byte> a, ReadOnlyMemory<byte> b) => CryptographicOperations.FixedTimeEquals(a.Span, b.Span);
}
