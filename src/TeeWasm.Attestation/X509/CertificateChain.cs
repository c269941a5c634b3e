using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TeeWasm.Attestation.X509;

/// <summary>What is wrong with a certificate chain (<see cref="CertificateChain.Validate"/>).</summary>
public enum ChainFault
{
    /// <summary>The chain validates.</summary>
    None,

    /// <summary>The first certificate is a CA: the chain has no end-entity leaf (checked only when asked).</summary>
    LeafIsCa,

    /// <summary>The chain ends neither at the pinned root nor at a certificate the root issued.</summary>
    NotAtRoot,

    /// <summary>A certificate's issuer is not the next certificate's subject.</summary>
    Broken,

    /// <summary>An issuer lacks CA basic constraints.</summary>
    IssuerNotCa,

    /// <summary>A signature does not verify with its issuer's key.</summary>
    BadSignature,

    /// <summary>A certificate is outside its validity window at the verification time (names, CA constraints and signatures hold).</summary>
    OutsideValidity,
}

/// <summary>The outcome of <see cref="CertificateChain.Validate"/>: on failure, what is wrong and at which certificate.</summary>
/// <param name="Fault">What is wrong; <see cref="ChainFault.None"/> when the chain validates.</param>
/// <param name="Certificate">The certificate at fault (for <see cref="ChainFault.NotAtRoot"/>, the chain's last).</param>
/// <param name="Issuer">The next certificate, for the faults of a link (broken, not a CA, bad signature).</param>
public sealed record ChainValidation(ChainFault Fault, X509Certificate2? Certificate = null, X509Certificate2? Issuer = null)
{
    /// <summary>The outcome of a chain that validates.</summary>
    public static ChainValidation Valid { get; } = new(ChainFault.None);

    /// <summary>True when the chain validates.</summary>
    public bool IsValid => Fault == ChainFault.None;
}

/// <summary>
/// Validates a certificate chain (leaf first) to a pinned root, explicitly and offline (no platform trust store, no
/// AIA fetching): name links, ECDSA signatures (<see cref="X509Signature"/>), CA basic constraints on every issuer, and
/// every validity window at the verification time, in that order. Shared by the platforms whose chains are X.509 with
/// ECDSA (Intel PCK and TCB signing, NVIDIA device and RIM signing); each words the faults in its own terms.
/// </summary>
public static class CertificateChain
{
    /// <summary>
    /// Validates <paramref name="chain"/> (leaf first) to <paramref name="root"/> at <paramref name="time"/>. When the
    /// chain stops at a certificate the root issued, <paramref name="root"/> is appended to <paramref name="chain"/>.
    /// </summary>
    /// <param name="chain">The chain, leaf first; must not be empty.</param>
    /// <param name="root">The pinned root.</param>
    /// <param name="time">The verification time.</param>
    /// <param name="leafMustNotBeCa">True to reject a chain whose first certificate is a CA.</param>
    public static ChainValidation Validate(List<X509Certificate2> chain, X509Certificate2 root, DateTimeOffset time, bool leafMustNotBeCa = false)
    {
        ArgumentOutOfRangeException.ThrowIfZero(chain.Count);
        if (leafMustNotBeCa && IsCa(chain[0])) return new(ChainFault.LeafIsCa, chain[0]);
        X509Certificate2 last = chain[^1];
        if (!last.RawData.AsSpan().SequenceEqual(root.RawData))
        {
            if (!last.IssuerName.RawData.AsSpan().SequenceEqual(root.SubjectName.RawData) || IsSelfIssued(last))
                return new(ChainFault.NotAtRoot, last);
            chain.Add(root);
        }
        for (int i = 0; i < chain.Count - 1; i++)
        {
            X509Certificate2 cert = chain[i], issuer = chain[i + 1];
            if (!cert.IssuerName.RawData.AsSpan().SequenceEqual(issuer.SubjectName.RawData)) return new(ChainFault.Broken, cert, issuer);
            if (!IsCa(issuer)) return new(ChainFault.IssuerNotCa, cert, issuer);
            if (!X509Signature.Verify(cert.RawData, issuer)) return new(ChainFault.BadSignature, cert, issuer);
        }
        return FirstOutsideValidity(chain, time) is { } expired ? new(ChainFault.OutsideValidity, expired) : ChainValidation.Valid;
    }

    /// <summary>The first certificate of <paramref name="certificates"/> outside its validity window at <paramref name="time"/>, or null.</summary>
    public static X509Certificate2? FirstOutsideValidity(IEnumerable<X509Certificate2> certificates, DateTimeOffset time) =>
        certificates.FirstOrDefault(c => time < NotBefore(c) || time > NotAfter(c));

    /// <summary>"'NAME' is expired (valid FROM → TO, verification time T)" (or "not yet valid") for a certificate outside its window.</summary>
    public static string DescribeValidity(X509Certificate2 certificate, DateTimeOffset time) =>
        $"'{Name(certificate)}' is {(time < NotBefore(certificate) ? "not yet valid" : "expired")} (valid {NotBefore(certificate):u} → {NotAfter(certificate):u}, verification time {time:u})";

    /// <summary>The certificate's simple name (its CN).</summary>
    public static string Name(X509Certificate2 certificate) => certificate.GetNameInfo(X509NameType.SimpleName, false);

    /// <summary>True when the certificate's basic constraints say it is a CA (false when they do not decode).</summary>
    public static bool IsCa(X509Certificate2 certificate)
    {
        try
        {
            // The extension's value is decoded when it is read: a corrupt encoding throws here, and says nothing is a CA.
            return certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is { CertificateAuthority: true };
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>True when the certificate's subject is its issuer.</summary>
    public static bool IsSelfIssued(X509Certificate2 certificate) =>
        certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);

    private static DateTimeOffset NotBefore(X509Certificate2 c) => new(c.NotBefore.ToUniversalTime());

    private static DateTimeOffset NotAfter(X509Certificate2 c) => new(c.NotAfter.ToUniversalTime());
}
