using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Nvidia;
using TeeWasm.Attestation.Tests.Platforms.Nvidia;
using TeeWasm.Attestation.Verification;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Tests.X509;

/// <summary>
/// Issue 18 item 9 for NVIDIA: OCSP answers (written by a test responder from RFC 6960) read and checked — good,
/// revoked (certificateHold, as NVIDIA puts revoked device certificates on hold), unknown, signed by another key, a
/// delegated responder with and without the OCSP signing usage — and the GPU verifier's <c>revocation</c> check on a
/// test device chain.
/// </summary>
public sealed class OcspResponseTests : IDisposable
{
    private static readonly DateTimeOffset s_now = DateTimeOffset.UtcNow;
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
    private readonly ECDsa _leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2 _leaf;

    public OcspResponseTests()
    {
        var caReq = new CertificateRequest("CN=Test OCSP CA", _caKey, HashAlgorithmName.SHA384);
        caReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        _ca = caReq.CreateSelfSigned(s_now.AddDays(-10), s_now.AddYears(2));
        _leaf = new CertificateRequest("CN=Test device", _leafKey, HashAlgorithmName.SHA384).Create(_ca, s_now.AddDays(-10), s_now.AddYears(1), [0x0a, 0x0b]);
    }

    public void Dispose()
    {
        _caKey.Dispose();
        _leafKey.Dispose();
        _ca.Dispose();
        _leaf.Dispose();
    }

    [Fact]
    public void GoodAnswer_IsFoundByCertId_AndSignedByTheIssuer()
    {
        OcspResponse r = OcspResponse.Parse(TestOcspResponder.Answer(_leaf, _ca, _caKey, 0, s_now.AddHours(-1), s_now.AddDays(1)), "answer.der");
        OcspSingleResponse single = Assert.IsType<OcspSingleResponse>(r.For(_leaf, _ca));
        Assert.Equal(OcspCertStatus.Good, single.Status);
        Assert.Equal("0A0B", single.SerialNumber);
        Assert.True(r.IsSignedBy(_ca, s_now, out string? error), error);
        Assert.Null(r.For(_ca, _ca));
    }

    [Fact]
    public void RevokedAnswer_CarriesItsReason()
    {
        OcspResponse r = OcspResponse.Parse(TestOcspResponder.Answer(_leaf, _ca, _caKey, 1, s_now.AddHours(-1), s_now.AddDays(1), reason: 6));
        OcspSingleResponse single = r.For(_leaf, _ca)!;
        Assert.Equal(OcspCertStatus.Revoked, single.Status);
        Assert.Equal("certificateHold", single.RevocationReason);
    }

    [Fact]
    public void AnswerSignedByAnotherKey_IsNotSignedByTheIssuer()
    {
        using ECDsa other = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        OcspResponse r = OcspResponse.Parse(TestOcspResponder.Answer(_leaf, _ca, other, 0, s_now));
        Assert.False(r.IsSignedBy(_ca, s_now, out string? error));
        Assert.Contains("signed neither by 'Test OCSP CA' nor by a responder it delegated", error);
    }

    [Fact]
    public void DelegatedResponder_NeedsTheOcspSigningUsage()
    {
        using ECDsa responderKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        X509Certificate2 Responder(bool eku)
        {
            var req = new CertificateRequest("CN=Test OCSP responder", responderKey, HashAlgorithmName.SHA384);
            if (eku) req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.9")], false));
            return req.Create(_ca, s_now.AddDays(-1), s_now.AddDays(30), [0x33, (byte)(eku ? 1 : 2)]);
        }
        using X509Certificate2 withEku = Responder(true), withoutEku = Responder(false);
        Assert.True(OcspResponse.Parse(TestOcspResponder.Answer(_leaf, _ca, responderKey, 0, s_now, responderCertificate: withEku)).IsSignedBy(_ca, s_now, out _));
        Assert.False(OcspResponse.Parse(TestOcspResponder.Answer(_leaf, _ca, responderKey, 0, s_now, responderCertificate: withoutEku)).IsSignedBy(_ca, s_now, out string? error));
        Assert.Contains("lacks the OCSP signing usage", error);
    }

    [Fact]
    public void EveryTruncationAndEveryBitFlip_IsRefusedWithoutAnException_OrNoLongerSigned()
    {
        byte[] good = TestOcspResponder.Answer(_leaf, _ca, _caKey, 0, s_now.AddHours(-1), s_now.AddDays(1));
        for (int n = 0; n < good.Length; n++)
            Assert.False(OcspResponse.TryParse(good.AsSpan(0, n), out _), $"truncated to {n} bytes");
        for (int i = 0; i < good.Length; i++)
        {
            byte[] bad = (byte[])good.Clone();
            bad[i] ^= (byte)(1 << (i % 8));
            bool accepted = OcspResponse.TryParse(bad, out OcspResponse? r) && r.IsSignedBy(_ca, s_now, out _) && r.For(_leaf, _ca) is not null;
            Assert.False(accepted, $"bit {i % 8} of byte {i} flipped");
        }
    }

    [Fact]
    public void TryLater_IsNotAnAnswer()
    {
        var e = Assert.Throws<AttestationException>(() => OcspResponse.Parse(TestOcspResponder.TryLater()));
        Assert.Contains("answered tryLater", e.Message);
        Assert.False(OcspResponse.TryParse([0x30, 0x03, 0x02, 0x01], out _));
    }

    [Fact]
    public void GpuVerifier_RevocationCheck_GoodRevokedUnknownAndNone()
    {
        GpuAttestationReport report = NvidiaVectors.Report("hopperAttestationReport.txt");
        using var pki = new TestGpuPki(report.OpaqueData.Fwid);
        byte[] nonce = RandomNumberGenerator.GetBytes(32);
        var evidence = new NvidiaGpuEvidence { Report = pki.Resign(report, nonce), CertificateChainPem = pki.ChainPem };
        ECDsa rootKey = pki.RootKey;
        Appraisal Run(params byte[][] answers) => new NvidiaGpuEvidenceVerifier(new NvidiaGpuVerifierOptions
        {
            Root = pki.Root, ExpectedNonce = nonce, OcspResponses = [.. answers.Select(a => OcspResponse.Parse(a, "ocsp.der"))],
        }).Verify(evidence, new VerificationContext());
        AppraisalCheck Revocation(Appraisal a) => a.Checks.Single(c => c.Name == NvidiaGpuEvidenceVerifier.RevocationCheck);

        Assert.Equal(CheckStatus.Skip, Revocation(Run()).Status);
        Appraisal good = Run(TestOcspResponder.Answer(pki.Leaf, pki.Root, rootKey, 0, s_now.AddMinutes(-5), s_now.AddDays(1)));
        Assert.Equal(CheckStatus.Pass, Revocation(good).Status);
        Assert.True(good.EvidenceValid, good.Message);

        Appraisal held = Run(TestOcspResponder.Answer(pki.Leaf, pki.Root, rootKey, 1, s_now.AddMinutes(-5), s_now.AddDays(1), reason: 6));
        Assert.False(held.EvidenceValid);
        Assert.Equal("CertificateRevoked", held.VerdictReason);
        Assert.StartsWith($"certificate 'Test GH100 GSP FMC LF' (serial {pki.Leaf.SerialNumber}) is revoked (certificateHold) since ", Revocation(held).Reason);
        Assert.EndsWith("per the OCSP answer (ocsp.der)", Revocation(held).Reason);

        Assert.Equal("OcspUnknown", Run(TestOcspResponder.Answer(pki.Leaf, pki.Root, rootKey, 2, s_now.AddMinutes(-5))).VerdictReason);
        Assert.Equal("OcspStale", Run(TestOcspResponder.Answer(pki.Leaf, pki.Root, rootKey, 0, s_now.AddDays(-3), s_now.AddDays(-2))).VerdictReason);
    }

    [Fact]
    public void GpuVerifier_RimSigningChain_IsCheckedAgainstTheOcspAnswersGiven()
    {
        // The 535 report's VBIOS RIM (a real NVIDIA RIM, valid in May 2025), a test device chain with good answers.
        DateTimeOffset at = new(2025, 5, 1, 12, 0, 0, TimeSpan.Zero);
        GpuAttestationReport report = NvidiaVectors.Report("sdk-hopper-535-report.txt");
        using var pki = new TestGpuPki(report.OpaqueData.Fwid, at);
        byte[] nonce = RandomNumberGenerator.GetBytes(32);
        var evidence = new NvidiaGpuEvidence { Report = pki.Resign(report, nonce), CertificateChainPem = pki.ChainPem };
        NvidiaRim rim = NvidiaRim.Load(NvidiaVectors.Path("rim-vbios-1010_0200_882_96005E0001-mismatch.xml"));
        byte[] device = TestOcspResponder.Answer(pki.Leaf, pki.Root, pki.RootKey, 0, at.AddMinutes(-5), at.AddDays(1));
        using ECDsa forger = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        byte[] forged = TestOcspResponder.Answer(rim.SigningChain[0], rim.SigningChain[1], forger, 0, at.AddMinutes(-5), at.AddDays(1));
        AppraisalCheck VbiosRim(params byte[][] answers) => new NvidiaGpuEvidenceVerifier(new NvidiaGpuVerifierOptions
        {
            Root = pki.Root, ExpectedNonce = nonce, Rims = [rim], RimDirectory = "rims",
            OcspResponses = [.. answers.Select(a => OcspResponse.Parse(a, "ocsp.der"))],
        }).Verify(evidence, new VerificationContext { Time = at }).Checks.Single(c => c.Name == "vbios rim");

        // Without answers the RIM is appraised as before (the device revocation SKIP stands for both chains).
        Assert.StartsWith("measurements differ from RIM", VbiosRim().Reason);
        AppraisalCheck forgedRim = VbiosRim(device, forged);
        Assert.Equal(CheckStatus.Fail, forgedRim.Status);
        Assert.Equal("OcspInvalid", forgedRim.ReasonCode);
        Assert.StartsWith($"RIM {rim.Name} {rim.Version} signing chain: OCSP answer for 'HCC RIM L4 Signer' (ocsp.der): the OCSP answer is signed neither by 'NVIDIA Reference Value L3 GH100 002'", forgedRim.Reason);
        AppraisalCheck missing = VbiosRim(device);
        Assert.Equal("OcspMissing", missing.ReasonCode);
        Assert.Contains("no OCSP answer for 'HCC RIM L4 Signer'", missing.Reason);
    }
}
