using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Services.Collateral;
using TeeWasm.Attestation.Verification;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Services;

/// <summary>
/// The collateral fetcher against loopback stand-ins of AMD KDS, Intel PCS and NVIDIA's RIM service serving real
/// recorded vendor files at the vendors' URL shapes: what it asks for, what it accepts, how it fails (404, 429 with
/// Retry-After, 500, slow, wrong content type, redirects), and its cache (miss, hit, expiry, damage, --offline).
/// </summary>
public sealed class CollateralFetcherTests : IDisposable
{
    private readonly FakeVendorServer _vendor = new();
    private readonly string _cache = TestSupport.NewTempDir();

    public void Dispose()
    {
        _vendor.Dispose();
        Directory.Delete(_cache, true);
    }

    private CollateralFetcher Fetcher(TimeProvider? time = null, bool offline = false, bool cache = true, double timeoutSeconds = 5) => new(new CollateralFetcherOptions
    {
        KdsUrl = _vendor.Url, PcsUrl = _vendor.Url, RimUrl = _vendor.Url, IntelRootCaCrlUrl = _vendor.RootCrlUrl,
        CacheDirectory = cache ? _cache : null, Offline = offline, Time = time ?? TimeProvider.System,
        Timeout = TimeSpan.FromSeconds(timeoutSeconds), RetryDelay = TimeSpan.FromMilliseconds(20),
    });

    private static CollateralRequest Vcek => new()
    {
        Kind = CollateralKind.AmdVcek, Product = "Milan", HardwareId = FakeVendorServer.AttestationBinChipId,
        Tcb = [new("blSPL", 2), new("teeSPL", 0), new("snpSPL", 5), new("ucodeSPL", 68)],
    };

    private static readonly CollateralRequest s_tcbInfo = new() { Kind = CollateralKind.IntelTcbInfo, Fmspc = "50806f000000" };

    private string VcekPath => $"/vcek/v1/Milan/{FakeVendorServer.AttestationBinChipId}?{FakeVendorServer.AttestationBinTcbQuery}";

    [Fact]
    public void KdsVcek_IsAskedByChipIdAndReportedTcb_AndIsTheRealVcek()
    {
        using var fetcher = Fetcher();
        Assert.Equal(new Uri(_vendor.Url, VcekPath), fetcher.UrlOf(Vcek));
        CollateralItem item = fetcher.Fetch(Vcek);
        Assert.Equal(File.ReadAllBytes(RepoPaths.Vector("snp", "vcek.testcer")), item.Body);
        Assert.False(item.FromCache);
        Assert.Equal(new DateTimeOffset(2029, 9, 24, 0, 0, 0, TimeSpan.Zero).Date, item.NextUpdate!.Value.UtcDateTime.Date); // the VCEK's notAfter
        Assert.Equal(1, _vendor.Hits(VcekPath));
    }

    [Fact]
    public void PcsTcbInfo_ComesWithItsIssuerChainHeader_AndExpiresAtItsNextUpdate()
    {
        using var fetcher = Fetcher();
        CollateralItem item = fetcher.Fetch(s_tcbInfo);
        Assert.Equal("/tdx/certification/v4/tcb?fmspc=50806F000000", item.Url!.PathAndQuery);
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(item.IssuerChainPem!);
        Assert.Equal("Intel SGX TCB Signing", chain[0].GetNameInfo(X509NameType.SimpleName, false));
        Assert.Equal(DateTimeOffset.Parse("2023-07-18T08:42:58Z"), item.NextUpdate);
        Assert.Equal("50806f000000", TdxTcbInfo.Parse(item.Body).Fmspc);
    }

    [Fact]
    public void PckCrlAndRootCrl_AtTheirUrlShapes()
    {
        using var fetcher = Fetcher();
        CollateralItem pck = fetcher.Fetch(new CollateralRequest { Kind = CollateralKind.IntelPckCrl, Ca = "platform" });
        Assert.Equal("/sgx/certification/v4/pckcrl?ca=platform&encoding=der", pck.Url!.PathAndQuery);
        Assert.Equal(DateTimeOffset.Parse("2023-07-08T07:27:52Z"), pck.NextUpdate);
        CollateralItem root = fetcher.Fetch(new CollateralRequest { Kind = CollateralKind.IntelRootCaCrl });
        Assert.Equal(_vendor.RootCrlUrl, root.Url);
    }

    [Fact]
    public void RimService_AnswerIsUnwrappedToTheSwidXml()
    {
        using var fetcher = Fetcher();
        CollateralItem rim = fetcher.Fetch(new CollateralRequest { Kind = CollateralKind.NvidiaRim, RimId = "NV_GPU_DRIVER_GH100_550.144.03" });
        Assert.Equal("/v1/rim/NV_GPU_DRIVER_GH100_550.144.03", rim.Url!.PathAndQuery);
        Assert.Equal(File.ReadAllBytes(RepoPaths.Vector("nvidia", "rim-driver-GH100-550.144.03.xml")), rim.Body);
    }

    [Fact]
    public void NotFound_IsAnError_NamingWhatAndWhere_WithoutRetry()
    {
        using var fetcher = Fetcher();
        var e = Assert.Throws<CollateralUnavailableException>(() => fetcher.Fetch(new CollateralRequest { Kind = CollateralKind.AmdCrl, Product = "Milan" }));
        Assert.Equal(404, e.StatusCode);
        Assert.Contains("AMD's Milan CRL at " + _vendor.Url + "vcek/v1/Milan/crl: not found (HTTP 404", e.Message);
        Assert.Equal(1, _vendor.Hits("/vcek/v1/Milan/crl"));
    }

    [Fact]
    public void TooManyRequests_RetryAfterIsHonoured_ThenTheAnswerIsUsed()
    {
        _vendor.Override(VcekPath, async (ctx, n) =>
        {
            if (n == 1)
            {
                ctx.Response.Headers.RetryAfter = "1";
                await FakeVendorServer.Answer(ctx, 429, "slow down");
                return;
            }
            ctx.Response.ContentType = "application/octet-stream";
            await ctx.Response.Body.WriteAsync(File.ReadAllBytes(RepoPaths.Vector("snp", "vcek.testcer")));
        });
        using var fetcher = Fetcher();
        var watch = Stopwatch.StartNew();
        CollateralItem item = fetcher.Fetch(Vcek);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.9), $"retried after {watch.Elapsed.TotalSeconds:0.00} s, Retry-After said 1 s");
        Assert.Equal(2, _vendor.Hits(VcekPath));
        Assert.Equal(1360, item.Body.Length);
    }

    [Fact]
    public void TooManyRequests_AskingForMoreThanTheBound_IsRefused()
    {
        _vendor.Override(VcekPath, (ctx, _) =>
        {
            ctx.Response.Headers.RetryAfter = "3600";
            return FakeVendorServer.Answer(ctx, 429);
        });
        using var fetcher = Fetcher();
        var e = Assert.Throws<CollateralUnavailableException>(() => fetcher.Fetch(Vcek));
        Assert.Contains("HTTP 429, the service asks to retry after 3600 s (more than the 10 s allowed)", e.Message);
        Assert.Equal(1, _vendor.Hits(VcekPath));
    }

    [Fact]
    public void ServerError_IsRetriedABoundedNumberOfTimes()
    {
        _vendor.Override(VcekPath, (ctx, _) => FakeVendorServer.Answer(ctx, 500, "{\"error\":\"backend down\"}", "application/json"));
        using var fetcher = Fetcher();
        var e = Assert.Throws<CollateralUnavailableException>(() => fetcher.Fetch(Vcek));
        Assert.Contains("HTTP 500: {\"error\":\"backend down\"} (tried 3 time(s))", e.Message);
        Assert.Equal(3, _vendor.Hits(VcekPath));
    }

    [Fact]
    public void SlowAnswer_TimesOut()
    {
        _vendor.Override(VcekPath, async (ctx, _) => await Task.Delay(TimeSpan.FromSeconds(5), ctx.RequestAborted).ContinueWith(_ => { }));
        using var fetcher = Fetcher(timeoutSeconds: 0.3);
        var e = Assert.Throws<CollateralUnavailableException>(() => fetcher.Fetch(Vcek));
        Assert.Contains("no answer within 0.3 s (tried 3 time(s))", e.Message);
    }

    [Fact]
    public void WrongContentType_IsRejected()
    {
        _vendor.Override("/tdx/certification/v4/tcb?fmspc=50806F000000", (ctx, _) => FakeVendorServer.Answer(ctx, 200, "<html>maintenance</html>", "text/html"));
        using var fetcher = Fetcher();
        var e = Assert.Throws<CollateralUnavailableException>(() => fetcher.Fetch(s_tcbInfo));
        Assert.Contains("answered content type 'text/html', expected application/json", e.Message);
    }

    [Fact]
    public void ContentThatIsNotWhatWasAskedFor_IsRejected()
    {
        _vendor.Override(VcekPath, (ctx, _) => FakeVendorServer.Answer(ctx, 200, "not a certificate", "application/octet-stream"));
        using var fetcher = Fetcher();
        var e = Assert.Throws<CollateralUnavailableException>(() => fetcher.Fetch(Vcek));
        Assert.Contains("the answer is not the VCEK of chip", e.Message);
    }

    [Fact]
    public void RedirectToAnotherHost_IsRefused_ButOnTheSameHostFollowed()
    {
        _vendor.Override("/vcek/v1/Milan/cert_chain", (ctx, _) =>
        {
            ctx.Response.Headers.Location = "https://evil.example/cert_chain";
            return FakeVendorServer.Answer(ctx, 302);
        });
        using (var fetcher = Fetcher())
        {
            var e = Assert.Throws<CollateralUnavailableException>(() => fetcher.Fetch(new CollateralRequest { Kind = CollateralKind.AmdCertChain, Product = "Milan" }));
            Assert.Contains("redirected to https://evil.example/cert_chain, another host: refused", e.Message);
        }
        _vendor.Override("/vcek/v1/Genoa/cert_chain", (ctx, _) =>
        {
            ctx.Response.Headers.Location = "/vcek/v1/Milan/cert_chain-moved";
            return FakeVendorServer.Answer(ctx, 301);
        });
        _vendor.Override("/vcek/v1/Milan/cert_chain-moved", async (ctx, _) =>
        {
            ctx.Response.ContentType = "application/x-pem-file";
            await ctx.Response.WriteAsync(File.ReadAllText(RepoPaths.Vector("snp", "amd-root-ask_ark_milan.pem")));
        });
        using var same = Fetcher(cache: false);
        Assert.Equal(4602, same.Fetch(new CollateralRequest { Kind = CollateralKind.AmdCertChain, Product = "Genoa" }).Body.Length);
    }

    [Fact]
    public void Cache_MissThenHit_ThenExpiryRefetches()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.Parse("2023-06-20T00:00:00Z"));
        using (var first = Fetcher(clock))
        {
            Assert.False(first.Fetch(s_tcbInfo).FromCache);
            Assert.Equal(1, first.Cache!.Misses);
        }
        using (var second = Fetcher(clock))
        {
            CollateralItem hit = second.Fetch(s_tcbInfo);
            Assert.True(hit.FromCache);
            Assert.Equal(1, second.Cache!.Hits);
            Assert.Equal(1, _vendor.Hits("/tdx/certification/v4/tcb?fmspc=50806F000000"));
        }
        clock.Now = DateTimeOffset.Parse("2023-07-19T00:00:00Z"); // past the TCB info's nextUpdate (2023-07-18)
        using var third = Fetcher(clock);
        Assert.False(third.Fetch(s_tcbInfo).FromCache);
        Assert.Equal(2, _vendor.Hits("/tdx/certification/v4/tcb?fmspc=50806F000000"));
    }

    [Fact]
    public void Cache_DamagedEntry_IsDiscardedAndRefetched()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.Parse("2023-06-20T00:00:00Z"));
        using (var first = Fetcher(clock)) first.Fetch(s_tcbInfo);
        using var fetcher = Fetcher(clock);
        string entry = fetcher.Cache!.EntryPath(fetcher.UrlOf(s_tcbInfo));
        byte[] bytes = File.ReadAllBytes(entry);
        bytes[^10] ^= 0x20; // inside the TCB info body
        File.WriteAllBytes(entry, bytes);
        CollateralItem item = fetcher.Fetch(s_tcbInfo);
        Assert.False(item.FromCache);
        Assert.Equal(File.ReadAllBytes(RepoPaths.Vector("tdx", "pcs", "tcb_info_50806f000000.json")), item.Body);
        Assert.Equal(2, _vendor.Hits("/tdx/certification/v4/tcb?fmspc=50806F000000"));
    }

    [Fact]
    public void Offline_UsesOnlyFreshCacheEntries_AndNeverTheNetwork()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.Parse("2023-06-20T00:00:00Z"));
        using (var offline = Fetcher(clock, offline: true))
        {
            var missing = Assert.Throws<CollateralUnavailableException>(() => offline.Fetch(s_tcbInfo));
            Assert.Contains("--offline: the TDX TCB info of FMSPC 50806f000000", missing.Message);
            Assert.Contains("is not in the collateral cache", missing.Message);
        }
        Assert.Equal(0, _vendor.TotalHits);
        using (var online = Fetcher(clock)) online.Fetch(s_tcbInfo);
        using (var offline = Fetcher(clock, offline: true)) Assert.True(offline.Fetch(s_tcbInfo).FromCache);
        clock.Now = DateTimeOffset.Parse("2023-08-01T00:00:00Z");
        using (var offline = Fetcher(clock, offline: true))
        {
            var stale = Assert.Throws<CollateralUnavailableException>(() => offline.Fetch(s_tcbInfo));
            Assert.Contains("went stale at 2023-07-18 08:42:58Z", stale.Message);
        }
        Assert.Equal(1, _vendor.TotalHits);
    }

    [Fact]
    public void FetchedSet_WritesAFolderThatCollateralReadsBackByContent()
    {
        using var fetcher = Fetcher();
        fetcher.Fetch(s_tcbInfo);
        fetcher.Fetch(new CollateralRequest { Kind = CollateralKind.IntelQeIdentity });
        fetcher.Fetch(new CollateralRequest { Kind = CollateralKind.IntelPckCrl, Ca = "platform" });
        string dir = Path.Combine(_cache, "bundle");
        fetcher.Fetched.WriteFolder(dir);
        Assert.True(File.Exists(Path.Combine(dir, "tcb_info_50806f000000.json")));
        Assert.True(File.Exists(Path.Combine(dir, CollateralSet.IndexFileName)));
        TdxCollateral collateral = TdxCollateral.LoadDirectory(dir);
        Assert.Equal("50806f000000", Assert.Single(collateral.TcbInfos).Fmspc);
        Assert.NotNull(collateral.QeIdentity);
        Assert.NotNull(collateral.TcbSigningChain);
        Assert.Single(collateral.Crls);
    }

    [Fact]
    public void PlainHttpToAnotherHost_IsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => new CollateralFetcher(new CollateralFetcherOptions { KdsUrl = new Uri("http://kds.example") }));
        Assert.Contains("must use https", e.Message);
    }

    [Fact]
    public void NvidiaOcsp_IsPostedAsAnOcspRequest_AndTheAnswerKept()
    {
        using ECDsa caKey = ECDsa.Create(ECCurve.NamedCurves.nistP384), leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var caReq = new CertificateRequest("CN=Test OCSP CA", caKey, HashAlgorithmName.SHA384);
        caReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using X509Certificate2 ca = caReq.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        using X509Certificate2 leaf = new CertificateRequest("CN=Test device", leafKey, HashAlgorithmName.SHA384).Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), [9]);
        string? contentType = null;
        _vendor.Override("/", async (ctx, _) =>
        {
            contentType = ctx.Request.ContentType;
            using var body = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(body);
            Assert.Equal(TeeWasm.Attestation.X509.OcspResponse.CreateRequest(leaf, ca), body.ToArray());
            ctx.Response.ContentType = "application/ocsp-response";
            await ctx.Response.Body.WriteAsync(X509.TestOcspResponder.Answer(leaf, ca, caKey, 0, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1)));
        });
        using var fetcher = new CollateralFetcher(new CollateralFetcherOptions { OcspUrl = _vendor.Url, CacheDirectory = _cache });
        var request = new CollateralRequest { Kind = CollateralKind.NvidiaOcsp, OcspRequest = TeeWasm.Attestation.X509.OcspResponse.CreateRequest(leaf, ca), Certificate = "'Test device'" };
        CollateralItem item = fetcher.Fetch(request);
        Assert.Equal("application/ocsp-request", contentType);
        Assert.Equal(TeeWasm.Attestation.X509.OcspCertStatus.Good, TeeWasm.Attestation.X509.OcspResponse.Parse(item.Body).For(leaf, ca)!.Status);
        Assert.True(fetcher.Fetch(request).FromCache); // cached until the answer's nextUpdate
        Assert.Equal(1, _vendor.Hits("/"));
    }
}
