using TeeWasm.Attestation.Tdx;

namespace TeeWasm.Attestation.Tests.Tdx;

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
