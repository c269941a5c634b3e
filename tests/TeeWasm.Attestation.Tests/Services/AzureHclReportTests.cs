using System.Buffers.Binary;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using TeeWasm.Attestation.Services;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Services;

public sealed class AzureHclReportTests
{
    [Theory]
    [InlineData("cvmtools-tdx-hcl-report.bin", 1182)]
    [InlineData("constellation-azure-tdx-hcl-report.bin", 1200)]
    public void Real_tdx_hcl_reports_parse_and_bind_their_claims(string file, int claimsLength)
    {
        var hcl = AzureHclReport.Parse(File.ReadAllBytes(RepoPaths.Vector("azure", file)));
        Assert.Equal(AzureHclReport.ReportTypeTdx, hcl.ReportType);
        Assert.Equal(claimsLength, hcl.RuntimeClaims.Length);
        Assert.True(hcl.RuntimeClaimsBound);
        Assert.Equal("HCLAkPub", JsonDocument.Parse(hcl.RuntimeClaims).RootElement.GetProperty("keys")[0].GetProperty("kid").GetString());
        // A TDREPORT is MAC'd, not signed: MAA needs a TD quote instead.
        Assert.Contains("TDREPORT", Assert.Throws<AttestationException>(() => hcl.ToSnpServiceEvidence([], [])).Message);
    }

    [Fact]
    public void Changed_claims_are_not_bound()
    {
        byte[] bytes = File.ReadAllBytes(RepoPaths.Vector("azure", "cvmtools-tdx-hcl-report.bin"));
        bytes[AzureHclReport.HeaderSize + AzureHclReport.HardwareReportSize + AzureHclReport.RequestHeaderSize + 10] ^= 1;
        Assert.False(AzureHclReport.Parse(bytes).RuntimeClaimsBound);
    }

    [Fact]
    public void Not_an_hcl_report_is_a_clear_error()
    {
        Assert.Contains("HCLA", Assert.Throws<AttestationException>(() => AzureHclReport.Parse(new byte[2600])).Message);
        Assert.Contains("at least", Assert.Throws<AttestationException>(() => AzureHclReport.Parse(new byte[10])).Message);
    }

    /// <summary>The Azure SNP CVM report + its runtime claims, assembled into an HCL report, go to MAA's SevSnpVm.</summary>
    [Fact]
    public void Azure_snp_evidence_goes_to_SevSnpVm_with_the_claims_as_runtime_data()
    {
        byte[] report = File.ReadAllBytes(RepoPaths.Vector("azure", "constellation-azure-snp-report+igvm-header.bin"))[..1184];
        byte[] claims = File.ReadAllBytes(RepoPaths.Vector("azure", "constellation-azure-snp-runtimedata.json"));
        byte[] hcl = new byte[2600];
        "HCLA"u8.CopyTo(hcl);
        BinaryPrimitives.WriteInt32LittleEndian(hcl.AsSpan(4), 2);
        report.CopyTo(hcl.AsSpan(AzureHclReport.HeaderSize));
        var req = hcl.AsSpan(AzureHclReport.HeaderSize + AzureHclReport.HardwareReportSize);
        BinaryPrimitives.WriteInt32LittleEndian(req, 20 + claims.Length);
        BinaryPrimitives.WriteInt32LittleEndian(req[4..], 1);
        BinaryPrimitives.WriteInt32LittleEndian(req[8..], AzureHclReport.ReportTypeSnp);
        BinaryPrimitives.WriteInt32LittleEndian(req[12..], 1);
        BinaryPrimitives.WriteInt32LittleEndian(req[16..], claims.Length);
        claims.CopyTo(req[20..]);

        var parsed = AzureHclReport.Parse(hcl);
        Assert.True(parsed.RuntimeClaimsBound);
        string vcek = File.ReadAllText(RepoPaths.Vector("azure", "constellation-azure-vcek.pem"));
        var evidence = parsed.ToSnpServiceEvidence([vcek], "n"u8);

        using var maa = new FakeMaa();
        using var client = new MaaClient(new MaaOptions { Endpoint = maa.Uri, KeyRefreshInterval = TimeSpan.Zero });
        client.Attest(evidence);
        var sent = maa.LastRequest;
        Assert.Equal(claims, Base64UrlEncoder.DecodeBytes(sent.GetProperty("runtimeData").GetProperty("data").GetString()!));
        var snp = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(sent.GetProperty("report").GetString()!)).RootElement;
        Assert.Equal(report, Base64UrlEncoder.DecodeBytes(snp.GetProperty("SnpReport").GetString()!));
    }
}
