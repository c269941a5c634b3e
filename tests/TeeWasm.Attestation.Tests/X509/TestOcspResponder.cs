using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TeeWasm.Attestation.Tests.X509;

/// <summary>
/// Writes RFC 6960 OCSP answers (OCSPResponse / BasicOCSPResponse, ECDSA-SHA384) for a test CA, written here from the
/// RFC independently of the production parser: good, revoked (with a reason) or unknown, signed by the CA or by a
/// delegated responder certificate.
/// </summary>
internal static class TestOcspResponder
{
    public static byte[] Answer(X509Certificate2 certificate, X509Certificate2 issuer, ECDsa signingKey, int status, DateTimeOffset thisUpdate,
        DateTimeOffset? nextUpdate = null, int? reason = null, X509Certificate2? responderCertificate = null)
    {
        var tbs = new AsnWriter(AsnEncodingRules.DER);
        using (tbs.PushSequence())
        {
            // responderID byName [1] EXPLICIT Name
            using (tbs.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 1, true)))
                tbs.WriteEncodedValue((responderCertificate ?? issuer).SubjectName.RawData);
            tbs.WriteGeneralizedTime(thisUpdate, omitFractionalSeconds: true);
            using (tbs.PushSequence())
            using (tbs.PushSequence())
            {
                using (tbs.PushSequence())
                {
                    using (tbs.PushSequence())
                    {
                        tbs.WriteObjectIdentifier("2.16.840.1.101.3.4.2.1");
                        tbs.WriteNull();
                    }
                    tbs.WriteOctetString(SHA256.HashData(issuer.SubjectName.RawData));
                    AsnReader spki = new AsnReader(issuer.PublicKey.ExportSubjectPublicKeyInfo(), AsnEncodingRules.DER).ReadSequence();
                    spki.ReadSequence();
                    tbs.WriteOctetString(SHA256.HashData(spki.ReadBitString(out _)));
                    tbs.WriteInteger(new BigInteger(certificate.SerialNumberBytes.Span, isUnsigned: true, isBigEndian: true));
                }
                if (status == 0)
                {
                    tbs.WriteNull(new Asn1Tag(TagClass.ContextSpecific, 0));
                }
                else if (status == 1)
                {
                    using (tbs.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 1, true)))
                    {
                        tbs.WriteGeneralizedTime(thisUpdate.AddDays(-3), omitFractionalSeconds: true);
                        if (reason is int r)
                            using (tbs.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
                                tbs.WriteEnumeratedValue((CrlReason)r);
                    }
                }
                else
                {
                    tbs.WriteNull(new Asn1Tag(TagClass.ContextSpecific, 2));
                }
                tbs.WriteGeneralizedTime(thisUpdate, omitFractionalSeconds: true);
                if (nextUpdate is { } next)
                    using (tbs.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
                        tbs.WriteGeneralizedTime(next, omitFractionalSeconds: true);
            }
        }
        byte[] tbsBytes = tbs.Encode();
        var basic = new AsnWriter(AsnEncodingRules.DER);
        using (basic.PushSequence())
        {
            basic.WriteEncodedValue(tbsBytes);
            using (basic.PushSequence()) basic.WriteObjectIdentifier("1.2.840.10045.4.3.3");
            basic.WriteBitString(signingKey.SignData(tbsBytes, HashAlgorithmName.SHA384, DSASignatureFormat.Rfc3279DerSequence));
            if (responderCertificate is not null)
                using (basic.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
                using (basic.PushSequence())
                    basic.WriteEncodedValue(responderCertificate.RawData);
        }
        var outer = new AsnWriter(AsnEncodingRules.DER);
        using (outer.PushSequence())
        {
            outer.WriteEnumeratedValue(OcspStatus.Successful);
            using (outer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
            using (outer.PushSequence())
            {
                outer.WriteObjectIdentifier("1.3.6.1.5.5.7.48.1.1");
                outer.WriteOctetString(basic.Encode());
            }
        }
        return outer.Encode();
    }

    /// <summary>An answer that is not a status ("tryLater").</summary>
    public static byte[] TryLater()
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence()) w.WriteEnumeratedValue(OcspStatus.TryLater);
        return w.Encode();
    }

    private enum OcspStatus { Successful = 0, TryLater = 3 }

    private enum CrlReason { Unspecified = 0, KeyCompromise = 1, CertificateHold = 6 }
}
