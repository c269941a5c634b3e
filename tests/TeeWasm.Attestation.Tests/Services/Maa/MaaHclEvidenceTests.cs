using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Services;
using TeeWasm.Attestation.Services.Maa;
using TeeWasm.Attestation.Tests.Platforms.AzureVtpm;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Services.Maa;

/// <summary>Azure CVM HCL reports turned into Azure Attestation (MAA) evidence.</summary>
public sealed class MaaHclEvidenceTests
{
    [Theory]
    [InlineData("cvmtools-tdx-hcl-report.bin")]
    [InlineData("constellation-azure-tdx-hcl-report.bin")]
    public void TdxHclReportIsNotSevSnpVmEvidence(string file)
    {
        var hcl = HclReport.Parse(File.ReadAllBytes(RepoPaths.Vector("azure", file)));
        Assert.True(HclBinding.IsBound(hcl));
        // A TDREPORT is MAC'd, not signed: MAA needs a TD quote instead.
        Assert.Contains("TDREPORT", Assert.Throws<AttestationException>(() => ServiceEvidence.FromHclReport(hcl, [], [])).Message);
    }

    [Fact]
    public void UnboundClaimsAreRefused()
    {
        byte[] report = File.ReadAllBytes(RepoPaths.Vector("azure", "constellation-azure-snp-report+igvm-header.bin"))[..1184];
        byte[] claims = File.ReadAllBytes(RepoPaths.Vector("azure", "constellation-azure-snp-runtimedata.json"));
        claims[10] ^= 1;
        var hcl = HclReport.Parse(HclReport.Build(HclReportType.Snp, report, claims));
        Assert.Contains("not bound", Assert.Throws<AttestationException>(() => ServiceEvidence.FromHclReport(hcl, [], [])).Message);
    }

    [Fact]
    public void AzureVtpmEvidenceJsonSendsTheHclClaimsAsRuntimeData()
    {
        byte[] report = File.ReadAllBytes(RepoPaths.Vector("azure", "constellation-azure-snp-report+igvm-header.bin"))[..1184];
        byte[] claims = File.ReadAllBytes(RepoPaths.Vector("azure", "constellation-azure-snp-runtimedata.json"));
        byte[] hcl = HclReport.Build(HclReportType.Snp, report, claims);
        string json = new System.Text.Json.Nodes.JsonObject
        {
            ["tee_type"] = "AMD SEV-SNP",
            ["source"] = "azure-vtpm",
            ["report"] = Convert.ToBase64String(hcl),
            ["certificates"] = new System.Text.Json.Nodes.JsonArray(),
            ["binding"] = System.Text.Json.Nodes.JsonNode.Parse(EvidenceDocument.BindingJson(VmBinding.TeeWasm(new byte[32], [0x04], [0x0a, 0x0b]))),
        }.ToJsonString();
        var evidence = ServiceEvidence.From(AttestationPlatforms.ReadEvidence(json));
        Assert.Equal(claims, evidence.RuntimeData);
        Assert.Equal(report, evidence.Report);
        Assert.Equal(new byte[] { 0x0a, 0x0b }, evidence.Nonce);
    }

    /// <summary>The Azure SNP CVM report + its runtime claims, assembled into an HCL report, go to MAA's SevSnpVm.</summary>
    [Fact]
    public void AzureSnpEvidenceGoesToSevSnpVmWithTheClaimsAsRuntimeData()
    {
        byte[] report = File.ReadAllBytes(RepoPaths.Vector("azure", "constellation-azure-snp-report+igvm-header.bin"))[..1184];
        byte[] claims = File.ReadAllBytes(RepoPaths.Vector("azure", "constellation-azure-snp-runtimedata.json"));
        var hcl = HclReport.Parse(HclReport.Build(HclReportType.Snp, report, claims));
        string vcek = File.ReadAllText(RepoPaths.Vector("azure", "constellation-azure-vcek.pem"));
        var evidence = ServiceEvidence.FromHclReport(hcl, [vcek], "n"u8);

        using var maa = new FakeMaa();
        using var client = new MaaClient(new MaaOptions { Endpoint = maa.Uri, KeyRefreshInterval = TimeSpan.Zero });
        client.Attest(evidence);
        var sent = maa.LastRequest;
        Assert.Equal(claims, Base64UrlEncoder.DecodeBytes(sent.GetProperty("runtimeData").GetProperty("data").GetString()!));
        var snp = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(sent.GetProperty("report").GetString()!)).RootElement;
        Assert.Equal(report, Base64UrlEncoder.DecodeBytes(snp.GetProperty("SnpReport").GetString()!));
    }

    /// <summary>An Azure TDX CVM's HCL report with the TD quote made from its TDREPORT goes to MAA's TdxVm.</summary>
    [Fact]
    public void AzureTdxEvidenceGoesToTdxVm_WithTheQuote_AndTheClaimsAsRuntimeData()
    {
        using var factory = new TdQuoteFactory(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var hcl = HclReport.Parse(File.ReadAllBytes(RepoPaths.Vector("azure", "cvmtools-tdx-hcl-report.bin")));
        byte[] quote = factory.QuoteFor(hcl.HardwareReport.Span[..1024]);
        var evidence = ServiceEvidence.FromTdxHclReport(hcl, quote, "n"u8);
        Assert.Equal("TDX", evidence.TeeType);

        using var maa = new FakeMaa();
        using var client = new MaaClient(new MaaOptions { Endpoint = maa.Uri, KeyRefreshInterval = TimeSpan.Zero });
        string token = client.Attest(evidence);
        var sent = maa.LastRequest;
        Assert.Equal(quote, Base64UrlEncoder.DecodeBytes(sent.GetProperty("quote").GetString()!));
        Assert.Equal(hcl.RuntimeClaimsBytes.ToArray(), Base64UrlEncoder.DecodeBytes(sent.GetProperty("runtimeData").GetProperty("data").GetString()!));
        Assert.Equal("JSON", sent.GetProperty("runtimeData").GetProperty("dataType").GetString());
        Assert.False(sent.TryGetProperty("report", out _));
        // What MAA checks: SHA-256(runtime data) = the quote's report_data[0..32].
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(hcl.RuntimeClaimsBytes.Span),
            TdxQuote.Parse(quote).Body.ReportData.Span[..32].ToArray());
        Assert.Equal("tdxvm", new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).GetPayloadValue<string>("x-ms-attestation-type"));
    }

    [Theory]
    [InlineData("cvmtools-azure-td-quote-v4.dat")]
    [InlineData("cvmtools-azure-td-quote-v5.dat")]
    public void RealTdQuoteForAnotherTdReport_IsNotTdxVmEvidence(string quoteFile)
    {
        var hcl = HclReport.Parse(File.ReadAllBytes(RepoPaths.Vector("azure", "cvmtools-tdx-hcl-report.bin")));
        byte[] quote = File.ReadAllBytes(RepoPaths.Vector("tdx", quoteFile));
        var e = Assert.Throws<AttestationException>(() => ServiceEvidence.FromTdxHclReport(hcl, quote, []));
        Assert.Contains("report_data differs", e.Message);

        byte[] snp = File.ReadAllBytes(RepoPaths.Vector("azure", "constellation-azure-snp-report+igvm-header.bin"))[..1184];
        byte[] claims = File.ReadAllBytes(RepoPaths.Vector("azure", "constellation-azure-snp-runtimedata.json"));
        var snpHcl = HclReport.Parse(HclReport.Build(HclReportType.Snp, snp, claims));
        Assert.Contains("not a TDREPORT", Assert.Throws<AttestationException>(() => ServiceEvidence.FromTdxHclReport(snpHcl, quote, [])).Message);
    }

    [Fact]
    public void AzureVtpmEvidenceJsonWithATdQuote_IsTdxVmEvidence()
    {
        using var factory = new TdQuoteFactory(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        byte[] hclBytes = File.ReadAllBytes(RepoPaths.Vector("azure", "constellation-azure-tdx-hcl-report.bin"));
        var hcl = HclReport.Parse(hclBytes);
        byte[] quote = factory.QuoteFor(hcl.HardwareReport.Span[..1024]);
        string json = new System.Text.Json.Nodes.JsonObject
        {
            ["tee_type"] = "Intel TDX",
            ["source"] = "azure-vtpm",
            ["report"] = Convert.ToBase64String(hclBytes),
            ["td_quote"] = Convert.ToBase64String(quote),
            ["certificates"] = new System.Text.Json.Nodes.JsonArray(),
            ["binding"] = System.Text.Json.Nodes.JsonNode.Parse(EvidenceDocument.BindingJson(VmBinding.TeeWasm(new byte[32], [0x04], [0x0c]))),
        }.ToJsonString();
        var evidence = ServiceEvidence.From(AttestationPlatforms.ReadEvidence(json));
        Assert.Equal("TDX", evidence.TeeType);
        Assert.Equal(quote, evidence.Report);
        Assert.Equal(hcl.RuntimeClaimsBytes.ToArray(), evidence.RuntimeData);
        Assert.Equal(new byte[] { 0x0c }, evidence.Nonce);
    }
}
