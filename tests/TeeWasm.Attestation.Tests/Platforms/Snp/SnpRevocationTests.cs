using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Verification;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Tests.Platforms.Snp;

/// <summary>
/// AMD's CRL (issued by the ARK, RSA-PSS, as KDS serves <c>/vcek/v1/{product}/crl</c>) against a test ARK → ASK → VCEK
/// hierarchy: a revoked ASK is rejected with its serial and the CRL named; a CRL not signed by the ARK, or stale, fails;
/// no CRL is a visible SKIP.
/// </summary>
public sealed class SnpRevocationTests : IDisposable
{
    private static readonly DateTimeOffset s_now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly byte[] s_chip = Enumerable.Range(1, 64).Select(i => (byte)i).ToArray();
    private readonly TestSnpPki _pki = new(SnpTcb.Create(3, 0, 8, 0x73), s_chip);
    private readonly RSA _arkKey;

    public SnpRevocationTests() => _arkKey = _pki.ArkKey;

    public void Dispose() => _pki.Dispose();

    private byte[] Report => _pki.Sign(new SnpReport { ReportedTcb = SnpTcb.Create(3, 0, 8, 0x73), ChipId = s_chip });

    private CertificateRevocationList Crl(IEnumerable<X509Certificate2> revoked, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate, RSA? key = null)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (X509Certificate2 c in revoked) builder.AddEntry(c, thisUpdate);
        X509SignatureGenerator generator = X509SignatureGenerator.CreateForRSA(key ?? _arkKey, RSASignaturePadding.Pss);
        byte[] der = builder.Build(_pki.Ark.SubjectName, generator, 1, nextUpdate, HashAlgorithmName.SHA384,
            X509AuthorityKeyIdentifierExtension.CreateFromIssuerNameAndSerialNumber(_pki.Ark.SubjectName, _pki.Ark.SerialNumberBytes.Span), thisUpdate);
        return CertificateRevocationList.Parse(der, "crl_Test.der");
    }

    private Appraisal Verify(params CertificateRevocationList[] crls) =>
        new SnpEvidenceVerifier(new SnpVerifierOptions { Certificates = [_pki.Vcek, _pki.Ask], TrustedRoots = [_pki.Ark], Crls = crls })
            .Verify(new SnpEvidence { Report = Report }, new VerificationContext { Time = s_now });

    [Fact]
    public void RevokedAsk_IsRejected_WithItsSerialAndTheCrlNamed()
    {
        Appraisal a = Verify(Crl([_pki.Ask], s_now.AddDays(-1), s_now.AddDays(30)));
        Assert.False(a.EvidenceValid);
        Assert.Equal("CertificateRevoked", a.VerdictReason);
        AppraisalCheck revocation = a.Checks.Single(c => c.Name == SnpEvidenceVerifier.RevocationCheck);
        Assert.Equal(CheckStatus.Fail, revocation.Status);
        Assert.Equal($"certificate 'SEV-Test' (serial {_pki.Ask.SerialNumber}) is revoked by AMD's CRL of ARK-Test (crl_Test.der)", revocation.Reason);
    }

    [Fact]
    public void CrlListingOthers_Passes()
    {
        using RSA other = RSA.Create(2048);
        using X509Certificate2 unrelated = new CertificateRequest("CN=SEV-Other", other, HashAlgorithmName.SHA384, RSASignaturePadding.Pss)
            .Create(_pki.Ark.SubjectName, X509SignatureGenerator.CreateForRSA(_arkKey, RSASignaturePadding.Pss), s_now.AddYears(-1), s_now.AddYears(1), [0x42]);
        Appraisal a = Verify(Crl([unrelated], s_now.AddDays(-1), s_now.AddDays(30)));
        Assert.True(a.EvidenceValid, a.Message);
        AppraisalCheck revocation = a.Checks.Single(c => c.Name == SnpEvidenceVerifier.RevocationCheck);
        Assert.Equal(CheckStatus.Pass, revocation.Status);
        Assert.StartsWith("'SEV-Test' and the VCEK are not in AMD's CRL of ARK-Test (crl_Test.der)", revocation.Reason);
    }

    [Fact]
    public void CrlNotSignedByTheArk_Fails()
    {
        using RSA forger = RSA.Create(2048);
        Appraisal a = Verify(Crl([], s_now.AddDays(-1), s_now.AddDays(30), forger));
        Assert.Equal("CrlInvalid", a.VerdictReason);
        Assert.Contains("AMD CRL (crl_Test.der) is not signed by ARK-Test: RSA-PSS signature does not verify", a.Message);
    }

    [Fact]
    public void StaleCrl_Fails()
    {
        Appraisal a = Verify(Crl([], s_now.AddDays(-60), s_now.AddDays(-30)));
        Assert.Equal("CrlExpired", a.VerdictReason);
        Assert.Contains("is not current", a.Message);
    }

    [Fact]
    public void NoCrl_IsAVisibleSkip()
    {
        Appraisal a = Verify();
        AppraisalCheck revocation = a.Checks.Single(c => c.Name == SnpEvidenceVerifier.RevocationCheck);
        Assert.Equal(CheckStatus.Skip, revocation.Status);
        Assert.Equal("not checked: no AMD CRL given (--collateral DIR with the KDS CRL, or --fetch)", revocation.Reason);
    }
}
