using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TeeWasm.Attestation.Platforms.Snp;

/// <summary>
/// Verifies the RSASSA-PSS (SHA-384, MGF1-SHA-384, salt 48) signature AMD puts on VCEK, VLEK, ASK, ASVK and ARK
/// certificates, reading TBSCertificate and the signature directly so that no RFC 5280 strictness gets in the way.
/// </summary>
internal static class AmdCertificateSignature
{
    private const string RsaPssOid = "1.2.840.113549.1.1.10";
    private const string Sha384Oid = "2.16.840.1.101.3.4.2.2";
    private const string Mgf1Oid = "1.2.840.113549.1.1.8";
    private const int SaltLength = 48;

    /// <summary>True when <paramref name="issuer"/>'s RSA key signed <paramref name="subject"/>; otherwise false and why.</summary>
    public static bool Verify(X509Certificate2 subject, X509Certificate2 issuer, out string? error) =>
        VerifySigned(subject.RawData, issuer, out error);

    /// <summary>True when <paramref name="issuer"/>'s RSA key signed the DER structure <paramref name="signedDer"/> (a certificate or CRL).</summary>
    public static bool VerifySigned(ReadOnlyMemory<byte> signedDer, X509Certificate2 issuer, out string? error)
    {
        ReadOnlyMemory<byte> tbs;
        byte[] signature;
        try
        {
            var outer = new AsnReader(signedDer, AsnEncodingRules.DER).ReadSequence();
            tbs = outer.ReadEncodedValue();
            AsnReader algorithm = outer.ReadSequence();
            string oid = algorithm.ReadObjectIdentifier();
            if (oid != RsaPssOid)
            {
                error = $"signature algorithm {oid} is not RSASSA-PSS";
                return false;
            }
            if (!PssParametersAreSha384Salt48(algorithm.ReadSequence(), out error)) return false;
            signature = outer.ReadBitString(out int unused);
            if (unused != 0) throw new AsnContentException();
        }
        catch (AsnContentException)
        {
            error = "encoding is malformed";
            return false;
        }

        using RSA? key = issuer.GetRSAPublicKey();
        if (key is null)
        {
            error = "issuer key is not RSA";
            return false;
        }
        if (!key.VerifyData(tbs.Span, signature, HashAlgorithmName.SHA384, RSASignaturePadding.Pss))
        {
            error = "RSA-PSS signature does not verify";
            return false;
        }
        error = null;
        return true;
    }

    private static bool PssParametersAreSha384Salt48(AsnReader p, out string? error)
    {
        string? hash = null, mgfHash = null;
        int salt = 20; // RFC 4055 default
        if (p.HasData && p.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
        {
            hash = p.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadSequence().ReadObjectIdentifier();
        }
        if (p.HasData && p.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 1)))
        {
            AsnReader mgf = p.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 1)).ReadSequence();
            if (mgf.ReadObjectIdentifier() == Mgf1Oid) mgfHash = mgf.ReadSequence().ReadObjectIdentifier();
        }
        if (p.HasData && p.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 2)))
        {
            AsnReader s = p.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 2));
            if (!s.TryReadInt32(out salt)) salt = -1;
        }
        if (hash != Sha384Oid || mgfHash != Sha384Oid || salt != SaltLength)
        {
            error = $"RSASSA-PSS parameters are not SHA-384/MGF1-SHA-384/salt 48 (hash {hash ?? "sha1"}, salt {salt})";
            return false;
        }
        error = null;
        return true;
    }
}
