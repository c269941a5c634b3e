using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Tests.X509;

/// <summary>The shared chain validation (Intel and NVIDIA chains go through it) on a small ECDSA chain made here.</summary>
public sealed class CertificateChainTests : IDisposable
{
    private static readonly DateTimeOffset s_now = new(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly ECDsa _rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _root;
    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2 _leaf;

    public CertificateChainTests()
    {
        _root = SelfSigned("Test Root", _rootKey);
        _ca = Issue("Test CA", _caKey, _root, _rootKey, ca: true);
        _leaf = Issue("Test Leaf", _leafKey, _ca, _caKey, ca: false);
    }

    public void Dispose()
    {
        foreach (IDisposable d in new IDisposable[] { _root, _ca, _leaf, _rootKey, _caKey, _leafKey }) d.Dispose();
    }

    [Fact]
    public void ChainToTheRoot_Validates_AndTheRootIsAppendedWhenOmitted()
    {
        List<X509Certificate2> chain = [_leaf, _ca];
        Assert.True(CertificateChain.Validate(chain, _root, s_now).IsValid);
        Assert.Same(_root, chain[^1]);

        List<X509Certificate2> full = [_leaf, _ca, _root];
        Assert.True(CertificateChain.Validate(full, _root, s_now).IsValid);
        Assert.Equal(3, full.Count);
    }

    [Fact]
    public void ChainToAnotherRoot_IsNotAtRoot()
    {
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = SelfSigned("Other Root", otherKey);
        ChainValidation outcome = CertificateChain.Validate([_leaf, _ca], other, s_now);
        Assert.Equal(ChainFault.NotAtRoot, outcome.Fault);
        Assert.Same(_ca, outcome.Certificate);
    }

    [Fact]
    public void MissingIntermediate_IsBroken()
    {
        using var otherCa = Issue("Other CA", _caKey, _root, _rootKey, ca: true);
        ChainValidation outcome = CertificateChain.Validate([_leaf, otherCa], _root, s_now);
        Assert.Equal(ChainFault.Broken, outcome.Fault);
        Assert.Same(_leaf, outcome.Certificate);
    }

    [Fact]
    public void IssuerWithoutCaConstraints_IsRejected()
    {
        using var notCa = Issue("Test CA", _caKey, _root, _rootKey, ca: false);
        ChainValidation outcome = CertificateChain.Validate([_leaf, notCa], _root, s_now);
        Assert.Equal(ChainFault.IssuerNotCa, outcome.Fault);
        Assert.Same(notCa, outcome.Issuer);
    }

    [Fact]
    public void LeafSignedByAnotherKey_HasABadSignature()
    {
        using var forgerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var forged = Issue("Test Leaf", _leafKey, _ca, forgerKey, ca: false);
        ChainValidation outcome = CertificateChain.Validate([forged, _ca], _root, s_now);
        Assert.Equal(ChainFault.BadSignature, outcome.Fault);
        Assert.Same(forged, outcome.Certificate);
    }

    [Fact]
    public void CertificateOutsideItsWindow_IsReportedAfterTheSignatures()
    {
        DateTimeOffset later = s_now.AddYears(5);
        ChainValidation outcome = CertificateChain.Validate([_leaf, _ca], _root, later);
        Assert.Equal(ChainFault.OutsideValidity, outcome.Fault);
        Assert.StartsWith("'Test Leaf' is expired (valid ", CertificateChain.DescribeValidity(outcome.Certificate!, later));
        Assert.Contains("not yet valid", CertificateChain.DescribeValidity(_leaf, s_now.AddYears(-5)));
    }

    [Fact]
    public void CaAsLeaf_IsRejectedOnlyWhenAsked()
    {
        Assert.True(CertificateChain.Validate([_ca], _root, s_now).IsValid);
        Assert.Equal(ChainFault.LeafIsCa, CertificateChain.Validate([_ca], _root, s_now, leafMustNotBeCa: true).Fault);
    }

    private static X509Certificate2 SelfSigned(string name, ECDsa key)
    {
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        return request.CreateSelfSigned(s_now.AddYears(-1), s_now.AddYears(2));
    }

    private static X509Certificate2 Issue(string name, ECDsa key, X509Certificate2 issuer, ECDsa issuerKey, bool ca)
    {
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        if (ca) request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var generator = X509SignatureGenerator.CreateForECDsa(issuerKey);
        byte[] serial = RandomNumberGenerator.GetBytes(8);
        serial[0] &= 0x7f;
        using X509Certificate2 cert = request.Create(issuer.SubjectName, generator, s_now.AddMonths(-6), s_now.AddYears(1), serial);
        return X509CertificateLoader.LoadCertificate(cert.RawData);
    }
}
