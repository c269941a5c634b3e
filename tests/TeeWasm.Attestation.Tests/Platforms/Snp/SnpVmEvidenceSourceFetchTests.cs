using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Services.Collateral;
using TeeWasm.Attestation.Tests.Services;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Platforms.Snp;

/// <summary>
/// The attester's SEV-SNP source (what <c>tee-wasm run --fetch</c> uses) when the platform returns no VCEK: it fetches the
/// VCEK by the report's chip id and reported TCB from (a loopback) AMD KDS. The device is a fake configfs-tsm entry
/// serving go-sev-guest's real report with no certificates.
/// </summary>
public sealed class SnpVmEvidenceSourceFetchTests : IDisposable
{
    private readonly string _root = TestSupport.NewTempDir();
    private readonly FakeVendorServer _vendor = new();

    public void Dispose()
    {
        _vendor.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private SnpVmEvidenceSource Source(CollateralFetcher? fetcher)
    {
        string entry = Path.Combine(_root, "entry");
        Directory.CreateDirectory(entry);
        File.WriteAllText(Path.Combine(entry, "provider"), "sev_guest\n");
        File.WriteAllBytes(Path.Combine(entry, "outblob"), File.ReadAllBytes(RepoPaths.Vector("snp", "attestation.bin")));
        var collector = new SnpEvidenceSource(new SnpEvidenceSourceOptions { ConfigFsTsmPath = _root, EntryName = "entry", SevGuestDevicePath = "/nonexistent" });
        return new SnpVmEvidenceSource(collector, time: new ManualTimeProvider(DateTimeOffset.Parse("2026-06-01T00:00:00Z"))) { CollateralFetcher = fetcher, Product = "Milan" };
    }

    private static byte[] ReportData => [1, 2, 3, 4, 5, .. new byte[59]];

    [Fact]
    public void NoVcekFromThePlatform_IsFetchedFromKds()
    {
        using var fetcher = new CollateralFetcher(new CollateralFetcherOptions { KdsUrl = _vendor.Url, RetryDelay = TimeSpan.FromMilliseconds(10) });
        var collected = Source(fetcher).Attest(ReportData, [], new byte[32]);
        Assert.True(collected.Appraisal.EvidenceValid, collected.Appraisal.Message);
        Assert.Contains("signed by VCEK (valid 2022-09-24 to 2029-09-24)", collected.Appraisal.Message);
        Assert.Equal(1, _vendor.Hits($"/vcek/v1/Milan/{FakeVendorServer.AttestationBinChipId}?{FakeVendorServer.AttestationBinTcbQuery}"));
    }

    [Fact]
    public void NoVcekAndNoFetcher_SaysHowToGetOne()
    {
        var e = Assert.Throws<TeeWasm.Attestation.Evidence.AttestationException>(() => Source(null).Attest(ReportData, [], new byte[32]));
        Assert.Contains("(--vm-cert FILE, or --fetch to get the VCEK from AMD's KDS)", e.Message);
    }
}
