using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Nvidia;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Verification;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Bundles;

/// <summary>When a piece of collateral is current, read from the piece itself, and whether it is at a given time.</summary>
/// <param name="Item">The piece.</param>
/// <param name="NotBefore">When it starts to be valid (issue date, thisUpdate, a certificate's notBefore), when known.</param>
/// <param name="NotAfter">When it stops (nextUpdate, a certificate's notAfter; the earliest of a chain), when known.</param>
/// <param name="Problem">Why its window cannot be read, or null.</param>
public sealed record CollateralValidity(CollateralItem Item, DateTimeOffset? NotBefore, DateTimeOffset? NotAfter, string? Problem)
{
    /// <summary>True when <paramref name="time"/> lies outside the window (or the window cannot be read).</summary>
    public bool IsStaleAt(DateTimeOffset time) => Problem is not null || time < NotBefore || time > NotAfter;

    /// <summary>One line: "tdx-tcb-info 'tcbinfo.json' (--tdx-collateral d): valid 2025-01-01 to 2025-02-01", stale or not at <paramref name="time"/>.</summary>
    public string Describe(DateTimeOffset time)
    {
        string what = $"{CollateralSet.KindName(Item.Kind)} '{Item.Name}' ({Item.Source})";
        if (Problem is not null) return $"{what}: {Problem}";
        string window = $"valid {Date(NotBefore)} to {Date(NotAfter)}";
        return !IsStaleAt(time) ? $"{what}: {window}"
            : time > NotAfter ? $"{what}: STALE, {(Item.Kind is CollateralKind.AmdCrl or CollateralKind.IntelCrl or CollateralKind.IntelPckCrl or CollateralKind.IntelRootCaCrl or CollateralKind.NvidiaOcsp or CollateralKind.IntelTcbInfo or CollateralKind.IntelQeIdentity ? "next update due" : "expired")} {Date(NotAfter)}"
            : $"{what}: STALE, not valid before {Date(NotBefore)}";
    }

    private static string Date(DateTimeOffset? t) => t is { } d ? d.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture) : "?";

    /// <summary>Reads the window of <paramref name="item"/>.</summary>
    public static CollateralValidity Of(CollateralItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        try
        {
            switch (item.Kind)
            {
                case CollateralKind.AmdCertificate or CollateralKind.AmdVcek or CollateralKind.AmdCertChain or CollateralKind.PckCertificate or CollateralKind.TcbSigningChain:
                    return Certificates(item, CertificateLoader.Load(item.Body));
                case CollateralKind.NvidiaCertificateChain:
                    return Certificates(item, NvidiaCertificateChain.ParsePem(Encoding.ASCII.GetString(item.Body)));
                case CollateralKind.AmdCrl or CollateralKind.IntelCrl or CollateralKind.IntelPckCrl or CollateralKind.IntelRootCaCrl:
                    var crl = SgxCertificateRevocationList.Parse(item.Body);
                    return new(item, crl.ThisUpdate, crl.NextUpdate, null);
                case CollateralKind.IntelTcbInfo:
                    var tcb = TdxTcbInfo.Parse(item.Body);
                    return new(item, tcb.IssueDate, tcb.NextUpdate, null);
                case CollateralKind.IntelQeIdentity:
                    var qe = TdxQeIdentity.Parse(item.Body);
                    return new(item, qe.IssueDate, qe.NextUpdate, null);
                case CollateralKind.NvidiaOcsp:
                    var answers = OcspResponse.Parse(item.Body).Responses;
                    return answers.Count == 0 ? new(item, null, null, "holds no answer")
                        : new(item, answers.Max(a => a.ThisUpdate), answers.Select(a => a.NextUpdate).Min() ?? item.NextUpdate, null);
                case CollateralKind.NvidiaRim:
                    return Certificates(item, NvidiaRim.Parse(Encoding.UTF8.GetString(item.Body)).SigningChain);
                default:
                    return new(item, null, null, "its validity window is not read by this version");
            }
        }
        catch (Exception e) when (e is AttestationException or CryptographicException or FormatException or System.Text.Json.JsonException or System.Xml.XmlException)
        {
            return new(item, null, null, "does not parse: " + e.Message);
        }
    }

    private static CollateralValidity Certificates(CollateralItem item, IReadOnlyList<X509Certificate2> certificates) =>
        certificates.Count == 0
            ? new(item, null, null, "holds no certificate")
            : new(item, certificates.Max(c => new DateTimeOffset(c.NotBefore.ToUniversalTime())), certificates.Min(c => new DateTimeOffset(c.NotAfter.ToUniversalTime())), null);
}
