using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
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
    public void Tdx_attestation_key_is_cached_by_its_exact_bytes_and_is_not_a_chain_entry()
    {
        var cache = new CertificateChainCache();
        var options = new TdxVerificationOptions { VerificationTime = TdxTestData.Feb2026, ChainCache = cache };
        byte[] quote = TdxTestData.Quote(TdxTestData.SprV4);
        Assert.True(TdxQuoteVerifier.Verify(quote, options).IsValid);
        Assert.Equal((0L, 1L, 1), (cache.Hits, cache.Misses, cache.Count)); // the imported key counts in none of them

        // Another attestation key in the same quote (a byte of its X changed): not the cached key, so imported anew,
        // and the quote signature fails with it (or the point is not on the curve); never verified with the cached key.
        byte[] otherKey = (byte[])quote.Clone();
        int keyOffset = TdxQuote.Parse(quote).SignedData.Length + TdxQuoteSignatureData.AttestationKeyOffset + 4;
        otherKey[keyOffset + 7] ^= 1;
        TdxVerificationResult r = TdxQuoteVerifier.Verify(otherKey, options);
        Assert.Contains(r.Reason, new[] { TdxFailureReason.QuoteSignatureInvalid, TdxFailureReason.InvalidAttestationKey });

        // The original still verifies from the cache afterwards.
        Assert.True(TdxQuoteVerifier.Verify(quote, options).IsValid);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void Tdx_cached_chain_is_not_used_for_another_trusted_root()
    {
        var cache = new CertificateChainCache();
        byte[] quote = TdxTestData.Quote(TdxTestData.SampleV5);
        Assert.True(TdxQuoteVerifier.Verify(quote, new() { VerificationTime = TdxTestData.Feb2026, ChainCache = cache }).IsValid);

        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Intel SGX Root CA, O=Intel Corporation, L=Santa Clara, S=CA, C=US", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using X509Certificate2 other = request.CreateSelfSigned(TdxTestData.Feb2026.AddYears(-1), TdxTestData.Feb2026.AddYears(1));
        TdxVerificationResult r = TdxQuoteVerifier.Verify(quote, new() { VerificationTime = TdxTestData.Feb2026, ChainCache = cache, TrustedRootOverride = other });
        Assert.Equal(TdxFailureReason.PckChainUntrusted, r.Reason);
        Assert.Equal(0L, cache.Hits);
    }

    [Fact]
    public void Tdx_cached_keys_serve_concurrent_verifications()
    {
        var cache = new CertificateChainCache();
        var options = new TdxVerificationOptions { VerificationTime = TdxTestData.Feb2026, ChainCache = cache };
        byte[] quote = TdxTestData.Quote(TdxTestData.SprV4);
        byte[] flipped = (byte[])quote.Clone();
        flipped[48 + 136] ^= 1; // MRTD: the quote signature must fail, also with the shared cached key
        Assert.True(TdxQuoteVerifier.Verify(quote, options).IsValid);
        var reasons = new TdxFailureReason[64];
        Parallel.For(0, reasons.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            i => reasons[i] = TdxQuoteVerifier.Verify(i % 2 == 0 ? quote : flipped, options).Reason);
        for (int i = 0; i < reasons.Length; i++)
            Assert.Equal(i % 2 == 0 ? TdxFailureReason.None : TdxFailureReason.QuoteSignatureInvalid, reasons[i]);
        Assert.Equal(32L, cache.Hits); // the flipped quotes fail at their signature, before the chain lookup
    }

    [Fact]
    public void Keys_are_bounded_by_the_capacity_and_dropped_by_clear()
    {
        var cache = new CertificateChainCache(2);
        int made = 0;
        object Make() { made++; return new object(); }
        for (int i = 0; i < 3; i++) cache.GetOrAddKey(CertificateChainCache.Key("k", new byte[] { (byte)i }), Make);
        Assert.Equal(3, made);
        cache.GetOrAddKey(CertificateChainCache.Key("k", new byte[] { 2 }), Make); // held
        Assert.Equal(3, made);
        cache.GetOrAddKey(CertificateChainCache.Key("k", new byte[] { 0 }), Make); // the oldest went out
        Assert.Equal(4, made);
        cache.Clear();
        cache.GetOrAddKey(CertificateChainCache.Key("k", new byte[] { 2 }), Make);
        Assert.Equal(5, made);
        Assert.Null(cache.GetOrAddKey<object>(CertificateChainCache.Key("k", new byte[] { 9 }), () => null));
        Assert.Equal(0, cache.Count);
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
