using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Platforms.Snp;

namespace TeeWasm.Attestation.Tests.Platforms.Snp;

public class SnpSignatureTests
{
    [Fact]
    public void MilanVectorVerifiesWithItsVcek()
    {
        using ECDsa key = SnpVectors.MilanVcek.GetECDsaPublicKey()!;
        Assert.True(SnpSignature.Verify(SnpVectors.MilanReport, key));
    }

    [Fact]
    public void AzureVectorVerifiesWithItsVcek()
    {
        using var vcek = X509CertificateLoader.LoadCertificateFromFile(TeeWasm.Tests.Shared.RepoPaths.Vector("azure", "constellation-azure-vcek.der"));
        using ECDsa key = vcek.GetECDsaPublicKey()!;
        Assert.True(SnpSignature.Verify(SnpVectors.AzureReportWithIgvmHeader[..SnpReport.Size], key));
    }

    [Theory]
    [InlineData(0x000, 0)]
    [InlineData(0x050, 3)]
    [InlineData(0x180, 7)]
    [InlineData(0x29F, 1)]
    public void FlippedSignedBitFails(int offset, int bit)
    {
        byte[] data = SnpVectors.MilanReport;
        data[offset] ^= (byte)(1 << bit);
        using ECDsa key = SnpVectors.MilanVcek.GetECDsaPublicKey()!;
        Assert.False(SnpSignature.Verify(data, key));
    }

    [Fact]
    public void ConstellationBadSignatureDoesNotVerify()
    {
        using ECDsa key = SnpVectors.ConstellationVlek.GetECDsaPublicKey()!;
        Assert.False(SnpSignature.Verify(SnpVectors.BadSigVlekReport, key));
    }

    [Fact]
    public void SignProducesAmdLayoutThatVerifies()
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        byte[] report = new SnpReport { Measurement = RandomNumberGenerator.GetBytes(48) }.ToArray();
        byte[] area = SnpSignature.Sign(report.AsSpan(0, SnpReport.SignedLength), key);
        Assert.Equal(0x90, area.Length);
        Assert.All(area[48..72], b => Assert.Equal(0, b));
        Assert.All(area[120..144], b => Assert.Equal(0, b));
        area.CopyTo(report, SnpReport.SignatureOffset);
        Assert.True(SnpSignature.Verify(report, key));
        SnpReport parsed = SnpReport.Parse(report);
        Assert.Equal(area[..72], parsed.SignatureR);
        Assert.Equal(area[72..], parsed.SignatureS);

        report[SnpReport.SignatureOffset + 60] = 1; // non-zero padding in R
        Assert.False(SnpSignature.Verify(report, key));
    }

    [Fact]
    public void ShortReportDoesNotVerify()
    {
        using ECDsa key = SnpVectors.MilanVcek.GetECDsaPublicKey()!;
        Assert.False(SnpSignature.Verify(SnpVectors.MilanReport[..0x2A0], key));
    }
}
