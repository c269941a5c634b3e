using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.X509;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Platforms.AzureVtpm;

public class HclReportVectorTests
{
    private static byte[] Azure(string name) => File.ReadAllBytes(RepoPaths.Vector("azure", name));

    private static X509Certificate2 Vcek => X509CertificateLoader.LoadCertificate(Azure("constellation-azure-vcek.der"));

    /// <summary>Inside the Constellation Azure VCEK's validity (it ends 2030-08-30).</summary>
    private static readonly DateTimeOffset InsideVcek = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private static X509Certificate2[] MilanChain =>
        [.. CertificateLoader.LoadFile(RepoPaths.Vector("snp", "amd-root-ask_ark_milan.pem"))];

    [Theory]
    [InlineData("cvmtools-tdx-hcl-report.bin", 1182)]
    [InlineData("constellation-azure-tdx-hcl-report.bin", 1200)]
    public void TdxHclReports_Parse_BindingValid_ButUnverifiable(string file, int claimsLength)
    {
        var report = HclReport.Parse(Azure(file));
        Assert.Equal(2u, report.Version);
        Assert.Equal(HclReportType.Tdx, report.ReportType);
        Assert.Equal(HclHashType.Sha256, report.HashType);
        Assert.Equal(claimsLength, report.RuntimeClaimsBytes.Length);
        Assert.True(HclBinding.IsBound(report));
        Assert.True(report.ParseRuntimeClaims().HasAttestationKey);

        var result = AzureVtpmVerifier.Verify(Azure(file), new AzureVtpmVerificationOptions());
        Assert.False(result.IsValid);
        Assert.True(result.BindingValid);
        Assert.Equal(AzureVtpmFailureReason.HardwareReportUnverifiable, result.Reason);
        Assert.Contains("TDREPORT is MACed, not signed: cannot be verified alone", result.Message);
    }

    [Fact]
    public void CvmtoolsTdxReportData_IsTheDocumentedHash()
    {
        var report = HclReport.Parse(Azure("cvmtools-tdx-hcl-report.bin"));
        Assert.Equal("07bbc6d96c02eef864e542634b8aa7245d4a854313cd759e4620589817182edb",
            Convert.ToHexStringLower(report.ReportData.Span[..32]));
    }

    [Fact]
    public void TdxHclReport_ChangedClaimsByte_BindingFails()
    {
        var bytes = Azure("constellation-azure-tdx-hcl-report.bin");
        bytes[HclReport.RuntimeClaimsOffset + 10] ^= 1;
        var result = AzureVtpmVerifier.Verify(bytes, new AzureVtpmVerificationOptions());
        Assert.Equal(AzureVtpmFailureReason.BindingMismatch, result.Reason);
    }

    [Theory]
    [InlineData("tdx_prod_quote_SPR_E4.dat")]
    [InlineData("quote_v5_sample.dat")]
    [InlineData("cvmtools-azure-td-quote-v4.dat")]
    [InlineData("cvmtools-azure-td-quote-v5.dat")]
    public void TdxHclReport_PairedWithForeignTdQuote_Fails(string quoteFile)
    {
        var quote = TdxQuote.Parse(File.ReadAllBytes(RepoPaths.Vector("tdx", quoteFile)));
        foreach (var hcl in new[] { "cvmtools-tdx-hcl-report.bin", "constellation-azure-tdx-hcl-report.bin" })
        {
            var report = HclReport.Parse(Azure(hcl));
            Assert.False(HclBinding.IsBound(report.HashType, quote.Body.ReportData.Span, report.RuntimeClaimsBytes.Span));
        }
    }

    [Fact]
    public void ConstellationSnpReport_WithVcek_IsValid_AndRuntimeDataBound()
    {
        byte[] withHeader = Azure("constellation-azure-snp-report+igvm-header.bin");
        byte[] claims = Azure("constellation-azure-snp-runtimedata.json");
        byte[] hcl = HclReport.Build(HclReportType.Snp, withHeader.AsSpan(0, SnpReport.Size), claims);
        // The IGVM header the vector carries equals the one Build writes for these claims.
        Assert.Equal(withHeader.AsSpan(SnpReport.Size).ToArray(), hcl.AsSpan(HclReport.IgvmDataOffset, HclReport.IgvmHeaderSize).ToArray());

        var result = AzureVtpmVerifier.Verify(hcl, new AzureVtpmVerificationOptions { Certificates = [Vcek, .. MilanChain], VerificationTime = InsideVcek });
        Assert.True(result.IsValid, result.ToString());
        Assert.True(result.BindingValid);
        Assert.False(result.QuoteVerified);
        Assert.Equal(SnpProduct.Milan, result.Snp!.Product);
    }

    [Fact]
    public void ConstellationSnpReport_ChangedClaimsByte_BindingFails()
    {
        byte[] withHeader = Azure("constellation-azure-snp-report+igvm-header.bin");
        byte[] claims = Azure("constellation-azure-snp-runtimedata.json");
        claims[100] ^= 1;
        byte[] hcl = HclReport.Build(HclReportType.Snp, withHeader.AsSpan(0, SnpReport.Size), claims);
        var result = AzureVtpmVerifier.Verify(hcl, new AzureVtpmVerificationOptions { Certificates = [Vcek], VerificationTime = InsideVcek });
        Assert.Equal(AzureVtpmFailureReason.BindingMismatch, result.Reason);
    }

    [Fact]
    public void ConstellationSnpReport_FlippedSignedByte_HardwareInvalid()
    {
        byte[] report = Azure("constellation-azure-snp-report+igvm-header.bin")[..SnpReport.Size];
        report[SnpReport.MeasurementOffset] ^= 1;
        byte[] hcl = HclReport.Build(HclReportType.Snp, report, Azure("constellation-azure-snp-runtimedata.json"));
        var result = AzureVtpmVerifier.Verify(hcl, new AzureVtpmVerificationOptions { Certificates = [Vcek], VerificationTime = InsideVcek });
        Assert.Equal(AzureVtpmFailureReason.HardwareReportInvalid, result.Reason);
        Assert.Equal(SnpFailureReason.SignatureInvalid, result.Snp!.Reason);
    }

    [Fact]
    public void Parse_RejectsBadSignatureAndShortInput()
    {
        var bytes = Azure("cvmtools-tdx-hcl-report.bin");
        bytes[0] = (byte)'X';
        Assert.False(HclReport.TryParse(bytes, out _, out var error));
        Assert.Contains("HCLA", error);
        Assert.False(HclReport.TryParse(new byte[100], out _, out _));
        Assert.Throws<AttestationException>(() => HclReport.Parse(new byte[100]));
    }

    [Fact]
    public void Parse_RejectsVariableDataOverrun()
    {
        var bytes = Azure("cvmtools-tdx-hcl-report.bin");
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(HclReport.IgvmDataOffset + 16), 100_000);
        Assert.False(HclReport.TryParse(bytes, out _, out var error));
        Assert.Contains("overruns", error);
    }
}
