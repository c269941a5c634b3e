using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>
/// An X.509 CRL as Intel PCS serves them (PCK Platform/Processor CA CRL, Root CA CRL): a <see cref="CertificateRevocationList"/>
/// whose signature is ECDSA.
/// </summary>
public sealed class SgxCertificateRevocationList
{
    private readonly CertificateRevocationList _crl;

    private SgxCertificateRevocationList(CertificateRevocationList crl, string source)
    {
        _crl = crl;
        Source = source;
    }

    /// <summary>The DER encoding.</summary>
    public ReadOnlyMemory<byte> RawData => _crl.RawData;

    /// <summary>The issuing CA's name.</summary>
    public X500DistinguishedName Issuer => _crl.Issuer;

    /// <summary>When the CRL was issued.</summary>
    public DateTimeOffset ThisUpdate => _crl.ThisUpdate;

    /// <summary>When the next CRL is due; after it this one is stale.</summary>
    public DateTimeOffset? NextUpdate => _crl.NextUpdate;

    /// <summary>Revoked serial numbers, upper-case big-endian hex as <see cref="X509Certificate2.SerialNumber"/> writes them.</summary>
    public IReadOnlySet<string> RevokedSerialNumbers => _crl.RevokedSerialNumbers;

    /// <summary>Where it came from (a file, a URL), for messages; empty when unknown.</summary>
    public string Source { get; }

    /// <summary>Parses a CRL from DER, or from PEM ("X509 CRL") text bytes.</summary>
    /// <param name="data">DER or PEM bytes.</param>
    /// <param name="source">Where it came from (a file, a URL), for messages.</param>
    /// <exception cref="TdxException">Not a CRL.</exception>
    public static SgxCertificateRevocationList Parse(ReadOnlySpan<byte> data, string source = "")
    {
        try
        {
            return new SgxCertificateRevocationList(CertificateRevocationList.Parse(data, source), source);
        }
        catch (AttestationException e)
        {
            throw new TdxException(e.Message, e);
        }
    }

    /// <summary>True when the CRL's signature verifies with <paramref name="issuer"/>'s key and the names match.</summary>
    /// <param name="issuer">The CA that should have issued this CRL.</param>
    public bool IsSignedBy(X509Certificate2 issuer) => _crl.IsSignedBy(issuer);

    /// <summary>True when <paramref name="certificate"/> is listed (same issuer name and serial number).</summary>
    /// <param name="certificate">A certificate issued by this CRL's issuer.</param>
    public bool IsRevoked(X509Certificate2 certificate) => _crl.IsRevoked(certificate);
}
