using TeeWasm.Attestation.Tests.Services;
using TeeWasm.Tests.Shared;
using Xunit.Abstractions;

namespace TeeWasm.Cli.Tests;

/// <summary>
/// Issue 18 item 8 through the command line: <c>verify --fetch</c> against a loopback stand-in of AMD KDS and Intel PCS
/// (real recorded files at the vendors' URL shapes) for an SNP report with no <c>--cert</c> and a TDX quote with no
/// <c>--collateral</c>; the cache makes a second run go without the network (<c>--offline</c>); the fetched set is saved
/// as a folder <c>--collateral</c> reads back. The transcripts are written to the test output.
/// </summary>
public sealed class VerifyFetchCommandTests(ITestOutputHelper output) : IDisposable
{
    private readonly FakeVendorServer _vendor = new();
    private readonly string _tmp = Directory.CreateTempSubdirectory("teewasm-verify-fetch-").FullName;

    public void Dispose()
    {
        _vendor.Dispose();
        Directory.Delete(_tmp, true);
    }

    private string Cache => Path.Combine(_tmp, "cache");

    private (int Code, string Out, string Err) Verify(params string[] args)
    {
        string[] all = ["verify", .. args, "--fetch", "--collateral-cache", Cache, "--kds-url", _vendor.Url.ToString(), "--pcs-url", _vendor.Url.ToString(),
            "--intel-root-crl-url", _vendor.RootCrlUrl.ToString(), "--rim-url", _vendor.Url.ToString(), "--ocsp-url", _vendor.Url + "ocsp"];
        var o = new StringWriter();
        var e = new StringWriter();
        int code = TeeWasmCli.Run(all, o, e);
        output.WriteLine("$ tee-wasm " + string.Join(' ', all.Select(a => a.Replace(RepoPaths.Root + "/", "").Replace(_tmp, "$TMP"))));
        output.WriteLine(o.ToString() + e + $"(exit {code})");
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void SnpReportWithNoCert_FetchesItsVcekFromKds()
    {
        var (code, o, e) = Verify(RepoPaths.Vector("snp", "attestation.bin"), "--product", "Milan", "--at", "2026-06-01");
        Assert.True(code == 1, o + e); // the vector's guest policy allows debugging: rejected for debug only
        Assert.Matches(@"\n  PASS  signature and chain  AMD SEV-SNP report, Milan, signed by VCEK \(valid 2022-09-24 to 2029-09-24\), chain to the AMD Milan ARK", o);
        Assert.Contains($"fetched: the VCEK of chip {FakeVendorServer.AttestationBinChipId[..16]}… (Milan, blSPL 2, teeSPL 0, snpSPL 5, ucodeSPL 68) from {_vendor.Url}vcek/v1/Milan/", o);
        Assert.Matches(@"\n  SKIP  revocation +not checked: AMD's CRL could not be fetched: .*not found \(HTTP 404", o);

        // Again, offline: served from the cache (the VCEK and chain are fresh until their notAfter).
        int before = _vendor.TotalHits;
        var again = Verify(RepoPaths.Vector("snp", "attestation.bin"), "--product", "Milan", "--at", "2026-06-01", "--offline");
        Assert.Contains("(cache)", again.Out);
        Assert.Equal(before, _vendor.TotalHits);
    }

    [Fact]
    public void TdxQuoteWithNoCollateral_FetchesPcsCollateral_AndSavesIt()
    {
        string saved = Path.Combine(_tmp, "saved");
        var (code, o, e) = Verify(RepoPaths.Vector("tdx", "tdx_prod_quote_SPR_E4.dat"), "--at", "2023-06-20", "--save-collateral", saved);
        Assert.True(code == 1, o + e);
        Assert.StartsWith("REJECTED: TCB level not supported: no tcbInfo level (FMSPC 50806f000000) is met", o);
        Assert.Contains($"fetched: the TDX TCB info of FMSPC 50806f000000 from {_vendor.Url}tdx/certification/v4/tcb?fmspc=50806F000000", o);
        Assert.Contains("fetched: the PCK platform CA CRL from", o);
        Assert.Contains("fetched: the Intel SGX Root CA CRL from", o);
        Assert.DoesNotContain("signature not checked", o);

        // What was fetched, saved, is a collateral folder: the same verdict offline from it, no network.
        int before = _vendor.TotalHits;
        var o2 = new StringWriter();
        int code2 = TeeWasmCli.Run(["verify", RepoPaths.Vector("tdx", "tdx_prod_quote_SPR_E4.dat"), "--at", "2023-06-20", "--collateral", saved], o2, new StringWriter());
        Assert.Equal(1, code2);
        Assert.StartsWith("REJECTED: TCB level not supported", o2.ToString());
        Assert.Contains("collateral: collateral.json: index of fetched collateral (not used)", o2.ToString());
        Assert.Equal(before, _vendor.TotalHits);
    }

    [Fact]
    public void GpuReport_AsksNvidiaOcspForItsDeviceChain_AForgedAnswerIsRejected_AnUnreachableResponderIsASkip()
    {
        string nvidia(string f) => RepoPaths.Vector("nvidia", f);
        string[] args = [nvidia("hopperAttestationReport.txt"), "--cert", nvidia("hopper_cert_chain_case1.txt"), "--nonce", "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb",
            "--rim", RepoPaths.Vector("nvidia", "rims"), "--at", "2025-06-01"];
        string? contentType = null;
        _vendor.Override("/ocsp", async (ctx, _) =>
        {
            contentType = ctx.Request.ContentType;
            ctx.Response.ContentType = "application/ocsp-response";
            await ctx.Response.Body.WriteAsync(VerifyGpuEvidenceTests.ForgedOcspAnswer(nvidia("hopper_cert_chain_case1.txt"), new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero)));
        });
        var (code, o, e) = Verify(args);
        Assert.True(code == 1, o + e);
        Assert.Equal("application/ocsp-request", contentType);
        // One request per certificate below the root, each kept (the fetched set tells them apart).
        foreach (string cert in new[] { "GH100 A01 GSP FMC LF", "GH100 A01 GSP BROM", "NVIDIA GH100 Provisioner ICA 1", "NVIDIA GH100 Identity" })
            Assert.Matches($@"\n +fetched: the OCSP status of '{cert}' \(serial [0-9A-F]+\) from http://127\.0\.0\.1:\d+/ocsp, fresh until", o);
        Assert.Equal(4, _vendor.Hits("/ocsp"));
        Assert.Matches(@"\n +FAIL +revocation +OCSP answer for 'GH100 A01 GSP FMC LF' \(http://127\.0\.0\.1:\d+/ocsp\): the OCSP answer is signed neither by 'GH100 A01 GSP BROM'", o);

        _vendor.Override("/ocsp", (ctx, _) =>
        {
            ctx.Response.StatusCode = 404;
            return Task.CompletedTask;
        });
        Directory.Delete(Cache, true);
        var down = Verify(args);
        Assert.True(down.Code == 1, down.Out + down.Err); // rejected for its RIMs only (the folder has none of this driver)
        Assert.DoesNotContain("FAIL  revocation", down.Out);
        Assert.Matches(@"\n +SKIP +revocation +not checked: OCSP answers could not be fetched: .*HTTP 404", down.Out);
    }

    [Fact]
    public void GpuReport_AsksNvidiaOcspForTheSigningChainsOfItsRims_Too()
    {
        string nvidia(string f) => RepoPaths.Vector("nvidia", f);
        _vendor.Override("/ocsp", async (ctx, _) =>
        {
            ctx.Response.ContentType = "application/ocsp-response";
            await ctx.Response.Body.WriteAsync(VerifyGpuEvidenceTests.ForgedOcspAnswer(nvidia("sdk-hopper-535-certchain.txt"), new DateTimeOffset(2025, 5, 1, 0, 0, 0, TimeSpan.Zero)));
        });
        var (code, o, e) = Verify(nvidia("sdk-hopper-535-report.txt"), "--cert", nvidia("sdk-hopper-535-certchain.txt"),
            "--nonce", "27a328247bf7935c993341cf587be6f05986ccce4fe7ba2c54100bd616a58f66", "--rim", nvidia("rims"), "--at", "2025-05-01");
        Assert.True(code == 1, o + e);
        // The VBIOS RIM of this report is in the folder: its chain below NVIDIA's CoRIM root is asked about too.
        foreach (string cert in new[] { "HCC RIM L4 Signer", "NVIDIA Reference Value L3 GH100 002", "NVIDIA Reference Value GH100 CA" })
            Assert.Contains($"fetched: the OCSP status of '{cert}'", o);
        Assert.Equal(7, _vendor.Hits("/ocsp")); // and the four device certificates below the device root
    }

    [Fact]
    public void FetchOptionsWithoutFetch_AreUsageErrors()
    {
        var o = new StringWriter();
        var e = new StringWriter();
        Assert.Equal(2, TeeWasmCli.Run(["verify", RepoPaths.Vector("snp", "attestation.bin"), "--offline"], o, e));
        Assert.Contains("--offline applies only with --fetch", e.ToString());
    }

    [Fact]
    public void VlekReport_CannotBeFetched_AndSaysSo()
    {
        var (code, _, e) = Verify(RepoPaths.Vector("snp", "aws-vlek-report.b64"));
        Assert.Equal(2, code);
        Assert.Contains("signed by a VLEK, which AMD's KDS does not serve by chip", e);
    }
}
