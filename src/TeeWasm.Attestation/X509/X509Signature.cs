using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TeeWasm.Attestation.X509;

/// <summary>
/// Checks the ECDSA signature of a DER "signed" structure (RFC 5280 Certificate or CertificateList, RFC 6960 BasicOCSPResponse:
/// SEQUENCE { tbs, signatureAlgorithm, signatureValue BIT STRING }) against an issuer's public key.
/// </summary>
internal static class X509Signature
{
    private const string EcdsaWithSha256 = "1.2.840.10045.4.3.2";
    private const string EcdsaWithSha384 = "1.2.840.10045.4.3.3";

    /// <summary>Splits a signed structure into its to-be-signed bytes, algorithm OID and signature.</summary>
    public static void Split(ReadOnlyMemory<byte> der, out ReadOnlyMemory<byte> tbs, out string algorithm, out byte[] signature)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER);
        AsnReader seq = outer.ReadSequence();
        tbs = seq.ReadEncodedValue();
        AsnReader alg = seq.ReadSequence();
        algorithm = alg.ReadObjectIdentifier();
        signature = seq.ReadBitString(out _);
    }

    /// <summary>True when <paramref name="signedDer"/> carries a valid ECDSA signature by <paramref name="issuer"/>'s key.</summary>
    public static bool Verify(ReadOnlyMemory<byte> signedDer, X509Certificate2 issuer)
    {
        try
        {
            Split(signedDer, out ReadOnlyMemory<byte> tbs, out string algorithm, out byte[] signature);
            HashAlgorithmName hash = algorithm switch
            {
                EcdsaWithSha256 => HashAlgorithmName.SHA256,
                EcdsaWithSha384 => HashAlgorithmName.SHA384,
                _ => default,
            };
            if (hash == default)
            {
                return false;
            }
            using ECDsa? key = issuer.GetECDsaPublicKey();
            return key is not null && key.VerifyData(tbs.Span, signature, hash, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException)
        {
            return false;
        }
    }
}
