using TeeWasm.Attestation.Platforms.Tdx;

namespace TeeWasm.Attestation.Tests.Platforms.Tdx;

public sealed class TdxEvidenceSourceTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("tsm-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private TdxEvidenceSource Source() => new(new TdxEvidenceSourceOptions { ConfigFsTsmRoot = _root, EntryName = "entry", DevicePath = Path.Combine(_root, "no-device") });

    [Fact]
    public void Ioctl_number_matches_linux_tdx_guest_h() => Assert.Equal(0xC4405401u, TdxEvidenceSource.TdxCmdGetReport0);

    [Fact]
    public void Reads_a_quote_from_a_configfs_tsm_like_directory_and_writes_inblob()
    {
        string entry = Directory.CreateDirectory(Path.Combine(_root, "entry")).FullName;
        File.WriteAllText(Path.Combine(entry, "provider"), "tdx_guest\n");
        byte[] real = TdxTestData.Quote(TdxTestData.SampleV5);
        File.WriteAllBytes(Path.Combine(entry, "outblob"), real);
        byte[] reportData = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();

        byte[] quote = Source().GetQuote(reportData);

        Assert.Equal(real, quote);
        Assert.Equal(reportData, File.ReadAllBytes(Path.Combine(entry, "inblob")));
        Assert.Equal(5, TdxQuote.Parse(quote).Version);
    }

    [Fact]
    public void Refuses_another_provider_and_bad_report_data()
    {
        string entry = Directory.CreateDirectory(Path.Combine(_root, "entry")).FullName;
        File.WriteAllText(Path.Combine(entry, "provider"), "sev_guest\n");
        Assert.False(Source().TryGetQuote(new byte[64], out byte[]? q, out string? error));
        Assert.Null(q);
        Assert.Contains("sev_guest", error);
        Assert.Throws<TdxException>(() => Source().GetQuote(new byte[63]));
    }

    [Fact]
    public void Missing_interfaces_are_clear_errors()
    {
        var source = new TdxEvidenceSource(new TdxEvidenceSourceOptions { ConfigFsTsmRoot = Path.Combine(_root, "absent"), DevicePath = Path.Combine(_root, "absent-dev") });
        Assert.False(source.IsConfigFsTsmAvailable);
        Assert.False(source.IsDeviceAvailable);
        Assert.Contains("configfs-tsm not available", Assert.Throws<TdxException>(() => source.GetQuote(new byte[64])).Message);
        Assert.Contains("cannot open", Assert.Throws<TdxException>(() => source.GetTdReport(new byte[64])).Message);
    }

    [Fact]
    public void Td_report_is_not_remotely_verifiable_and_exposes_report_data()
    {
        byte[] raw = new byte[TdxTdReport.Size];
        raw[128] = 0xAB;
        TdxTdReport r = TdxTdReport.Parse(raw);
        Assert.False(r.IsRemotelyVerifiable);
        Assert.Equal(0xAB, r.ReportData.Span[0]);
        Assert.Throws<TdxException>(() => TdxTdReport.Parse(new byte[100]));
    }
}

public sealed class TdxCollateralTests
{
    [Fact]
    public void Loads_a_collateral_directory_by_content_whatever_the_file_names()
    {
        string dir = Directory.CreateTempSubdirectory("coll-").FullName;
        try
        {
            File.Copy(TdxTestData.Path("sample_tcbinfo_response_v5"), Path.Combine(dir, "a"));
            File.Copy(TdxTestData.Path("sample_qeIdentity_response"), Path.Combine(dir, "b.txt"));
            File.Copy(TdxTestData.Path("pckcrl"), Path.Combine(dir, "c.bin"));
            TdxCollateral c = TdxCollateral.LoadDirectory(dir);
            TdxTcbInfo tcbInfo = Assert.Single(c.TcbInfos);
            Assert.Equal("90c06f000000", tcbInfo.Fmspc);
            Assert.Equal(3, tcbInfo.TcbLevels.Count);
            Assert.Equal(["TDX_03", "TDX_01"], tcbInfo.TdxModuleIdentities.Select(m => m.Id));
            Assert.Equal("TD_QE", c.QeIdentity!.Id);
            Assert.Equal(2, c.QeIdentity.IsvProdId);
            Assert.Single(c.Crls);
            Assert.Equal(44, c.Crls[0].RevokedSerialNumbers.Count);
            Assert.Null(c.TcbSigningChain);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Signed_body_is_the_exact_served_bytes()
    {
        byte[] json = File.ReadAllBytes(TdxTestData.Path("sample_qeIdentity_response"));
        TdxQeIdentity q = TdxQeIdentity.Parse(json);
        string text = System.Text.Encoding.UTF8.GetString(json);
        int start = text.IndexOf("{\"id\"", StringComparison.Ordinal);
        int end = text.IndexOf(",\"signature\"", StringComparison.Ordinal);
        Assert.Equal(text[start..end], System.Text.Encoding.UTF8.GetString(q.SignedBody.Span));
        Assert.Equal(64, q.Signature.Length);
        Assert.Throws<TdxException>(() => TdxTcbInfo.Parse("{\"tcbInfo\":{\"id\":\"SGX\"}}"u8));
        Assert.Throws<TdxException>(() => TdxTcbInfo.Parse("not json"u8));
    }
}
