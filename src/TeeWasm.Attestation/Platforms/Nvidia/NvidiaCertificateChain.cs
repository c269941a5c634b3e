using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>
/// NVIDIA certificate chains (PEM, leaf first): parsed, validated to a pinned NVIDIA root with
/// <see cref="CertificateChain"/> (no CA leaf allowed) with the faults worded in NVIDIA terms, and the TCG DICE FWIDs
/// of a device certificate.
/// </summary>
public static class NvidiaCertificateChain
{
    /// <summary>TCG DICE TcbInfo extension (holds the FWID).</summary>
    public const string TcgDiceTcbInfoOid = "2.23.133.5.4.1";
    /// <summary>The multi-FWID TcbInfo extension Blackwell device certificates use.</summary>
    public const string TcgDiceTcbInfoMultiFwidOid = "2.23.133.5.4.1.1";
    private const string Sha384Oid = "2.16.840.1.101.3.4.2.2";

    /// <summary>Reads every PEM certificate of <paramref name="pem"/> in order.</summary>
    /// <exception cref="NvidiaAttestationException">No certificate, or one does not decode.</exception>
    public static List<X509Certificate2> ParsePem(string pem)
    {
        var certs = new List<X509Certificate2>();
        ReadOnlySpan<char> rest = pem;
        while (PemEncoding.TryFind(rest, out PemFields fields))
        {
            if (rest[fields.Label].SequenceEqual("CERTIFICATE"))
            {
                try
                {
                    certs.Add(CertificateLoader.Decode(Convert.FromBase64String(rest[fields.Base64Data].ToString())));
                }
                catch (CryptographicException e)
                {
                    throw new NvidiaAttestationException(NvidiaFailureReason.Malformed, $"certificate {certs.Count} of the chain does not decode", e);
                }
            }
            rest = rest[fields.Location.End.GetOffset(rest.Length)..];
        }
        if (certs.Count == 0) throw new NvidiaAttestationException(NvidiaFailureReason.Malformed, "no PEM certificate found in the chain");
        return certs;
    }

    /// <summary>
    /// Validates <paramref name="chain"/> (leaf first; the root may be omitted) to <paramref name="root"/> at
    /// <paramref name="time"/>; <paramref name="what"/> names the chain in errors.
    /// </summary>
    /// <exception cref="NvidiaAttestationException">The chain does not validate; the message says where.</exception>
    public static void Validate(IReadOnlyList<X509Certificate2> chain, X509Certificate2 root, DateTimeOffset time, string what,
        NvidiaFailureReason chainReason = NvidiaFailureReason.CertificateChain, NvidiaFailureReason expiredReason = NvidiaFailureReason.CertificateExpired)
    {
        if (chain.Count == 0) throw new NvidiaAttestationException(chainReason, $"{what} chain is empty");
        ChainValidation outcome = CertificateChain.Validate([.. chain], root, time, leafMustNotBeCa: true);
        string? message = outcome switch
        {
            { Fault: ChainFault.None } => null,
            { Fault: ChainFault.LeafIsCa, Certificate: { } leaf } => $"{what} chain has no leaf: its first certificate '{Name(leaf)}' is a CA",
            { Fault: ChainFault.NotAtRoot, Certificate: { } last } =>
                $"{what} chain ends at '{Name(last)}' (issuer '{last.Issuer}'), not at the pinned {Name(root)}",
            { Fault: ChainFault.Broken, Certificate: { } cert, Issuer: { } issuer } =>
                $"{what} chain is broken: '{Name(cert)}' is issued by '{cert.Issuer}', but the next certificate is '{issuer.Subject}' (an intermediate is missing?)",
            { Fault: ChainFault.IssuerNotCa, Issuer: { } issuer } => $"{what} chain: issuer '{Name(issuer)}' is not a CA",
            { Fault: ChainFault.BadSignature, Certificate: { } cert, Issuer: { } issuer } =>
                $"{what} chain: the signature of '{Name(cert)}' does not verify with the key of '{Name(issuer)}'",
            { Fault: ChainFault.OutsideValidity, Certificate: { } cert } => $"{what} chain: certificate {CertificateChain.DescribeValidity(cert, time)}",
            _ => throw new InvalidOperationException($"unexpected chain outcome {outcome.Fault}"),
        };
        if (message is not null)
            throw new NvidiaAttestationException(outcome.Fault == ChainFault.OutsideValidity ? expiredReason : chainReason, message);
    }

    /// <summary>The SHA-384 FWIDs in the certificate's TCG DICE TcbInfo extension(s), in order; empty when none.</summary>
    public static List<byte[]> GetFwids(X509Certificate2 certificate)
    {
        var fwids = new List<byte[]>();
        foreach (X509Extension ext in certificate.Extensions)
        {
            if (ext.Oid?.Value is not (TcgDiceTcbInfoOid or TcgDiceTcbInfoMultiFwidOid)) continue;
            try
            {
                CollectFwids(new AsnReader(ext.RawData, AsnEncodingRules.BER), fwids);
            }
            catch (AsnContentException)
            {
                // A malformed extension yields no FWID; the caller reports the mismatch.
            }
        }
        return fwids;
    }

    /// <summary>Walks the DER for FWID ::= SEQUENCE { hashAlg OID (SHA-384), digest OCTET STRING }.</summary>
    private static void CollectFwids(AsnReader reader, List<byte[]> fwids)
    {
        while (reader.HasData)
        {
            Asn1Tag tag = reader.PeekTag();
            if (!tag.IsConstructed)
            {
                reader.ReadEncodedValue();
                continue;
            }
            ReadOnlyMemory<byte> encoded = reader.ReadEncodedValue();
            var inner = new AsnReader(encoded, AsnEncodingRules.BER).ReadSequence(tag);
            if (TryReadFwid(inner.Clone(), out byte[]? digest)) fwids.Add(digest!);
            else CollectFwids(inner, fwids);
        }
    }

    private static bool TryReadFwid(AsnReader r, out byte[]? digest)
    {
        digest = null;
        if (!r.HasData || !r.PeekTag().HasSameClassAndValue(Asn1Tag.ObjectIdentifier)) return false;
        if (r.ReadObjectIdentifier() != Sha384Oid || !r.HasData || !r.PeekTag().HasSameClassAndValue(Asn1Tag.PrimitiveOctetString)) return false;
        digest = r.ReadOctetString();
        return !r.HasData && digest.Length == 48;
    }

    private static string Name(X509Certificate2 c) => CertificateChain.Name(c);
}
