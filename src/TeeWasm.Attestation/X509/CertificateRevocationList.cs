using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.X509;

/// <summary>
/// An X.509 CRL (RFC 5280 CertificateList), parsed with System.Formats.Asn1: issuer, thisUpdate, nextUpdate and the
/// revoked serial numbers. Whether its signature holds is the caller's check (ECDSA: <see cref="IsSignedBy"/>; AMD's
/// RSA-PSS CRLs: the SEV-SNP platform's own check over <see cref="RawData"/>).
/// </summary>
public sealed class CertificateRevocationList
{
    private CertificateRevocationList(byte[] der, X500DistinguishedName issuer, DateTimeOffset thisUpdate, DateTimeOffset? nextUpdate, HashSet<string> revoked, string source)
    {
        Source = source;
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

    /// <summary>Where it came from (a file, a URL), for messages; empty when unknown.</summary>
    public string Source { get; }

    /// <summary>Revoked serial numbers, upper-case big-endian hex as <see cref="X509Certificate2.SerialNumber"/> writes them.</summary>
    public IReadOnlySet<string> RevokedSerialNumbers { get; }

    /// <summary>True when <paramref name="data"/> looks like a CRL (PEM "X509 CRL", or DER that parses as one).</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CertificateRevocationList? crl)
    {
        crl = null;
        try
        {
            crl = Parse(data);
            return true;
        }
        catch (AttestationException)
        {
            return false;
        }
    }

    /// <summary>Parses a CRL from DER, or from PEM ("X509 CRL") text bytes.</summary>
    /// <param name="data">DER or PEM bytes.</param>
    /// <param name="source">Where it came from, for messages.</param>
    /// <exception cref="AttestationException">Not a CRL.</exception>
    public static CertificateRevocationList Parse(ReadOnlySpan<byte> data, string source = "")
    {
        byte[] der = data.ToArray();
        try
        {
            if (der.Length > 0 && der[0] == (byte)'-')
            {
                string text = System.Text.Encoding.ASCII.GetString(der);
                var fields = System.Security.Cryptography.PemEncoding.Find(text);
                if (text[fields.Label] != "X509 CRL") throw new FormatException($"PEM block is '{text[fields.Label]}', not 'X509 CRL'");
                der = Convert.FromBase64String(text[fields.Base64Data]);
            }
            var outer = new AsnReader(der, AsnEncodingRules.DER);
            AsnReader list = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            AsnReader tbs = new AsnReader(list.ReadEncodedValue(), AsnEncodingRules.DER).ReadSequence();
            list.ReadSequence(); // signatureAlgorithm
            list.ReadBitString(out _);
            list.ThrowIfNotEmpty();
            if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer)) tbs.ReadInteger(); // version
            tbs.ReadSequence(); // signature algorithm
            var issuer = new X500DistinguishedName(tbs.ReadEncodedValue().Span);
            DateTimeOffset thisUpdate = ReadTime(tbs);
            DateTimeOffset? nextUpdate = null;
            if (tbs.HasData && (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) || tbs.PeekTag().HasSameClassAndValue(Asn1Tag.GeneralizedTime)))
                nextUpdate = ReadTime(tbs);
            var revoked = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
            {
                AsnReader entries = tbs.ReadSequence();
                while (entries.HasData)
                {
                    AsnReader entry = entries.ReadSequence();
                    revoked.Add(Convert.ToHexString(entry.ReadIntegerBytes().Span));
                }
            }
            return new CertificateRevocationList(der, issuer, thisUpdate, nextUpdate, revoked, source);
        }
        catch (Exception e) when (e is AsnContentException or FormatException or ArgumentException)
        {
            throw new AttestationException("malformed CRL: " + e.Message, e);
        }
    }

    /// <summary>True when the CRL's ECDSA signature verifies with <paramref name="issuer"/>'s key and the names match.</summary>
    /// <param name="issuer">The CA that should have issued this CRL.</param>
    public bool IsSignedBy(X509Certificate2 issuer) =>
        issuer.SubjectName.RawData.AsSpan().SequenceEqual(Issuer.RawData) && X509Signature.Verify(RawData, issuer);

    /// <summary>True when <paramref name="certificate"/> is listed (same issuer name and serial number).</summary>
    /// <param name="certificate">A certificate issued by this CRL's issuer.</param>
    public bool IsRevoked(X509Certificate2 certificate) =>
        certificate.IssuerName.RawData.AsSpan().SequenceEqual(Issuer.RawData)
        && RevokedSerialNumbers.Contains(certificate.SerialNumber);

    /// <summary>True when the CRL is current at <paramref name="time"/> (thisUpdate ≤ time ≤ nextUpdate).</summary>
    public bool IsCurrent(DateTimeOffset time) => ThisUpdate <= time && (NextUpdate is not { } next || time <= next);

    /// <summary>The issuer's simple name (its CN).</summary>
    public string IssuerName => Issuer.Name.Split(',').Select(p => p.Trim()).FirstOrDefault(p => p.StartsWith("CN=", StringComparison.Ordinal))?[3..] ?? Issuer.Name;

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();
}
