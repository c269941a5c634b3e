using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using TeeWasm.Attestation.AzureVtpm;
using TeeWasm.Attestation.Services;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Services;

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
            ["binding"] = new System.Text.Json.Nodes.JsonObject { ["nonce"] = "0a0b" },
        }.ToJsonString();
        var evidence = ServiceEvidence.FromEvidenceJson(json);
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
}
