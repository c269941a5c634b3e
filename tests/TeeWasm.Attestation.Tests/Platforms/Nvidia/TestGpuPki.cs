using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Platforms.Nvidia;

namespace TeeWasm.Attestation.Tests.Platforms.Nvidia;

/// <summary>
/// A test device PKI (P-384 root → leaf with a TCG DICE FWID) and a re-signer that turns a real NVIDIA report into one
/// over any nonce, signed by the test leaf — so end-to-end tests can use nonces the attester derives.
/// </summary>
internal sealed class TestGpuPki : IDisposable
{
    private readonly ECDsa _rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
    private readonly ECDsa _leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);

    /// <summary>A root and leaf valid from a day before <paramref name="from"/> (default: now) for a year.</summary>
    public TestGpuPki(byte[]? fwid, DateTimeOffset? from = null)
    {
        var now = from ?? DateTimeOffset.UtcNow;
        var rootRequest = new CertificateRequest("CN=Test Device Identity CA, O=TeeWasm Tests", _rootKey, HashAlgorithmName.SHA384);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        Root = rootRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(5));

        var leafRequest = new CertificateRequest("CN=Test GH100 GSP FMC LF, O=TeeWasm Tests", _leafKey, HashAlgorithmName.SHA384);
        if (fwid is not null) leafRequest.CertificateExtensions.Add(new X509Extension(NvidiaCertificateChain.TcgDiceTcbInfoOid, TcbInfo(fwid), false));
        using X509Certificate2 leaf = leafRequest.Create(Root, now.AddDays(-1), now.AddYears(1), [1, 2, 3, 4]);
        Leaf = X509CertificateLoader.LoadCertificate(leaf.RawData);
        ChainPem = Leaf.ExportCertificatePem() + "\n" + Root.ExportCertificatePem() + "\n";
    }

    public X509Certificate2 Root { get; }

    /// <summary>The root's key (signs OCSP answers in revocation tests).</summary>
    public ECDsa RootKey => _rootKey;
    public X509Certificate2 Leaf { get; }
    public string ChainPem { get; }

    /// <summary>The report with <paramref name="nonce"/> in its request, re-signed by the test leaf.</summary>
    public byte[] Resign(GpuAttestationReport report, ReadOnlySpan<byte> nonce)
    {
        byte[] bytes = report.Raw.ToArray();
        nonce.CopyTo(bytes.AsSpan(4, 32));
        byte[] signature = _leafKey.SignData(bytes.AsSpan(0, bytes.Length - 96), HashAlgorithmName.SHA384, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        signature.CopyTo(bytes.AsSpan(bytes.Length - 96));
        return bytes;
    }

    /// <summary>DiceTcbInfo ::= SEQUENCE { …, fwids [6] IMPLICIT SEQUENCE OF FWID, … }; FWID ::= SEQUENCE { hashAlg OID, digest OCTET STRING }.</summary>
    private static byte[] TcbInfo(byte[] fwid)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteCharacterString(UniversalTagNumber.UTF8String, "NVIDIA", new Asn1Tag(TagClass.ContextSpecific, 0));
            using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 6, isConstructed: true)))
            using (w.PushSequence())
            {
                w.WriteObjectIdentifier("2.16.840.1.101.3.4.2.2");
                w.WriteOctetString(fwid);
            }
        }
        return w.Encode();
    }

    public void Dispose()
    {
        _rootKey.Dispose();
        _leafKey.Dispose();
        Root.Dispose();
        Leaf.Dispose();
    }
}
