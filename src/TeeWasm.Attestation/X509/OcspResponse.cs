using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.X509;

/// <summary>The status an OCSP responder gives a certificate (RFC 6960 CertStatus).</summary>
public enum OcspCertStatus
{
    /// <summary>Not revoked.</summary>
    Good,

    /// <summary>Revoked (or on hold: reason certificateHold).</summary>
    Revoked,

    /// <summary>The responder does not know the certificate.</summary>
    Unknown,
}

/// <summary>One SingleResponse of an OCSP answer: which certificate (CertID) and its status.</summary>
/// <param name="HashAlgorithm">The CertID hash (SHA-1, SHA-256, SHA-384, SHA-512).</param>
/// <param name="IssuerNameHash">Hash of the issuer's DER name.</param>
/// <param name="IssuerKeyHash">Hash of the issuer's public key bits.</param>
/// <param name="SerialNumber">The certificate's serial, upper-case hex as <see cref="X509Certificate2.SerialNumber"/> writes it.</param>
/// <param name="Status">Good, revoked or unknown.</param>
/// <param name="RevocationTime">When it was revoked, for <see cref="OcspCertStatus.Revoked"/>.</param>
/// <param name="RevocationReason">The CRLReason name ("certificateHold", "keyCompromise"…), when given.</param>
/// <param name="ThisUpdate">When the status was known to be right.</param>
/// <param name="NextUpdate">When newer information will be available, if said.</param>
public sealed record OcspSingleResponse(HashAlgorithmName HashAlgorithm, byte[] IssuerNameHash, byte[] IssuerKeyHash, string SerialNumber,
    OcspCertStatus Status, DateTimeOffset? RevocationTime, string? RevocationReason, DateTimeOffset ThisUpdate, DateTimeOffset? NextUpdate);

/// <summary>
/// An OCSP answer (RFC 6960 OCSPResponse with a BasicOCSPResponse), parsed with System.Formats.Asn1: its single
/// responses, when it was produced, the certificates it carries; <see cref="IsSignedBy"/> checks its ECDSA signature by
/// a certificate's issuer or by a responder certificate that issuer delegated (id-kp-OCSPSigning).
/// </summary>
public sealed class OcspResponse
{
    private const string BasicOid = "1.3.6.1.5.5.7.48.1.1";
    private const string OcspSigningEku = "1.3.6.1.5.5.7.3.9";
    private static readonly string[] s_reasons =
    [
        "unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded", "cessationOfOperation",
        "certificateHold", "(unused)", "removeFromCRL", "privilegeWithdrawn", "aACompromise",
    ];

    private OcspResponse(byte[] basic, IReadOnlyList<OcspSingleResponse> responses, DateTimeOffset producedAt, IReadOnlyList<X509Certificate2> certificates, string source)
    {
        BasicResponse = basic;
        Responses = responses;
        ProducedAt = producedAt;
        Certificates = certificates;
        Source = source;
    }

    /// <summary>The DER BasicOCSPResponse (what the signature covers: its tbsResponseData).</summary>
    public ReadOnlyMemory<byte> BasicResponse { get; }

    /// <summary>The single responses.</summary>
    public IReadOnlyList<OcspSingleResponse> Responses { get; }

    /// <summary>producedAt.</summary>
    public DateTimeOffset ProducedAt { get; }

    /// <summary>The certificates the answer carries (a delegated responder's, typically).</summary>
    public IReadOnlyList<X509Certificate2> Certificates { get; }

    /// <summary>Where it came from (a file, a URL), for messages.</summary>
    public string Source { get; }

    /// <summary>True when <paramref name="data"/> parses as a successful OCSP answer.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out OcspResponse? response, string source = "")
    {
        try
        {
            response = Parse(data, source);
            return true;
        }
        catch (AttestationException)
        {
            response = null;
            return false;
        }
    }

    /// <summary>Parses a DER OCSPResponse.</summary>
    /// <exception cref="AttestationException">Not an OCSP answer, or not a successful one (its status is named).</exception>
    public static OcspResponse Parse(ReadOnlySpan<byte> data, string source = "")
    {
        try
        {
            var outer = new AsnReader(data.ToArray(), AsnEncodingRules.DER);
            AsnReader response = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            int status = SmallEnum(response.ReadEnumeratedBytes());
            if (status != 0)
                throw new AttestationException($"the OCSP responder answered {(status is >= 0 and < 7 ? s_statuses[status] : status.ToString(System.Globalization.CultureInfo.InvariantCulture))}, not a certificate status");
            AsnReader bytes = response.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadSequence();
            string type = bytes.ReadObjectIdentifier();
            if (type != BasicOid) throw new AttestationException($"OCSP response type {type} is not id-pkix-ocsp-basic");
            byte[] basic = bytes.ReadOctetString();

            AsnReader b = new AsnReader(basic, AsnEncodingRules.DER).ReadSequence();
            AsnReader tbs = b.ReadSequence();
            b.ReadSequence(); // signatureAlgorithm
            b.ReadBitString(out _);
            var certificates = new List<X509Certificate2>();
            if (b.HasData)
            {
                AsnReader certs = b.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadSequence();
                while (certs.HasData) certificates.Add(X509CertificateLoader.LoadCertificate(certs.ReadEncodedValue().Span));
            }

            if (tbs.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0))) tbs.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0));
            tbs.ReadEncodedValue(); // responderID
            DateTimeOffset producedAt = tbs.ReadGeneralizedTime();
            AsnReader list = tbs.ReadSequence();
            var singles = new List<OcspSingleResponse>();
            while (list.HasData) singles.Add(ReadSingle(list.ReadSequence()));
            return new OcspResponse(basic, singles, producedAt, certificates, source);
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException or ArgumentException)
        {
            throw new AttestationException("malformed OCSP response: " + e.Message, e);
        }
    }

    private static OcspSingleResponse ReadSingle(AsnReader s)
    {
        AsnReader id = s.ReadSequence();
        HashAlgorithmName hash = HashOf(id.ReadSequence().ReadObjectIdentifier());
        byte[] nameHash = id.ReadOctetString(), keyHash = id.ReadOctetString();
        string serial = Convert.ToHexString(id.ReadIntegerBytes().Span);
        Asn1Tag tag = s.PeekTag();
        OcspCertStatus status;
        DateTimeOffset? revokedAt = null;
        string? reason = null;
        if (tag.HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
        {
            s.ReadNull(new Asn1Tag(TagClass.ContextSpecific, 0));
            status = OcspCertStatus.Good;
        }
        else if (tag.HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 1, true)))
        {
            AsnReader revoked = s.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 1));
            revokedAt = revoked.ReadGeneralizedTime();
            if (revoked.HasData)
            {
                int r = SmallEnum(revoked.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadEnumeratedBytes());
                reason = r >= 0 && r < s_reasons.Length ? s_reasons[r] : r.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            status = OcspCertStatus.Revoked;
        }
        else
        {
            s.ReadNull(new Asn1Tag(TagClass.ContextSpecific, 2));
            status = OcspCertStatus.Unknown;
        }
        DateTimeOffset thisUpdate = s.ReadGeneralizedTime();
        DateTimeOffset? nextUpdate = null;
        if (s.HasData && s.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
            nextUpdate = s.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadGeneralizedTime();
        return new OcspSingleResponse(hash, nameHash, keyHash, serial, status, revokedAt, reason, thisUpdate, nextUpdate);
    }

    /// <summary>The single response about <paramref name="certificate"/> (issued by <paramref name="issuer"/>), or null.</summary>
    public OcspSingleResponse? For(X509Certificate2 certificate, X509Certificate2 issuer) =>
        Responses.FirstOrDefault(r => string.Equals(r.SerialNumber, certificate.SerialNumber, StringComparison.OrdinalIgnoreCase)
            && r.IssuerNameHash.AsSpan().SequenceEqual(Hash(r.HashAlgorithm, issuer.SubjectName.RawData))
            && r.IssuerKeyHash.AsSpan().SequenceEqual(Hash(r.HashAlgorithm, KeyBits(issuer))));

    /// <summary>
    /// True when the answer is signed (ECDSA) by <paramref name="issuer"/> itself, or by a certificate it carries that
    /// <paramref name="issuer"/> signed, valid at <paramref name="time"/>, with the id-kp-OCSPSigning usage.
    /// </summary>
    public bool IsSignedBy(X509Certificate2 issuer, DateTimeOffset time, out string? error)
    {
        if (X509Signature.Verify(BasicResponse, issuer))
        {
            error = null;
            return true;
        }
        foreach (X509Certificate2 responder in Certificates)
        {
            if (!responder.IssuerName.RawData.AsSpan().SequenceEqual(issuer.SubjectName.RawData) || !X509Signature.Verify(responder.RawData, issuer)) continue;
            if (!responder.Extensions.OfType<X509EnhancedKeyUsageExtension>().Any(e => e.EnhancedKeyUsages.OfType<Oid>().Any(o => o.Value == OcspSigningEku)))
            {
                error = $"the OCSP responder certificate '{CertificateChain.Name(responder)}' lacks the OCSP signing usage";
                return false;
            }
            if (CertificateChain.FirstOutsideValidity([responder], time) is not null)
            {
                error = $"the OCSP responder certificate {CertificateChain.DescribeValidity(responder, time)}";
                return false;
            }
            if (X509Signature.Verify(BasicResponse, responder))
            {
                error = null;
                return true;
            }
        }
        error = $"the OCSP answer is signed neither by '{CertificateChain.Name(issuer)}' nor by a responder it delegated";
        return false;
    }

    /// <summary>A DER OCSPRequest for <paramref name="certificate"/> (CertID with SHA-1, as responders expect; RFC 6960 §4.1).</summary>
    public static byte[] CreateRequest(X509Certificate2 certificate, X509Certificate2 issuer)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(issuer);
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        using (w.PushSequence())
        using (w.PushSequence())
        using (w.PushSequence())
        using (w.PushSequence())
        {
            using (w.PushSequence())
            {
                w.WriteObjectIdentifier("1.3.14.3.2.26");
                w.WriteNull();
            }
            w.WriteOctetString(Hash(HashAlgorithmName.SHA1, issuer.SubjectName.RawData));
            w.WriteOctetString(Hash(HashAlgorithmName.SHA1, KeyBits(issuer)));
            w.WriteInteger(new BigInteger(Convert.FromHexString(certificate.SerialNumber), isUnsigned: true, isBigEndian: true));
        }
        return w.Encode();
    }

    /// <summary>The subjectPublicKey BIT STRING contents of a certificate (what CertID's issuerKeyHash hashes).</summary>
    internal static byte[] KeyBits(X509Certificate2 certificate)
    {
        AsnReader spki = new AsnReader(certificate.PublicKey.ExportSubjectPublicKeyInfo(), AsnEncodingRules.DER).ReadSequence();
        spki.ReadSequence();
        return spki.ReadBitString(out _);
    }

    private static byte[] Hash(HashAlgorithmName name, byte[] data) =>
        name == HashAlgorithmName.SHA1 ? SHA1.HashData(data)
        : name == HashAlgorithmName.SHA256 ? SHA256.HashData(data)
        : name == HashAlgorithmName.SHA384 ? SHA384.HashData(data)
        : SHA512.HashData(data);

    private static HashAlgorithmName HashOf(string oid) => oid switch
    {
        "1.3.14.3.2.26" => HashAlgorithmName.SHA1,
        "2.16.840.1.101.3.4.2.1" => HashAlgorithmName.SHA256,
        "2.16.840.1.101.3.4.2.2" => HashAlgorithmName.SHA384,
        "2.16.840.1.101.3.4.2.3" => HashAlgorithmName.SHA512,
        _ => throw new AsnContentException($"CertID hash {oid} is not supported"),
    };

    private static readonly string[] s_statuses = ["successful", "malformedRequest", "internalError", "tryLater", "(unused)", "sigRequired", "unauthorized"];

    private static int SmallEnum(ReadOnlyMemory<byte> bytes) =>
        bytes.Length is > 0 and <= 2 ? (int)new BigInteger(bytes.Span, isUnsigned: false, isBigEndian: true) : throw new AsnContentException("ENUMERATED out of range");
}
