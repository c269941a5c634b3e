using TeeWasm.Attestation.Policy;
using TeeWasm.Attestation.Services.Collateral;
using TeeWasm.Attestation.Tests.Services;
using TeeWasm.Attestation.Verification;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Verification;

/// <summary>
/// <see cref="AttestationPlatforms.VerifyFile"/> with a fetcher and nothing else: the SEV-SNP report's VCEK from the
/// loopback KDS, the TDX quote's collateral from the loopback PCS (signed, checked, TCB evaluated), the GPU report's RIMs
/// from the loopback RIM service — each by what the evidence names.
/// </summary>
public sealed class VerifyFetchTests : IDisposable
{
    private readonly FakeVendorServer _vendor = new();
    private readonly CollateralFetcher _fetcher;

    public VerifyFetchTests()
    {
        _fetcher = new CollateralFetcher(new CollateralFetcherOptions
        {
            KdsUrl = _vendor.Url, PcsUrl = _vendor.Url, RimUrl = _vendor.Url, IntelRootCaCrlUrl = _vendor.RootCrlUrl,
            RetryDelay = TimeSpan.FromMilliseconds(10),
        });
    }

    public void Dispose()
    {
        _fetcher.Dispose();
        _vendor.Dispose();
    }

    private static readonly AttestationPolicy s_debugAllowed = new() { AllowDebug = true, RequireReportDataBinding = false };

    [Fact]
    public void Snp_WithNoCertificate_GetsItsVcekFromKds_ByChipIdAndReportedTcb()
    {
        FileAppraisal r = AttestationPlatforms.VerifyFile(File.ReadAllBytes(RepoPaths.Vector("snp", "attestation.bin")), new VerifyOptions
        {
            Fetcher = _fetcher, Product = "Milan", Time = DateTimeOffset.Parse("2026-06-01T00:00:00Z"), Policy = s_debugAllowed,
        });
        Appraisal a = Assert.Single(r.Appraisals);
        Assert.True(a.Valid, a.Failures);
        Assert.Contains("signed by VCEK (valid 2022-09-24 to 2029-09-24), chain to the AMD Milan ARK", a.Message);
        AppraisalCheck revocation = a.Checks.Single(c => c.Name == "revocation");
        Assert.Equal(CheckStatus.Skip, revocation.Status); // the loopback KDS has no CRL: a visible skip, never a silent pass
        Assert.Contains("not checked: AMD's CRL could not be fetched", revocation.Reason);
        Assert.Contains("HTTP 404", revocation.Reason);
        Assert.Equal(1, _vendor.Hits($"/vcek/v1/Milan/{FakeVendorServer.AttestationBinChipId}?{FakeVendorServer.AttestationBinTcbQuery}"));
    }

    [Fact]
    public void Snp_Version2WithoutProduct_SaysWhatToGive()
    {
        var e = Assert.Throws<VerificationInputException>(() => AttestationPlatforms.VerifyFile(File.ReadAllBytes(RepoPaths.Vector("snp", "attestation.bin")),
            new VerifyOptions { Fetcher = _fetcher }));
        Assert.Contains("a version 2 SEV-SNP report does not name its product (no CPUID fields): give --product Milan, Genoa or Turin", e.Message);
    }

    [Fact]
    public void Snp_VlekSigned_CannotBeFetched_AndSaysSo()
    {
        var e = Assert.Throws<VerificationInputException>(() => AttestationPlatforms.VerifyFile(File.ReadAllBytes(RepoPaths.Vector("snp", "aws-vlek-report.b64")),
            new VerifyOptions { Fetcher = _fetcher }));
        Assert.Contains("signed by a VLEK, which AMD's KDS does not serve by chip", e.Message);
        Assert.Equal(0, _vendor.TotalHits);
    }

    [Fact]
    public void Tdx_WithNoCollateral_GetsTcbInfoQeIdentityAndCrlsFromPcs_SignedAndChecked()
    {
        FileAppraisal r = AttestationPlatforms.VerifyFile(File.ReadAllBytes(RepoPaths.Vector("tdx", "tdx_prod_quote_SPR_E4.dat")), new VerifyOptions
        {
            Fetcher = _fetcher, Time = DateTimeOffset.Parse("2023-06-20T00:00:00Z"),
        });
        Appraisal a = Assert.Single(r.Appraisals);
        // Every piece fetched, the collateral's signature checked with the PCS issuer chain, the CRLs checked, then the TCB
        // evaluated: this quote's PCK components are below every level of its FMSPC's TCB info (tests/TestData README).
        Assert.Equal("TcbLevelNotSupported", a.Reason);
        Assert.Contains("no tcbInfo level (FMSPC 50806f000000) is met", a.Message);
        Assert.DoesNotContain(a.Warnings, w => w.Contains("signature", StringComparison.Ordinal) || w.Contains("CRL", StringComparison.Ordinal));
        Assert.Equal(
            ["/tdx/certification/v4/tcb?fmspc=50806F000000", "/tdx/certification/v4/qe/identity", "/sgx/certification/v4/pckcrl?ca=platform&encoding=der", "/IntelSGXRootCA.der"],
            _fetcher.Fetched.Items.Select(i => i.Url!.PathAndQuery));
    }

    [Fact]
    public void Tdx_TcbInfoNotAtPcs_IsAnInputError_NamingIt()
    {
        var e = Assert.Throws<VerificationInputException>(() => AttestationPlatforms.VerifyFile(File.ReadAllBytes(RepoPaths.Vector("tdx", "quote_v5_sample.dat")),
            new VerifyOptions { Fetcher = _fetcher }));
        Assert.Contains("--fetch: the TDX TCB info of FMSPC 90c06f000000 at", e.Message);
        Assert.Contains("not found (HTTP 404", e.Message);
    }

    [Fact]
    public void Gpu_RimsAreFetchedByTheIdsTheReportNames()
    {
        FileAppraisal r = AttestationPlatforms.VerifyFile(File.ReadAllBytes(RepoPaths.Vector("nvidia", "sdk-hopper-535-report.txt")), new VerifyOptions
        {
            Fetcher = _fetcher,
            CertificateFiles = [RepoPaths.Vector("nvidia", "sdk-hopper-535-certchain.txt")],
            Nonce = "27a328247bf7935c993341cf587be6f05986ccce4fe7ba2c54100bd616a58f66",
            Time = DateTimeOffset.Parse("2025-05-01T00:00:00Z"),
        });
        Appraisal a = Assert.Single(r.Appraisals);
        AppraisalCheck vbios = a.Checks.Single(c => c.Name == "vbios rim");
        Assert.Equal(CheckStatus.Fail, vbios.Status);
        Assert.Contains("measurements differ from RIM", vbios.Reason);
        Assert.Contains("RIM index 9 (measurement block 10", vbios.Reason);
        AppraisalCheck driver = a.Checks.Single(c => c.Name == "driver rim");
        Assert.Contains("RIM not available for driver 535.86.09 in NVIDIA's RIM service", driver.Reason);
        Assert.Equal(1, _vendor.Hits("/v1/rim/NV_GPU_VBIOS_1010_0200_882_96005E0001"));
        Assert.Equal(1, _vendor.Hits("/v1/rim/NV_GPU_DRIVER_GH100_535.86.09"));
    }
}
