using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.X509;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Platforms.Snp;

public class SnpVerifierTests
{
    private static readonly DateTimeOffset s_now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly SnpVerifier _verifier = new();

    private static SnpVerificationOptions With(DateTimeOffset? time, params X509Certificate2[] certs) =>
        new() { Certificates = certs, VerificationTime = time };

    [Fact]
    public void MilanVcekWithEmbeddedChainIsValid()
    {
        SnpVerificationResult r = _verifier.Verify(SnpVectors.MilanReport, With(s_now, SnpVectors.MilanVcek));
        Assert.True(r.IsValid, r.ToString());
        Assert.Equal(SnpFailureReason.None, r.Reason);
        Assert.Equal(SnpProduct.Milan, r.Product);
        Assert.NotNull(r.Report);
        Assert.Equal(0x4405000000000002UL, r.Report.ReportedTcb.Raw);
    }

    [Fact]
    public void MilanVcekWithExplicitMilanChainIsValid()
    {
        X509Certificate2Collection chain = SnpVectors.Chain("amd-root-ask_ark_milan.pem");
        var opts = new SnpVerificationOptions { Certificates = [chain[1], SnpVectors.MilanVcek, chain[0]], TrustedRoots = [chain[1]], VerificationTime = s_now };
        SnpVerificationResult r = _verifier.Verify(SnpVectors.MilanReport, opts);
        Assert.True(r.IsValid, r.ToString());
        Assert.Equal(SnpProduct.Milan, r.Product);
    }

    [Theory]
    [InlineData("amd-root-ask_ark_genoa.pem")]
    [InlineData("amd-root-ask_ark_turin_vcek.pem")]
    public void MilanVcekWithOtherProductsChainIsRejected(string chainFile)
    {
        X509Certificate2Collection chain = SnpVectors.Chain(chainFile);
        var opts = new SnpVerificationOptions { Certificates = [SnpVectors.MilanVcek, .. chain], VerificationTime = s_now };
        SnpVerificationResult r = _verifier.Verify(SnpVectors.MilanReport, opts);
        Assert.False(r.IsValid);
        Assert.Equal(SnpFailureReason.ChainInvalid, r.Reason);
    }

    [Fact]
    public void MilanVcekAgainstGenoaAndTurinRootsOnlyIsWrongRoot()
    {
        X509Certificate2 genoaArk = SnpVectors.Chain("amd-root-ask_ark_genoa.pem")[1];
        X509Certificate2 turinArk = SnpVectors.Chain("amd-root-ask_ark_turin_vcek.pem")[1];
        X509Certificate2Collection milan = SnpVectors.Chain("amd-root-ask_ark_milan.pem");
        var opts = new SnpVerificationOptions { Certificates = [SnpVectors.MilanVcek, .. milan], TrustedRoots = [genoaArk, turinArk], VerificationTime = s_now };
        SnpVerificationResult r = _verifier.Verify(SnpVectors.MilanReport, opts);
        Assert.Equal(SnpFailureReason.WrongRoot, r.Reason);
        Assert.Contains("ARK-Milan", r.Message);
    }

    [Theory]
    [InlineData(0x000, 0)] // version 2 -> 3: still parses, signature breaks
    [InlineData(0x008, 0)]
    [InlineData(0x050, 0)]
    [InlineData(0x090, 5)]
    [InlineData(0x180, 0)]
    [InlineData(0x1A0, 7)]
    [InlineData(0x1F7, 7)]
    public void FlippedSignedBitIsSignatureInvalid(int offset, int bit)
    {
        byte[] data = SnpVectors.MilanReport;
        data[offset] ^= (byte)(1 << bit);
        SnpVerificationResult r = _verifier.Verify(data, With(s_now, SnpVectors.MilanVcek));
        Assert.False(r.IsValid);
        Assert.Equal(SnpFailureReason.SignatureInvalid, r.Reason);
    }

    [Theory]
    [InlineData(0x04C)]
    [InlineData(0x1F8)]
    [InlineData(0x29F)]
    public void FlippedReservedBitIsMalformed(int offset)
    {
        byte[] data = SnpVectors.MilanReport;
        data[offset] ^= 1;
        SnpVerificationResult r = _verifier.Verify(data, With(s_now, SnpVectors.MilanVcek));
        Assert.Equal(SnpFailureReason.Malformed, r.Reason);
        Assert.Contains("reserved", r.Message);
    }

    [Fact]
    public void EveryFlippedByteInSignedPortionIsRejected()
    {
        byte[] original = SnpVectors.MilanReport;
        for (int i = 0; i < SnpReport.SignedLength; i += 7)
        {
            byte[] data = (byte[])original.Clone();
            data[i] ^= 0x80;
            Assert.False(_verifier.Verify(data, With(s_now, SnpVectors.MilanVcek)).IsValid, $"offset 0x{i:X}");
        }
    }

    [Fact]
    public void AwsVlekIsValidWithinItsValidity()
    {
        var opts = new SnpVerificationOptions
        {
            Certificates = [SnpVectors.AwsVlek, .. SnpVectors.Chain("amd-root-ask_ark_milan_vlek.pem")],
            VerificationTime = new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero),
        };
        SnpVerificationResult r = _verifier.Verify(SnpVectors.AwsVlekReport, opts);
        Assert.True(r.IsValid, r.ToString());
        Assert.Equal(SnpProduct.Milan, r.Product);
        AmdCertificateExtensions ext = AmdCertificateExtensions.FromCertificate(SnpVectors.AwsVlek);
        Assert.Equal("CN=cc-eu-west-1.amazonaws.com", ext.CspId);
        Assert.True(ext.IsVlek);
        Assert.Null(ext.HardwareId);
    }

    [Fact]
    public void AwsVlekWithEmbeddedAsvkIsValid()
    {
        SnpVerificationResult r = _verifier.Verify(SnpVectors.AwsVlekReport, With(new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero), SnpVectors.AwsVlek));
        Assert.True(r.IsValid, r.ToString());
    }

    [Fact]
    public void AwsVlekIsRejectedAfterItsExpiry()
    {
        var opts = new SnpVerificationOptions { Certificates = [SnpVectors.AwsVlek, .. SnpVectors.Chain("amd-root-ask_ark_milan_vlek.pem")], VerificationTime = s_now };
        SnpVerificationResult r = _verifier.Verify(SnpVectors.AwsVlekReport, opts);
        Assert.Equal(SnpFailureReason.CertificateExpired, r.Reason);
        Assert.Equal("VLEK expired on 2025-12-10", r.Message);
    }

    [Fact]
    public void AwsVlekWithVcekChainIsRejected()
    {
        var opts = new SnpVerificationOptions
        {
            Certificates = [SnpVectors.AwsVlek, .. SnpVectors.Chain("amd-root-ask_ark_milan.pem")],
            VerificationTime = new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero),
        };
        SnpVerificationResult r = _verifier.Verify(SnpVectors.AwsVlekReport, opts);
        Assert.Equal(SnpFailureReason.ChainInvalid, r.Reason);
        Assert.Contains("ASVK", r.Message);
    }

    [Fact]
    public void VlekReportWithVcekCertificateIsSigningKeyMismatch()
    {
        SnpVerificationResult r = _verifier.Verify(SnpVectors.AwsVlekReport, With(new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero), SnpVectors.MilanVcek));
        Assert.Equal(SnpFailureReason.SigningKeyMismatch, r.Reason);
    }

    [Fact]
    public void ConstellationVlekReportHasBadSignature()
    {
        var opts = new SnpVerificationOptions
        {
            Certificates = [SnpVectors.ConstellationVlek, .. SnpVectors.Chain("amd-root-ask_ark_milan_vlek.pem")],
            VerificationTime = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero),
        };
        SnpVerificationResult r = _verifier.Verify(SnpVectors.BadSigVlekReport, opts);
        Assert.Equal(SnpFailureReason.SignatureInvalid, r.Reason);
        Assert.Equal(SnpProduct.Milan, r.Product); // the chain itself was fine
    }

    [Fact]
    public void ConstellationVlekIsRejectedAfterItsExpiry()
    {
        var opts = new SnpVerificationOptions { Certificates = [SnpVectors.ConstellationVlek], VerificationTime = s_now };
        SnpVerificationResult r = _verifier.Verify(SnpVectors.BadSigVlekReport, opts);
        Assert.Equal(SnpFailureReason.CertificateExpired, r.Reason);
        Assert.Equal("VLEK expired on 2024-07-19", r.Message);
    }

    [Theory]
    [InlineData("constellation-azure-vcek.der")]
    [InlineData("constellation-azure-vcek.pem")]
    public void AzureReportIsValid(string vcekFile)
    {
        IReadOnlyList<X509Certificate2> vcek = CertificateLoader.LoadFile(RepoPaths.Vector("azure", vcekFile));
        var opts = new SnpVerificationOptions
        {
            Certificates = [.. vcek, .. SnpVectors.Chain("amd-root-ask_ark_milan.pem")],
            VerificationTime = s_now,
        };
        byte[] data = SnpVectors.AzureReportWithIgvmHeader;
        SnpVerificationResult r = _verifier.Verify(data.AsSpan(0, SnpReport.Size), opts);
        Assert.True(r.IsValid, r.ToString());
        // The whole 1204-byte buffer too: the trailing IGVM header is not part of the report.
        Assert.True(_verifier.Verify(data, opts).IsValid);
    }

    [Fact]
    public void ExpectedReportDataIsChecked()
    {
        var ok = new SnpVerificationOptions { Certificates = [SnpVectors.MilanVcek], ExpectedReportData = [1, 2, 3, 4, 5], VerificationTime = s_now };
        Assert.True(_verifier.Verify(SnpVectors.MilanReport, ok).IsValid);
        var bad = new SnpVerificationOptions { Certificates = [SnpVectors.MilanVcek], ExpectedReportData = [1, 2, 3, 4, 6], VerificationTime = s_now };
        Assert.Equal(SnpFailureReason.ReportDataMismatch, _verifier.Verify(SnpVectors.MilanReport, bad).Reason);
    }

    [Fact]
    public void ChipIdMismatchAgainstAnotherVcek()
    {
        // The Azure VCEK chains to Milan, but its hwID is another chip's; re-sign is impossible, so expect the
        // signature to fail first — chip-ID mismatch is exercised with the test PKI below.
        using var pki = new TestSnpPki(SnpTcb.Create(2, 0, 5, 0x44), new byte[64]);
        byte[] report = pki.Sign(new SnpReport { ReportedTcb = SnpTcb.Create(2, 0, 5, 0x44), ChipId = Enumerable.Repeat((byte)9, 64).ToArray() });
        Assert.Equal(SnpFailureReason.ChipIdMismatch, _verifier.Verify(report, pki.Options()).Reason);
        var noChip = new SnpVerificationOptions { Certificates = [pki.Vcek, pki.Ask], TrustedRoots = [pki.Ark], RequireChipIdMatch = false };
        Assert.True(_verifier.Verify(report, noChip).IsValid);
    }

    [Fact]
    public void TestPkiReportIsValidAndTcbMismatchIsDetected()
    {
        byte[] chip = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();
        using var pki = new TestSnpPki(SnpTcb.Create(3, 0, 8, 0x73), chip);
        byte[] good = pki.Sign(new SnpReport { ReportedTcb = SnpTcb.Create(3, 0, 8, 0x73), ChipId = chip });
        SnpVerificationResult ok = _verifier.Verify(good, pki.Options());
        Assert.True(ok.IsValid, ok.ToString());
        Assert.Equal(SnpProduct.Unknown, ok.Product);

        byte[] older = pki.Sign(new SnpReport { ReportedTcb = SnpTcb.Create(3, 0, 7, 0x73), ChipId = chip });
        SnpVerificationResult r = _verifier.Verify(older, pki.Options());
        Assert.Equal(SnpFailureReason.TcbMismatch, r.Reason);
        Assert.Contains("snpSPL 8 != 7", r.Message);

        // The test root is not trusted by default.
        var defaults = new SnpVerificationOptions { Certificates = [pki.Vcek, pki.Ask] };
        Assert.Equal(SnpFailureReason.WrongRoot, _verifier.Verify(good, defaults).Reason);
    }

    [Fact]
    public void NoCertificateIsCertificateMissing()
    {
        SnpVerificationResult r = _verifier.Verify(SnpVectors.MilanReport, new SnpVerificationOptions());
        Assert.Equal(SnpFailureReason.CertificateMissing, r.Reason);
    }

    [Fact]
    public void TruncatedReportIsMalformedWithoutException()
    {
        SnpVerificationResult r = _verifier.Verify(SnpVectors.MilanReport.AsSpan(0, 100), With(s_now, SnpVectors.MilanVcek));
        Assert.Equal(SnpFailureReason.Malformed, r.Reason);
        Assert.Contains("100 bytes", r.Message);
        Assert.Null(r.Report);
        Assert.Equal(SnpFailureReason.Malformed, _verifier.Verify(ReadOnlySpan<byte>.Empty, With(s_now, SnpVectors.MilanVcek)).Reason);
    }

    [Fact]
    public void UnsupportedVersionIsReported()
    {
        byte[] data = SnpVectors.MilanReport;
        data[0] = 9;
        Assert.Equal(SnpFailureReason.UnsupportedVersion, _verifier.Verify(data, With(s_now, SnpVectors.MilanVcek)).Reason);
    }

    [Fact]
    public void VcekExtensionsOfRealCertificate()
    {
        AmdCertificateExtensions ext = AmdCertificateExtensions.FromCertificate(SnpVectors.MilanVcek);
        Assert.Equal((2, 0, 5, 68), (ext.BootloaderSpl, ext.TeeSpl, ext.SnpSpl, ext.MicrocodeSpl));
        Assert.Equal("Milan-B0", ext.ProductName);
        Assert.False(ext.IsVlek);
        Assert.Equal(SnpReport.Parse(SnpVectors.MilanReport).ChipId, ext.HardwareId);
    }

    [Fact]
    public void BuiltExtensionsReadBack()
    {
        byte[] chip = Enumerable.Range(0, 64).Select(i => (byte)(i * 3)).ToArray();
        using var pki = new TestSnpPki(SnpTcb.CreateTurin(1, 2, 3, 4, 5), chip);
        AmdCertificateExtensions ext = AmdCertificateExtensions.FromCertificate(pki.Vcek);
        Assert.Equal((1, 2, 3, 4, 5), (ext.FmcSpl, ext.BootloaderSpl, ext.TeeSpl, ext.SnpSpl, ext.MicrocodeSpl));
        Assert.Equal(chip, ext.HardwareId);
        Assert.Equal(1, ext.StructVersion);
    }

    [Fact]
    public void EmbeddedRootsCoverThreeProducts()
    {
        Assert.Equal(3, AmdRootCertificates.Arks.Count);
        Assert.Equal(6, AmdRootCertificates.Intermediates.Count);
        Assert.Equal([SnpProduct.Milan, SnpProduct.Genoa, SnpProduct.Turin], AmdRootCertificates.Arks.Select(AmdRootCertificates.ProductOf));
    }
}
