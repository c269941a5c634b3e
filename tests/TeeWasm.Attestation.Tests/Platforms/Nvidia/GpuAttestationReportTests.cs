using System.Text.Json;
using TeeWasm.Attestation.Platforms.Nvidia;

namespace TeeWasm.Attestation.Tests.Platforms.Nvidia;

public class GpuAttestationReportTests
{
    [Fact]
    public void HopperReport_MatchesTrusteeClaimsFieldByField()
    {
        var report = NvidiaVectors.Report("hopperAttestationReport.txt");
        using var claims = JsonDocument.Parse(NvidiaVectors.Text("hopperAttestationReport-claims.txt"));
        JsonElement config = claims.RootElement.GetProperty("config");

        Assert.Equal(4117, report.Raw.Length);
        Assert.Equal(NvidiaVectors.HopperNonce, Convert.ToHexStringLower(report.RequestNonce.Span));
        Assert.Equal(64, report.Blocks.Count);
        Assert.Equal(422, report.OpaqueDataBytes.Length);
        Assert.Equal(config.GetProperty("driver_version").GetString(), report.OpaqueData.DriverVersion);
        Assert.Equal(config.GetProperty("vbios_version").GetString(), report.OpaqueData.VbiosVersion);
        Assert.Equal(config.GetProperty("project").GetString(), report.OpaqueData.Project);
        Assert.Equal(config.GetProperty("project_sku").GetString(), report.OpaqueData.ProjectSku);
        Assert.Equal(config.GetProperty("project_sku_mod").GetString(), report.OpaqueData.ProjectSkuMod);
        Assert.Equal(config.GetProperty("chip_sku").GetString(), report.OpaqueData.ChipSku);
        Assert.Equal(config.GetProperty("chip_sku_mod").GetString(), report.OpaqueData.ChipSkuMod);
        Assert.Equal(config.GetProperty("board_id").GetString(), report.OpaqueData.BoardId);
        Assert.Equal(config.GetProperty("gpu_info").GetString(), report.OpaqueData.GpuInfo);
        Assert.Equal(config.GetProperty("cpr_info").GetString(), report.OpaqueData.CprInfo);
        Assert.Equal(config.GetProperty("fwid").GetString(), Convert.ToHexStringLower(report.OpaqueData.Fwid!));

        foreach (JsonProperty m in claims.RootElement.GetProperty("measurements").EnumerateObject())
            Assert.Equal(m.Value.GetString(), report.GetBlock(int.Parse(m.Name))!.ValueHex);
        var counts = report.OpaqueData.MeasurementCounts;
        foreach (JsonProperty c in config.GetProperty("measurement_count").EnumerateObject())
            Assert.Equal(c.Value.GetUInt32(), counts[int.Parse(c.Name)]);
    }

    [Theory]
    [InlineData("sdk-hopper-535-report.txt", 4052, "535.86.09", "96.00.5e.00.01", false)]
    [InlineData("sdk-hopper-580-report.txt", 4130, "580.159.03", "96.00.74.00.20", true)]
    [InlineData("sdk-hopper-570-report.txt", 4118, "570.124.03", "96.00.5e.00.04", true)]
    [InlineData("sdk-blackwell-report.txt", 4121, "575.32", "97.00.88.00.0f", true)]
    [InlineData("hopper_coco_report1.txt", 4129, null, null, true)]
    public void SdkReports_Parse(string file, int length, string? driver, string? vbios, bool hasFwid)
    {
        var report = NvidiaVectors.Report(file);
        Assert.Equal(length, report.Raw.Length);
        if (driver is not null) Assert.Equal(driver, report.OpaqueData.DriverVersion);
        if (vbios is not null) Assert.Equal(vbios, report.OpaqueData.VbiosVersion);
        Assert.Equal(hasFwid, report.OpaqueData.Fwid is not null);
        Assert.All(report.Blocks, b => Assert.Equal(48, b.Value.Length));
    }

    [Fact]
    public void CocoReport_StrayTrailingByte_IsIgnored()
    {
        byte[] bytes = Convert.FromHexString(NvidiaVectors.Text("hopper_coco_report1.txt").Trim());
        Assert.Equal(4130, bytes.Length);
        var report = GpuAttestationReport.Parse(bytes);
        Assert.Equal(4129, report.Raw.Length);
        Assert.Equal(434, report.OpaqueDataBytes.Length);
    }

    [Fact]
    public void Truncated_OrWrongHeader_IsMalformed()
    {
        byte[] bytes = NvidiaVectors.Report("hopperAttestationReport.txt").Raw.ToArray();
        Assert.False(GpuAttestationReport.TryParse(bytes.AsMemory(0, bytes.Length - 1), out _, out string? error));
        Assert.Contains("run past the end", error);
        byte[] wrong = bytes.ToArray();
        wrong[1] = 0xE1;
        var e = Assert.Throws<NvidiaAttestationException>(() => GpuAttestationReport.Parse(wrong));
        Assert.Equal(NvidiaFailureReason.Malformed, e.Reason);
        Assert.Contains("GET_MEASUREMENTS", e.Message);
        Assert.Throws<NvidiaAttestationException>(() => GpuAttestationReport.ParseHex("zz"));
    }
}
