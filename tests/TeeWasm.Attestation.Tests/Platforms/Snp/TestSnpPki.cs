using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Platforms.Snp;

namespace TeeWasm.Attestation.Tests.Platforms.Snp;

/// <summary>A throw-away ARK → ASK → VCEK hierarchy shaped like AMD's (RSA-PSS SHA-384 above, P-384 VCEK).</summary>
internal sealed class TestSnpPki : IDisposable
{
    private static readonly DateTimeOffset s_from = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset s_to = new(2040, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public TestSnpPki(SnpTcb vcekTcb, byte[] chipId, string productName = "Milan-B0")
    {
        RSA arkKey = ArkKey = RSA.Create(2048);
        using RSA askKey = RSA.Create(2048);
        VcekKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var arkName = new X500DistinguishedName("CN=ARK-Test");
        var askName = new X500DistinguishedName("CN=SEV-Test");

        var arkReq = new CertificateRequest(arkName, arkKey, HashAlgorithmName.SHA384, RSASignaturePadding.Pss);
        arkReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        Ark = arkReq.CreateSelfSigned(s_from, s_to);

        var askReq = new CertificateRequest(askName, askKey, HashAlgorithmName.SHA384, RSASignaturePadding.Pss);
        askReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        Ask = askReq.Create(arkName, X509SignatureGenerator.CreateForRSA(arkKey, RSASignaturePadding.Pss), s_from, s_to, [1]);

        var vcekReq = new CertificateRequest(new X500DistinguishedName("CN=SEV-VCEK"), VcekKey, HashAlgorithmName.SHA384);
        foreach (X509Extension e in AmdCertificateExtensions.CreateForVcek(vcekTcb, chipId, productName)) vcekReq.CertificateExtensions.Add(e);
        Vcek = vcekReq.Create(askName, X509SignatureGenerator.CreateForRSA(askKey, RSASignaturePadding.Pss), s_from, s_to, [2]);
    }

    public X509Certificate2 Ark { get; }

    /// <summary>The ARK's key (signs CRLs in revocation tests).</summary>
    public RSA ArkKey { get; }
    public X509Certificate2 Ask { get; }
    public X509Certificate2 Vcek { get; }
    public ECDsa VcekKey { get; }

    /// <summary>Signs a report with the VCEK key and returns its bytes.</summary>
    public byte[] Sign(SnpReport report)
    {
        byte[] bytes = report.ToArray();
        SnpSignature.SignInPlace(bytes, VcekKey);
        return bytes;
    }

    public SnpVerificationOptions Options(byte[]? expectedReportData = null) => new()
    {
        Certificates = [Vcek, Ask],
        TrustedRoots = [Ark],
        ExpectedReportData = expectedReportData,
    };

    public void Dispose()
    {
        VcekKey.Dispose();
        ArkKey.Dispose();
        Ark.Dispose();
        Ask.Dispose();
        Vcek.Dispose();
    }
}
