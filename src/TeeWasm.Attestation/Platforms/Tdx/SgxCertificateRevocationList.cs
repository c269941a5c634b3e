using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>
/// An X.509 CRL (RFC 5280 CertificateList) as Intel PCS serves them (PCK Platform/Processor CA CRL, Root CA CRL),
/// parsed with System.Formats.Asn1.
/// </summary>
public sealed class SgxCertificateRevocationList
{
    private SgxCertificateRevocationList(byte[] der, X500DistinguishedName issuer, DateTimeOffset thisUpdate, DateTimeOffset? nextUpdate, HashSet<string> revoked)
    {
        RawData = der;
        Issuer = issuer;
        ThisUpdate = thisUpdate;
        NextUpdate = nextUpdate;
        RevokedSerialNumbers = revoked;
    }

    /// <summary>The DER encoding.</summary>
    public ReadOnlyMemory<byte> RawData { get; }

    /// <summary>The issuing CA's name.</summary>
    public X500DistinguishedName Issuer { get; }

    /// <summary>When the CRL was issued.</summary>
    public DateTimeOffset ThisUpdate { get; }

    /// <summary>When the next CRL is due; after it this one is stale.</summary>
    public DateTimeOffset? NextUpdate { get; }

    /// <summary>Revoked serial numbers, upper-case big-endian hex as <see cref="X509Certificate2.SerialNumber"/> writes them.</summary>
    public IReadOnlySet<string> RevokedSerialNumbers { get; }

    /// <summary>Parses a CRL from DER, or from PEM ("X509 CRL") text bytes.</summary>
    /// <param name="data">DER or PEM bytes.</param>
    public static SgxCertificateRevocationList Parse(ReadOnlySpan<byte> data)
    {
        byte[] der = data.ToArray();
        if (der.Length > 0 && der[0] == (byte)'-')
        {
            string text = System.Text.Encoding.ASCII.GetString(der);
            var fields = System.Security.Cryptography.PemEncoding.Find(text);
            der = Convert.FromBase64String(text[fields.Base64Data]);
        }
        try
        {
            AsnReader tbs = new AsnReader(new AsnReader(der, AsnEncodingRules.DER).ReadSequence().ReadEncodedValue(), AsnEncodingRules.DER).ReadSequence();
            if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
            {
                tbs.ReadInteger(); // version
            }
            tbs.ReadSequence(); // signature algorithm
            var issuer = new X500DistinguishedName(tbs.ReadEncodedValue().Span);
            DateTimeOffset thisUpdate = ReadTime(tbs);
            DateTimeOffset? nextUpdate = null;
            if (tbs.HasData && (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) || tbs.PeekTag().HasSameClassAndValue(Asn1Tag.GeneralizedTime)))
            {
                nextUpdate = ReadTime(tbs);
            }
            var revoked = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
            {
                AsnReader list = tbs.ReadSequence();
                while (list.HasData)
                {
                    AsnReader entry = list.ReadSequence();
                    revoked.Add(Convert.ToHexString(entry.ReadIntegerBytes().Span));
                }
            }
            return new SgxCertificateRevocationList(der, issuer, thisUpdate, nextUpdate, revoked);
        }
        catch (AsnContentException e)
        {
            throw new TdxException("malformed CRL: " + e.Message, e);
        }
    }

    /// <summary>True when the CRL's signature verifies with <paramref name="issuer"/>'s key and the names match.</summary>
    /// <param name="issuer">The CA that should have issued this CRL.</param>
    public bool IsSignedBy(X509Certificate2 issuer) =>
        issuer.SubjectName.RawData.AsSpan().SequenceEqual(Issuer.RawData) && X509Signature.Verify(RawData, issuer);

    /// <summary>True when <paramref name="certificate"/> is listed (same issuer name and serial number).</summary>
    /// <param name="certificate">A certificate issued by this CRL's issuer.</param>
    public bool IsRevoked(X509Certificate2 certificate) =>
        certificate.IssuerName.RawData.AsSpan().SequenceEqual(Issuer.RawData)
        && RevokedSerialNumbers.Contains(certificate.SerialNumber);

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();
}
