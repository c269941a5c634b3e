using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Platforms.Tdx;

/// <summary>Real vectors and helpers that rebuild quotes with a test-made PCK chain.</summary>
internal static class TdxTestData
{
    public const string SprV4 = "tdx_prod_quote_SPR_E4.dat";
    public const string SampleV5 = "quote_v5_sample.dat";
    public const string Cos = "cos-113-tdx-quote.dat";
    public const string AzureV4 = "cvmtools-azure-td-quote-v4.dat";
    public const string AzureV5 = "cvmtools-azure-td-quote-v5.dat";

    public static readonly string[] AllQuotes = [SprV4, SampleV5, Cos, AzureV4, AzureV5];

    /// <summary>Inside every PCK window (latest notBefore: quote_v5_sample, 2026-01-27) and the v5 tcbInfo window.</summary>
    public static readonly DateTimeOffset Feb2026 = new(2026, 2, 15, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Inside the 2023 collateral windows (tcbInfo 06-18..07-18, QE identity 06-08..07-08, CRLs 06-08..07-08).</summary>
    public static readonly DateTimeOffset Jun2023 = new(2023, 6, 20, 0, 0, 0, TimeSpan.Zero);

    public static byte[] Quote(string name) => File.ReadAllBytes(RepoPaths.Vector("tdx", name));

    public static string Path(string name) => RepoPaths.Vector("tdx", name);

    /// <summary>Offset of the QE auth data in a quote's bytes.</summary>
    public static int QeAuthDataOffset(TdxQuote q) => q.SignedData.Length + 4 + 128 + 6 + SgxReportBody.Size + 64 + 2;

    /// <summary>Re-serializes a quote with a different PCK chain and QE report signature (header, body and attestation key signature kept).</summary>
    public static byte[] Rebuild(TdxQuote q, string pckChainPem, ReadOnlySpan<byte> qeReportSignature) =>
        Rebuild(q, 5, Encoding.ASCII.GetBytes(pckChainPem), qeReportSignature);

    /// <summary>Re-serializes a quote with certification data of another <paramref name="type"/> (5 is a PCK chain in PEM).</summary>
    public static byte[] Rebuild(TdxQuote q, ushort type, byte[] certificationData, ReadOnlySpan<byte> qeReportSignature)
    {
        TdxQuoteSignatureData s = q.SignatureData;
        byte[] pem = certificationData;
        var outer = new List<byte>();
        outer.AddRange(s.QeReport.Raw.ToArray());
        outer.AddRange(qeReportSignature.ToArray());
        outer.AddRange(U16((ushort)s.QeAuthData.Length));
        outer.AddRange(s.QeAuthData.ToArray());
        outer.AddRange(U16(type));
        outer.AddRange(U32((uint)pem.Length));
        outer.AddRange(pem);
        var sig = new List<byte>();
        sig.AddRange(s.Signature.ToArray());
        sig.AddRange(s.AttestationKey.ToArray());
        sig.AddRange(U16(6));
        sig.AddRange(U32((uint)outer.Count));
        sig.AddRange(outer);
        return [.. q.SignedData.ToArray(), .. U32((uint)sig.Count), .. sig];
    }

    private static byte[] U16(ushort v) { var b = new byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, v); return b; }

    private static byte[] U32(uint v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); return b; }

}

/// <summary>A test PKI that mimics Intel's (root → platform CA → PCK leaf with a copied SGX extension).</summary>
internal sealed class TestPki : IDisposable
{
    public TestPki(X509Extension sgxExtension, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        RootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using X509Certificate2 intel = IntelSgxRootCa.Create();
        var rootReq = new CertificateRequest(intel.SubjectName, RootKey, HashAlgorithmName.SHA256); // byte-identical name
        rootReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        Root = rootReq.CreateSelfSigned(notBefore, notAfter);

        CaKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caReq = new CertificateRequest("CN=Intel SGX PCK Platform CA, O=Intel Corporation, L=Santa Clara, S=CA, C=US", CaKey, HashAlgorithmName.SHA256);
        caReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        Ca = caReq.Create(Root, notBefore, notAfter, [1, 2, 3]).CopyWithPrivateKey(CaKey);

        LeafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafReq = new CertificateRequest("CN=Intel SGX PCK Certificate, O=Intel Corporation, L=Santa Clara, S=CA, C=US", LeafKey, HashAlgorithmName.SHA256);
        leafReq.CertificateExtensions.Add(sgxExtension);
        Leaf = leafReq.Create(Ca, notBefore, notAfter, [0x42, 0x01]);
    }

    public ECDsa RootKey { get; }
    public X509Certificate2 Root { get; }
    public ECDsa CaKey { get; }
    public X509Certificate2 Ca { get; }
    public ECDsa LeafKey { get; }
    public X509Certificate2 Leaf { get; }

    public string ChainPem(bool includeRoot = true) =>
        Leaf.ExportCertificatePem() + "\n" + Ca.ExportCertificatePem() + "\n" + (includeRoot ? Root.ExportCertificatePem() + "\n" : "");

    /// <summary>The real quote re-issued under this PKI (QE report re-signed by the test PCK).</summary>
    public byte[] Reissue(TdxQuote q) =>
        TdxTestData.Rebuild(q, ChainPem(), LeafKey.SignData(q.SignatureData.QeReport.Raw.Span, HashAlgorithmName.SHA256));

    public void Dispose()
    {
        Root.Dispose(); Ca.Dispose(); Leaf.Dispose(); RootKey.Dispose(); CaKey.Dispose(); LeafKey.Dispose();
    }
}
