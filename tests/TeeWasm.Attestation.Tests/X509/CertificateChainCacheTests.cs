using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Tests.Platforms.Snp;
using TeeWasm.Attestation.Tests.Platforms.Tdx;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Tests.X509;

public class CertificateChainCacheTests
{
    private static readonly DateTimeOffset s_time = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Snp_cached_chain_hits_and_still_rejects_a_flipped_report()
    {
        var cache = new CertificateChainCache(4);
        var verifier = new SnpVerifier();
        var options = new SnpVerificationOptions { Certificates = [SnpVectors.MilanVcek], VerificationTime = s_time, ChainCache = cache };
        byte[] report = SnpVectors.MilanReport;
        Assert.True(verifier.Verify(report, options).IsValid);
        Assert.Equal((0L, 1L, 1), (cache.Hits, cache.Misses, cache.Count));
        Assert.True(verifier.Verify(report, options).IsValid);
        Assert.Equal(1L, cache.Hits);

        report[SnpReport.MeasurementOffset] ^= 1;
        SnpVerificationResult flipped = verifier.Verify(report, options);
        Assert.Equal(SnpFailureReason.SignatureInvalid, flipped.Reason);
        Assert.Equal(2L, cache.Hits);
    }

    [Fact]
    public void Snp_cache_is_not_used_outside_the_chain_validity_window()
    {
        var cache = new CertificateChainCache();
        var verifier = new SnpVerifier();
        byte[] report = SnpVectors.MilanReport;
        Assert.True(verifier.Verify(report, new() { Certificates = [SnpVectors.MilanVcek], VerificationTime = s_time, ChainCache = cache }).IsValid);
        // The VCEK expires 2029-09-24: at a later time the cached chain must not be used, and the expiry is named.
        SnpVerificationResult late = verifier.Verify(report, new() { Certificates = [SnpVectors.MilanVcek], VerificationTime = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero), ChainCache = cache });
        Assert.Equal(SnpFailureReason.CertificateExpired, late.Reason);
        Assert.Contains("VCEK expired", late.Message, StringComparison.Ordinal);
        Assert.Equal(0L, cache.Hits);
    }

    [Fact]
    public void Snp_different_chain_is_a_different_key()
    {
        var cache = new CertificateChainCache();
        var verifier = new SnpVerifier();
        byte[] report = SnpVectors.MilanReport;
        Assert.True(verifier.Verify(report, new() { Certificates = [SnpVectors.MilanVcek], VerificationTime = s_time, ChainCache = cache }).IsValid);
        SnpVerificationResult genoa = verifier.Verify(report, new()
        {
            Certificates = [SnpVectors.MilanVcek, .. SnpVectors.Chain("amd-root-ask_ark_genoa.pem")],
            VerificationTime = s_time,
            ChainCache = cache,
        });
        Assert.Equal(SnpFailureReason.ChainInvalid, genoa.Reason);
        Assert.Equal(0L, cache.Hits);
        Assert.Equal(1, cache.Count); // failures are never cached
    }

    [Fact]
    public void Tdx_cached_chain_hits_and_still_rejects_flipped_quote_and_qe_report()
    {
        var cache = new CertificateChainCache();
        var options = new TdxVerificationOptions { VerificationTime = TdxTestData.Feb2026, ChainCache = cache };
        byte[] quote = TdxTestData.Quote(TdxTestData.SprV4);
        TdxVerificationResult first = TdxQuoteVerifier.Verify(quote, options);
        Assert.True(first.IsValid, first.ToString());
        TdxVerificationResult second = TdxQuoteVerifier.Verify(quote, options);
        Assert.True(second.IsValid, second.ToString());
        Assert.Equal(first.Pck!.FmspcHex, second.Pck!.FmspcHex);
        Assert.Equal(1L, cache.Hits);

        byte[] body = (byte[])quote.Clone();
        body[48 + 136] ^= 1; // MRTD
        Assert.Equal(TdxFailureReason.QuoteSignatureInvalid, TdxQuoteVerifier.Verify(body, options).Reason);

        // The QE report signature (checked with the cached PCK leaf) still fails when the QE report changes and is
        // re-bound: flip a byte of the QE report signature itself.
        byte[] qeSig = (byte[])quote.Clone();
        int qeSigOffset = first.Quote!.SignedData.Length + 4 + 64 + 64 + 6 + SgxReportBody.Size;
        qeSig[qeSigOffset + 5] ^= 1;
        TdxVerificationResult r = TdxQuoteVerifier.Verify(qeSig, options);
        Assert.Equal(TdxFailureReason.QeReportSignatureInvalid, r.Reason);
        Assert.Equal(2L, cache.Hits);
    }

    [Fact]
    public void Tdx_cache_is_not_used_outside_the_window()
    {
        var cache = new CertificateChainCache();
        byte[] quote = TdxTestData.Quote(TdxTestData.SampleV5); // PCK valid 2026-01-27 → 2033-01-27
        Assert.True(TdxQuoteVerifier.Verify(quote, new() { VerificationTime = TdxTestData.Feb2026, ChainCache = cache }).IsValid);
        TdxVerificationResult early = TdxQuoteVerifier.Verify(quote, new() { VerificationTime = TdxTestData.Jun2023, ChainCache = cache });
        Assert.Equal(TdxFailureReason.CertificateExpired, early.Reason);
        Assert.Equal(0L, cache.Hits);
    }

    [Fact]
    public void Capacity_bounds_the_entries()
    {
        var cache = new CertificateChainCache(2);
        for (int i = 0; i < 5; i++)
        {
            cache.Add(CertificateChainCache.Key("t", new byte[] { (byte)i }), DateTimeOffset.MinValue, DateTimeOffset.MaxValue, new object());
        }
        Assert.Equal(2, cache.Count);
        Assert.False(cache.TryGet(CertificateChainCache.Key("t", new byte[] { 0 }), DateTimeOffset.UnixEpoch, out object _));
        Assert.True(cache.TryGet(CertificateChainCache.Key("t", new byte[] { 4 }), DateTimeOffset.UnixEpoch, out object _));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CertificateChainCache(0));
    }
}
