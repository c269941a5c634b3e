using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Platforms.Tdx;

namespace TeeWasm.Attestation.Tests.Platforms.Tdx;

public class TdxQuoteVerifierTests
{
    private static TdxVerificationOptions At(DateTimeOffset t) => new() { VerificationTime = t };

    [Theory]
    [InlineData(TdxTestData.SprV4)]
    [InlineData(TdxTestData.SampleV5)]
    [InlineData(TdxTestData.Cos)]
    [InlineData(TdxTestData.AzureV4)]
    [InlineData(TdxTestData.AzureV5)]
    public void Real_quotes_have_a_valid_signature_chain(string file)
    {
        TdxVerificationResult r = TdxQuoteVerifier.Verify(TdxTestData.Quote(file), At(TdxTestData.Feb2026));
        Assert.True(r.IsValid, r.ToString());
        Assert.Equal(TdxFailureReason.None, r.Reason);
        Assert.NotNull(r.Quote);
        Assert.NotNull(r.Pck);
        Assert.Null(r.TcbStatus);
        Assert.Contains(r.Warnings, w => w.Contains("no collateral", StringComparison.Ordinal));
    }

    [Fact]
    public void Pinned_root_matches_the_vector_and_its_fingerprint()
    {
        using X509Certificate2 root = IntelSgxRootCa.Create();
        Assert.Equal(IntelSgxRootCa.Sha256Fingerprint, Convert.ToHexString(SHA256.HashData(root.RawData)));
        using X509Certificate2 vector = X509Certificate2.CreateFromPem(File.ReadAllText(TdxTestData.Path("intel-sgx-root-ca.pem")));
        Assert.Equal(vector.RawData, root.RawData);
    }

    public static TheoryData<string, int> FlipPositions()
    {
        var d = new TheoryData<string, int>();
        foreach (string f in new[] { TdxTestData.SprV4, TdxTestData.SampleV5, TdxTestData.AzureV5 })
        {
            foreach (int p in new[] { 8, 12, 30, 47, 48 + 0, 48 + 136, 48 + 520, 48 + 583 })
            {
                d.Add(f, p);
            }
        }
        d.Add(TdxTestData.SampleV5, 48 + 6 + 647); // last byte of a TD report 1.5 (MRSERVICETD)
        d.Add(TdxTestData.SampleV5, 48 + 6 + 590); // TEE_TCB_SVN_2
        return d;
    }

    [Theory]
    [MemberData(nameof(FlipPositions))]
    public void Any_flipped_bit_in_header_or_body_is_rejected(string file, int offset)
    {
        byte[] data = TdxTestData.Quote(file);
        data[offset] ^= 0x01;
        TdxVerificationResult r = TdxQuoteVerifier.Verify(data, At(TdxTestData.Feb2026));
        Assert.False(r.IsValid);
        Assert.Contains(r.Reason, new[] { TdxFailureReason.QuoteSignatureInvalid, TdxFailureReason.MalformedQuote });
        if (offset is not (0 or 2 or 4 or 48)) // fields the parser checks first
        {
            Assert.Equal(TdxFailureReason.QuoteSignatureInvalid, r.Reason);
        }
    }

    [Fact]
    public void Flipped_signature_byte_is_rejected()
    {
        byte[] data = TdxTestData.Quote(TdxTestData.SprV4);
        data[TdxQuote.Parse(data).SignedData.Length + 4 + 10] ^= 0x80;
        Assert.Equal(TdxFailureReason.QuoteSignatureInvalid, TdxQuoteVerifier.Verify(data, At(TdxTestData.Feb2026)).Reason);
    }

    [Theory]
    [InlineData(TdxTestData.SprV4)]
    [InlineData(TdxTestData.SampleV5)]
    public void Changed_qe_auth_data_breaks_the_qe_report_binding(string file)
    {
        byte[] data = TdxTestData.Quote(file);
        data[TdxTestData.QeAuthDataOffset(TdxQuote.Parse(data)) + 3] ^= 0x01;
        TdxVerificationResult r = TdxQuoteVerifier.Verify(data, At(TdxTestData.Feb2026));
        Assert.Equal(TdxFailureReason.QeReportBindingInvalid, r.Reason);
        Assert.Contains("SHA-256(attestation key ‖ QE auth data)", r.Message);
    }

    [Fact]
    public void Changed_qe_report_breaks_the_pck_signature()
    {
        byte[] data = TdxTestData.Quote(TdxTestData.SampleV5);
        int qeReport = TdxQuote.Parse(data).SignedData.Length + 4 + 128 + 6;
        data[qeReport + SgxReportBody.IsvSvnOffset] ^= 0x01;
        Assert.Equal(TdxFailureReason.QeReportSignatureInvalid, TdxQuoteVerifier.Verify(data, At(TdxTestData.Feb2026)).Reason);
    }

    [Fact]
    public void A_chain_to_a_foreign_root_is_rejected_even_with_intels_root_name()
    {
        TdxQuote q = TdxQuote.Parse(TdxTestData.Quote(TdxTestData.SampleV5));
        var real = new X509Certificate2Collection();
        real.ImportFromPem(q.SignatureData.PckCertificateChainPem!);
        X509Extension sgx = real[0].Extensions[PckCertificateExtensions.SgxExtensionOid]!;
        using var pki = new TestPki(sgx, TdxTestData.Feb2026.AddYears(-1), TdxTestData.Feb2026.AddYears(1));
        byte[] forged = pki.Reissue(q);

        TdxVerificationResult r = TdxQuoteVerifier.Verify(forged, At(TdxTestData.Feb2026));
        Assert.Equal(TdxFailureReason.PckChainUntrusted, r.Reason);
        Assert.Contains("pinned", r.Message);

        // The same forged quote passes when its root is trusted: the rejection above is due to the root alone.
        TdxVerificationResult trusted = TdxQuoteVerifier.Verify(forged, new TdxVerificationOptions { VerificationTime = TdxTestData.Feb2026, TrustedRootOverride = pki.Root });
        Assert.True(trusted.IsValid, trusted.ToString());

        // Without the root in the PEM, the chain ends at the intermediate whose issuer name is Intel's: the signature check catches it.
        byte[] noRoot = TdxTestData.Rebuild(q, pki.ChainPem(includeRoot: false), pki.LeafKey.SignData(q.SignatureData.QeReport.Raw.Span, HashAlgorithmName.SHA256));
        Assert.Equal(TdxFailureReason.PckChainInvalid, TdxQuoteVerifier.Verify(noRoot, At(TdxTestData.Feb2026)).Reason);
    }

    [Fact]
    public void Certificate_validity_is_checked_at_the_verification_time()
    {
        byte[] v5 = TdxTestData.Quote(TdxTestData.SampleV5);
        TdxVerificationResult early = TdxQuoteVerifier.Verify(v5, At(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal(TdxFailureReason.CertificateExpired, early.Reason);
        Assert.Contains("'Intel SGX PCK Certificate' is not yet valid", early.Message);

        TdxVerificationResult late = TdxQuoteVerifier.Verify(TdxTestData.Quote(TdxTestData.SprV4), At(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal(TdxFailureReason.CertificateExpired, late.Reason);
        Assert.Contains("'Intel SGX PCK Certificate' is expired", late.Message);

        Assert.True(TdxQuoteVerifier.Verify(v5, At(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero))).IsValid); // inside 2026-01-27 → 2033-01-27
        // Without a time the verification time is now (whatever the verdict on that day).
        Assert.InRange(TdxQuoteVerifier.Verify(v5).VerificationTime, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
    }

    private static TdxVerificationOptions WithCollateral(DateTimeOffset t, TdxCollateral c, bool allowExpired = false, bool allowUnsigned = true) =>
        new() { VerificationTime = t, Collateral = c, AllowExpiredCollateral = allowExpired, AllowUnverifiedCollateralSignature = allowUnsigned };

    [Fact]
    public void Quote_v5_sample_with_v5_tcbinfo_is_up_to_date()
    {
        var c = TdxCollateral.Load(TdxTestData.Path("sample_tcbinfo_response_v5"));
        TdxVerificationResult r = TdxQuoteVerifier.Verify(TdxTestData.Quote(TdxTestData.SampleV5), WithCollateral(TdxTestData.Feb2026, c));
        Assert.True(r.IsValid, r.ToString());
        Assert.Equal(TcbStatus.UpToDate, r.TcbStatus);
        Assert.Equal(TcbStatus.UpToDate, r.PlatformTcbStatus);
        Assert.Equal(TcbStatus.UpToDate, r.TdxModuleTcbStatus);
        Assert.Equal(new DateTimeOffset(2024, 11, 13, 0, 0, 0, TimeSpan.Zero), r.TcbDate);
        Assert.False(r.CollateralExpired);
        Assert.False(r.CollateralSignatureVerified);
        Assert.Contains("collateral signature not checked: no TCB signing chain given", r.Warnings);
    }

    [Fact]
    public void Unsigned_collateral_is_never_silently_valid()
    {
        var c = TdxCollateral.Load(TdxTestData.Path("sample_tcbinfo_response_v5"));
        TdxVerificationResult r = TdxQuoteVerifier.Verify(TdxTestData.Quote(TdxTestData.SampleV5), WithCollateral(TdxTestData.Feb2026, c, allowUnsigned: false));
        Assert.Equal(TdxFailureReason.CollateralSignatureNotChecked, r.Reason);
        Assert.Equal("collateral signature not checked: no TCB signing chain given", r.Message);
    }

    [Fact]
    public void Spr_quote_with_its_tcbinfo_has_no_matching_tcb_level()
    {
        var c = TdxCollateral.Load(TdxTestData.Path("sample_tcbInfo_response"));
        TdxVerificationResult r = TdxQuoteVerifier.Verify(TdxTestData.Quote(TdxTestData.SprV4), WithCollateral(new DateTimeOffset(2023, 7, 1, 0, 0, 0, TimeSpan.Zero), c));
        Assert.Equal(TdxFailureReason.TcbLevelNotSupported, r.Reason);
        Assert.Contains("TCB level not supported", r.Message);
        Assert.Contains("3,3,2,2,2,1,0,2", r.Message);
    }

    [Theory]
    [InlineData(TdxTestData.AzureV4)]
    [InlineData(TdxTestData.AzureV5)]
    public void Azure_quotes_with_v5_tcbinfo_have_no_matching_tcb_level(string file)
    {
        var c = TdxCollateral.Load(TdxTestData.Path("sample_tcbinfo_response_v5"));
        TdxVerificationResult r = TdxQuoteVerifier.Verify(TdxTestData.Quote(file), WithCollateral(TdxTestData.Feb2026, c));
        Assert.Equal(TdxFailureReason.TcbLevelNotSupported, r.Reason);
        Assert.Contains("TCB level not supported", r.Message);
    }

    [Fact]
    public void Tcbinfo_for_another_fmspc_is_rejected()
    {
        var c = TdxCollateral.Load(TdxTestData.Path("sample_tcbinfo_response_v5"));
        TdxVerificationResult r = TdxQuoteVerifier.Verify(TdxTestData.Quote(TdxTestData.SprV4), WithCollateral(TdxTestData.Feb2026, c));
        Assert.Equal(TdxFailureReason.FmspcMismatch, r.Reason);
    }

    [Theory]
    [InlineData(TdxTestData.SprV4)]
    [InlineData(TdxTestData.SampleV5)]
    [InlineData(TdxTestData.Cos)]
    [InlineData(TdxTestData.AzureV4)]
    [InlineData(TdxTestData.AzureV5)]
    public void Qe_identity_is_up_to_date_for_every_quote(string file)
    {
        var c = TdxCollateral.Load(null, TdxTestData.Path("sample_qeIdentity_response"));
        TdxVerificationResult r = TdxQuoteVerifier.Verify(TdxTestData.Quote(file), WithCollateral(TdxTestData.Feb2026, c, allowExpired: true));
        Assert.True(r.IsValid, r.ToString());
        Assert.Equal(TcbStatus.UpToDate, r.QeIdentityStatus);
        Assert.True(r.CollateralExpired);
        Assert.Contains(r.Warnings, w => w.StartsWith("collateral expired (QE identity nextUpdate", StringComparison.Ordinal));
    }

    [Fact]
    public void Qe_identity_with_another_mrsigner_is_rejected()
    {
        string json = File.ReadAllText(TdxTestData.Path("sample_qeIdentity_response")).Replace("DC9E2A7C", "DC9E2A7D", StringComparison.Ordinal);
        var c = new TdxCollateral { QeIdentity = TdxQeIdentity.Parse(System.Text.Encoding.UTF8.GetBytes(json)) };
        TdxVerificationResult r = TdxQuoteVerifier.Verify(TdxTestData.Quote(TdxTestData.SprV4), WithCollateral(TdxTestData.Jun2023, c));
        Assert.Equal(TdxFailureReason.QeIdentityMismatch, r.Reason);
        Assert.Contains("MRSIGNER", r.Message);
    }

    [Fact]
    public void Collateral_after_its_next_update_is_expired()
    {
        var after = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero); // after nextUpdate, inside the PCK's validity
        var c = TdxCollateral.Load(TdxTestData.Path("sample_tcbinfo_response_v5"), TdxTestData.Path("sample_qeIdentity_response"));
        TdxVerificationResult r = TdxQuoteVerifier.Verify(TdxTestData.Quote(TdxTestData.SampleV5), new TdxVerificationOptions { VerificationTime = after, Collateral = c, AllowUnverifiedCollateralSignature = true });
        Assert.Equal(TdxFailureReason.CollateralExpired, r.Reason);
        Assert.StartsWith("collateral expired (tcbInfo nextUpdate 2026-03-03 14:49:26Z", r.Message);
        Assert.True(r.CollateralExpired);

        // Policy may accept expired collateral: then the verdict is the TCB status, and the expiry is still reported.
        TdxVerificationResult allowed = TdxQuoteVerifier.Verify(TdxTestData.Quote(TdxTestData.SampleV5), new TdxVerificationOptions { VerificationTime = after, Collateral = c, AllowUnverifiedCollateralSignature = true, AllowExpiredCollateral = true });
        Assert.True(allowed.IsValid, allowed.ToString());
        Assert.Equal(TcbStatus.UpToDate, allowed.TcbStatus);
        Assert.Equal(2, allowed.Warnings.Count(w => w.StartsWith("collateral expired", StringComparison.Ordinal)));
    }

    [Fact]
    public void Crls_are_checked_and_their_expiry_reported()
    {
        var c = TdxCollateral.Load(null, null, null, TdxTestData.Path("pckcrl"), TdxTestData.Path("rootcrl.der"));
        Assert.Equal(2, c.Crls.Count);
        TdxVerificationResult ok = TdxQuoteVerifier.Verify(TdxTestData.Quote(TdxTestData.SprV4), WithCollateral(TdxTestData.Jun2023, c));
        Assert.True(ok.IsValid, ok.ToString());

        TdxVerificationResult stale = TdxQuoteVerifier.Verify(TdxTestData.Quote(TdxTestData.SampleV5), WithCollateral(TdxTestData.Feb2026, c));
        Assert.Equal(TdxFailureReason.CollateralExpired, stale.Reason);
        Assert.Contains("CRL of", stale.Message);

        // A CRL byte flipped inside its signed part → CRL signature fails.
        byte[] crl = File.ReadAllBytes(TdxTestData.Path("pckcrl"));
        crl[crl.Length - 120] ^= 0x01;
        var bad = new TdxCollateral { Crls = [SgxCertificateRevocationList.Parse(crl)] };
        Assert.Equal(TdxFailureReason.CrlInvalid, TdxQuoteVerifier.Verify(TdxTestData.Quote(TdxTestData.SprV4), WithCollateral(TdxTestData.Jun2023, bad)).Reason);
    }

    [Fact]
    public void A_revoked_pck_is_rejected()
    {
        TdxQuote q = TdxQuote.Parse(TdxTestData.Quote(TdxTestData.SampleV5));
        var real = new X509Certificate2Collection();
        real.ImportFromPem(q.SignatureData.PckCertificateChainPem!);
        using var pki = new TestPki(real[0].Extensions[PckCertificateExtensions.SgxExtensionOid]!, TdxTestData.Feb2026.AddYears(-1), TdxTestData.Feb2026.AddYears(1));
        var builder = new CertificateRevocationListBuilder();
        builder.AddEntry(pki.Leaf, TdxTestData.Feb2026.AddDays(-1));
        byte[] crlDer = builder.Build(pki.Ca, 1, TdxTestData.Feb2026.AddDays(10), HashAlgorithmName.SHA256, thisUpdate: TdxTestData.Feb2026.AddDays(-1));
        var c = new TdxCollateral { Crls = [SgxCertificateRevocationList.Parse(crlDer)] };
        TdxVerificationResult r = TdxQuoteVerifier.Verify(pki.Reissue(q), new TdxVerificationOptions { VerificationTime = TdxTestData.Feb2026, Collateral = c, TrustedRootOverride = pki.Root });
        Assert.Equal(TdxFailureReason.CertificateRevoked, r.Reason);
        Assert.Contains("Intel SGX PCK Certificate", r.Message);
    }

    [Fact]
    public void Collateral_signatures_are_checked_with_a_tcb_signing_chain()
    {
        TdxQuote q = TdxQuote.Parse(TdxTestData.Quote(TdxTestData.SampleV5));
        var real = new X509Certificate2Collection();
        real.ImportFromPem(q.SignatureData.PckCertificateChainPem!);
        using var pki = new TestPki(real[0].Extensions[PckCertificateExtensions.SgxExtensionOid]!, TdxTestData.Feb2026.AddYears(-1), TdxTestData.Feb2026.AddYears(1));
        byte[] quote = pki.Reissue(q);
        using ECDsa signingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using X509Certificate2 signing = new CertificateRequest("CN=Intel SGX TCB Signing, O=Intel Corporation, L=Santa Clara, S=CA, C=US", signingKey, HashAlgorithmName.SHA256)
            .Create(pki.Root, TdxTestData.Feb2026.AddYears(-1), TdxTestData.Feb2026.AddYears(1), [7]);

        string body = System.Text.Encoding.UTF8.GetString(TdxTcbInfo.Parse(File.ReadAllBytes(TdxTestData.Path("sample_tcbinfo_response_v5"))).SignedBody.Span);
        string Signed(string b) => "{\"tcbInfo\":" + b + ",\"signature\":\"" + Convert.ToHexStringLower(signingKey.SignData(System.Text.Encoding.UTF8.GetBytes(b), HashAlgorithmName.SHA256)) + "\"}";
        TdxVerificationResult Run(string response, X509Certificate2Collection chain) => TdxQuoteVerifier.Verify(quote, new TdxVerificationOptions
        {
            VerificationTime = TdxTestData.Feb2026,
            TrustedRootOverride = pki.Root,
            Collateral = new TdxCollateral { TcbInfo = TdxTcbInfo.Parse(System.Text.Encoding.UTF8.GetBytes(response)), TcbSigningChain = chain },
        });

        TdxVerificationResult good = Run(Signed(body), [signing, pki.Root]);
        Assert.True(good.IsValid, good.ToString());
        Assert.True(good.CollateralSignatureVerified);
        Assert.Equal(TcbStatus.UpToDate, good.TcbStatus);
        Assert.DoesNotContain(good.Warnings, w => w.Contains("signature", StringComparison.Ordinal));

        TdxVerificationResult tampered = Run(Signed(body).Replace("\"tcbEvaluationDataNumber\":18", "\"tcbEvaluationDataNumber\":19", StringComparison.Ordinal), [signing, pki.Root]);
        Assert.Equal(TdxFailureReason.CollateralSignatureInvalid, tampered.Reason);

        // A signing chain that does not reach the trusted root is refused.
        using ECDsa otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using X509Certificate2 selfSigned = new CertificateRequest("CN=Intel SGX TCB Signing", otherKey, HashAlgorithmName.SHA256)
            .CreateSelfSigned(TdxTestData.Feb2026.AddYears(-1), TdxTestData.Feb2026.AddYears(1));
        Assert.Equal(TdxFailureReason.CollateralSignatureInvalid, Run(Signed(body), [selfSigned]).Reason);
    }

    [Fact]
    public void A_revoked_pck_is_rejected_with_its_serial_and_the_crl_file_named()
    {
        TdxQuote q = TdxQuote.Parse(TdxTestData.Quote(TdxTestData.SampleV5));
        var real = new X509Certificate2Collection();
        real.ImportFromPem(q.SignatureData.PckCertificateChainPem!);
        using var pki = new TestPki(real[0].Extensions[PckCertificateExtensions.SgxExtensionOid]!, TdxTestData.Feb2026.AddYears(-1), TdxTestData.Feb2026.AddYears(1));
        var builder = new CertificateRevocationListBuilder();
        builder.AddEntry(pki.Leaf, TdxTestData.Feb2026.AddDays(-1));
        string dir = TestSupport.NewTempDir();
        try
        {
            string crlFile = Path.Combine(dir, "pck_crl_platform.der");
            File.WriteAllBytes(crlFile, builder.Build(pki.Ca, 1, TdxTestData.Feb2026.AddDays(10), HashAlgorithmName.SHA256, thisUpdate: TdxTestData.Feb2026.AddDays(-1)));
            TdxVerificationResult r = TdxQuoteVerifier.Verify(pki.Reissue(q), new TdxVerificationOptions
            {
                VerificationTime = TdxTestData.Feb2026, Collateral = TdxCollateral.LoadDirectory(dir), TrustedRootOverride = pki.Root,
            });
            Assert.Equal(TdxFailureReason.CertificateRevoked, r.Reason);
            Assert.Contains($"(serial {pki.Leaf.SerialNumber}) is revoked by the CRL of", r.Message);
            Assert.EndsWith($"({crlFile})", r.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
