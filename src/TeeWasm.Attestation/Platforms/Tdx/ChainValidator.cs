using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>
/// Validates an Intel certificate chain (leaf first) to a pinned root: name links, ECDSA signatures, CA basic
/// constraints and validity windows, explicitly and offline (no platform trust store, no AIA fetching).
/// </summary>
internal static class ChainValidator
{
    public static bool TryValidate(List<X509Certificate2> chain, X509Certificate2 root, DateTimeOffset time, string what, out TdxFailureReason reason, out string error)
    {
        X509Certificate2 last = chain[^1];
        if (!last.RawData.AsSpan().SequenceEqual(root.RawData))
        {
            if (last.IssuerName.RawData.AsSpan().SequenceEqual(root.SubjectName.RawData) && !IsSelfIssued(last))
            {
                chain.Add(X509CertificateLoader.LoadCertificate(root.RawData));
            }
            else
            {
                reason = TdxFailureReason.PckChainUntrusted;
                error = $"{what} chain ends at '{last.Subject}' (issuer '{last.Issuer}'), not at the pinned {root.GetNameInfo(X509NameType.SimpleName, false)} (SHA-256 {IntelSgxRootCa.Sha256Fingerprint})";
                return false;
            }
        }

        for (int i = 0; i < chain.Count - 1; i++)
        {
            X509Certificate2 cert = chain[i];
            X509Certificate2 issuer = chain[i + 1];
            if (!cert.IssuerName.RawData.AsSpan().SequenceEqual(issuer.SubjectName.RawData))
            {
                reason = TdxFailureReason.PckChainInvalid;
                error = $"{what} chain is out of order: '{cert.Subject}' is issued by '{cert.Issuer}', next is '{issuer.Subject}'";
                return false;
            }
            if (!IsCa(issuer))
            {
                reason = TdxFailureReason.PckChainInvalid;
                error = $"{what} chain: issuer '{issuer.Subject}' is not a CA";
                return false;
            }
            if (!X509Signature.Verify(cert.RawData, issuer))
            {
                reason = TdxFailureReason.PckChainInvalid;
                error = $"{what} chain: signature of '{cert.Subject}' does not verify with the key of '{issuer.Subject}'";
                return false;
            }
        }

        foreach (X509Certificate2 cert in chain)
        {
            DateTimeOffset notBefore = new(cert.NotBefore.ToUniversalTime());
            DateTimeOffset notAfter = new(cert.NotAfter.ToUniversalTime());
            if (time < notBefore || time > notAfter)
            {
                reason = TdxFailureReason.CertificateExpired;
                error = $"{what} chain: certificate '{cert.GetNameInfo(X509NameType.SimpleName, false)}' is {(time < notBefore ? "not yet valid" : "expired")} (valid {notBefore:u} → {notAfter:u}, verification time {time:u})";
                return false;
            }
        }

        reason = TdxFailureReason.None;
        error = "";
        return true;
    }

    private static bool IsSelfIssued(X509Certificate2 c) => c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData);

    private static bool IsCa(X509Certificate2 c) =>
        c.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is { CertificateAuthority: true };
}
