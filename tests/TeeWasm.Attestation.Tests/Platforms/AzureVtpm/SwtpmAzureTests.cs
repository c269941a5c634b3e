using System.Security.Cryptography;
using System.Text;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Linux;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Tests.Platforms.Snp;
using TeeWasm.Attestation.Tpm;

namespace TeeWasm.Attestation.Tests.Platforms.AzureVtpm;

/// <summary>The full Azure vTPM path against a real swtpm: HCL report in NV, TPM2_Quote by the AK, verification.</summary>
public sealed class SwtpmAzureTests : IClassFixture<SwtpmAzureTests.Fixture>
{
    public sealed class Fixture : IDisposable
    {
        public Swtpm Tpm { get; } = new();
        internal TestSnpPki Pki { get; } = new(SnpTcb.Create(3, 0, 8, 0x73), Chip);
        public static readonly byte[] Chip = Enumerable.Repeat((byte)0x5A, 64).ToArray();

        public byte[] Claims(RSA ak) => Encoding.UTF8.GetBytes(
            "{\"keys\":[" + RuntimeClaims.ToJwk(ak) + "],\"vm-configuration\":{\"secure-boot\":true,\"tpm-enabled\":true,\"vmUniqueId\":\"TEST\"},\"user-data\":\"00\"}");

        public byte[] SignedSnp(ReadOnlySpan<byte> claims)
        {
            byte[] reportData = new byte[64];
            SHA256.HashData(claims).CopyTo(reportData, 0);
            return Pki.Sign(new SnpReport
            {
                ReportedTcb = SnpTcb.Create(3, 0, 8, 0x73), ChipId = Chip, ReportData = reportData,
                Measurement = Enumerable.Repeat((byte)0x11, 48).ToArray(),
            });
        }

        /// <summary>An HCL report trimmed to its meaningful length (swtpm allows 2048-byte NV indices, Azure's is 2600).</summary>
        public byte[] Hcl(byte[] snp, byte[] claims) =>
            HclReport.Build(HclReportType.Snp, snp, claims, totalSize: HclReport.RuntimeClaimsOffset + claims.Length);

        public void Dispose()
        {
            Tpm.Dispose();
            Pki.Dispose();
        }
    }

    private readonly Fixture _f;

    public SwtpmAzureTests(Fixture f) => _f = f;

    private AzureVtpmEvidenceSource Source() => new(() => _f.Tpm.Connect(), TeeType.AmdSevSnp, new AzureVtpmOptions
    {
        Certificates = [_f.Pki.Vcek, _f.Pki.Ask],
        TrustedRoots = [_f.Pki.Ark],
    });

    private static byte[] Binding(byte nonce) => ReportDataBinding.Compute(new byte[32], new byte[65], [nonce]);

    [Fact]
    public void NvReadReturnsTheProvisionedReport()
    {
        byte[] claims = _f.Claims(_f.Tpm.AkPublic);
        byte[] hcl = _f.Hcl(_f.SignedSnp(claims), claims);
        _f.Tpm.ProvisionHcl(hcl);
        using var tpm = new Tpm2Client(_f.Tpm.Connect());
        Assert.Equal(hcl, tpm.ReadNv(Swtpm.HclIndex));
    }

    [Fact]
    public void FullPath_ReadQuoteVerify_IsValid()
    {
        byte[] claims = _f.Claims(_f.Tpm.AkPublic);
        _f.Tpm.ProvisionHcl(_f.Hcl(_f.SignedSnp(claims), claims));
        byte[] binding = Binding(1);

        var evidence = Source().Attest(binding, [1], new byte[32]);

        Assert.Equal("AMD SEV-SNP", evidence.Verified.Platform);
        Assert.Equal(Enumerable.Repeat((byte)0x11, 48), evidence.Verified.Measurement);
        Assert.Contains("TPM quote signed by HCLAkPub", evidence.Verified.VerifierNote);
        using var doc = System.Text.Json.JsonDocument.Parse(evidence.EvidenceJson);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(binding)), doc.RootElement.GetProperty("tpm_quote").GetProperty("nonce").GetString());
        Assert.Equal(24, doc.RootElement.GetProperty("tpm_quote").GetProperty("pcrs").GetArrayLength());
    }

    [Fact]
    public void Quote_Parses_AndCarriesNonceAndPcrDigest()
    {
        using var tpm = new Tpm2Client(_f.Tpm.Connect());
        byte[] nonce = RandomNumberGenerator.GetBytes(32);
        var sel = new TpmPcrSelection([0, 1, 2, 16]);
        var quote = tpm.Quote(Swtpm.AkHandle, nonce, sel);
        var pcrs = tpm.ReadPcrs(sel);
        var attest = TpmAttest.Parse(quote.Attest);
        Assert.Equal(nonce, attest.ExtraData);
        Assert.Equal(TpmSignature.AlgRsaSsa, quote.Signature.SignatureAlgorithm);
        Assert.Equal(SHA256.HashData(pcrs.SelectMany(p => p).ToArray()), attest.PcrDigest);
        Assert.True(quote.Signature.Verify(quote.Attest, _f.Tpm.AkPublic, out _));
        Assert.False(quote.Signature.Verify(quote.Attest, _f.Tpm.OtherAkPublic, out _));
    }

    [Fact]
    public void PssQuote_Verifies()
    {
        byte[] claims = _f.Claims(_f.Tpm.PssAkPublic);
        byte[] hcl = _f.Hcl(_f.SignedSnp(claims), claims);
        using var tpm = new Tpm2Client(_f.Tpm.Connect());
        byte[] nonce = RandomNumberGenerator.GetBytes(32);
        var quote = tpm.Quote(Swtpm.PssAkHandle, nonce);
        Assert.Equal(TpmSignature.AlgRsaPss, quote.Signature.SignatureAlgorithm);
        var result = AzureVtpmVerifier.Verify(hcl, Options(quote, tpm.ReadPcrs(), nonce));
        Assert.True(result.IsValid, result.ToString());
        Assert.True(result.QuoteVerified);
    }

    [Fact]
    public void WrongNonce_IsRejected()
    {
        byte[] claims = _f.Claims(_f.Tpm.AkPublic);
        byte[] hcl = _f.Hcl(_f.SignedSnp(claims), claims);
        using var tpm = new Tpm2Client(_f.Tpm.Connect());
        var quote = tpm.Quote(Swtpm.AkHandle, new byte[32]);
        var result = AzureVtpmVerifier.Verify(hcl, Options(quote, tpm.ReadPcrs(), expectedNonce: Enumerable.Repeat((byte)1, 32).ToArray()));
        Assert.Equal(AzureVtpmFailureReason.NonceMismatch, result.Reason);
    }

    [Fact]
    public void ChangedClaimsByte_BindingFails()
    {
        byte[] claims = _f.Claims(_f.Tpm.AkPublic);
        byte[] snp = _f.SignedSnp(claims);
        claims[^3] ^= 1; // inside "user-data"
        _f.Tpm.ProvisionHcl(_f.Hcl(snp, claims));
        var e = Assert.Throws<AttestationException>(() => Source().Attest(Binding(2), [2], new byte[32]));
        Assert.Contains("not bound", e.Message);
    }

    [Fact]
    public void QuoteByAnotherKey_IsRejected()
    {
        byte[] claims = _f.Claims(_f.Tpm.AkPublic);
        byte[] hcl = _f.Hcl(_f.SignedSnp(claims), claims);
        using var tpm = new Tpm2Client(_f.Tpm.Connect());
        byte[] nonce = new byte[32];
        var quote = tpm.Quote(Swtpm.OtherAkHandle, nonce);
        var result = AzureVtpmVerifier.Verify(hcl, Options(quote, tpm.ReadPcrs(), nonce));
        Assert.Equal(AzureVtpmFailureReason.QuoteSignatureInvalid, result.Reason);

        // Claims naming the other AK (bound to the hardware report) would accept it: the AK comes from the claims.
        byte[] otherClaims = _f.Claims(_f.Tpm.OtherAkPublic);
        var ok = AzureVtpmVerifier.Verify(_f.Hcl(_f.SignedSnp(otherClaims), otherClaims), Options(quote, tpm.ReadPcrs(), nonce));
        Assert.True(ok.IsValid, ok.ToString());
    }

    [Fact]
    public void EvidenceSource_WithAkMismatch_IsRejected()
    {
        byte[] claims = _f.Claims(_f.Tpm.OtherAkPublic);
        _f.Tpm.ProvisionHcl(_f.Hcl(_f.SignedSnp(claims), claims));
        var e = Assert.Throws<AttestationException>(() => Source().Attest(Binding(3), [3], new byte[32]));
        Assert.Contains("does not verify with the attestation key", e.Message);
    }

    [Fact]
    public void FlippedSnpSignature_IsRejected()
    {
        byte[] claims = _f.Claims(_f.Tpm.AkPublic);
        byte[] snp = _f.SignedSnp(claims);
        snp[SnpReport.SignatureROffset] ^= 1;
        _f.Tpm.ProvisionHcl(_f.Hcl(snp, claims));
        var e = Assert.Throws<AttestationException>(() => Source().Attest(Binding(4), [4], new byte[32]));
        Assert.Contains("signature does not verify", e.Message);
    }

    [Fact]
    public void PcrValuesChangedAfterQuote_AreRejected()
    {
        byte[] claims = _f.Claims(_f.Tpm.AkPublic);
        byte[] hcl = _f.Hcl(_f.SignedSnp(claims), claims);
        byte[] nonce = new byte[32];
        TpmQuote quote;
        using (var tpm = new Tpm2Client(_f.Tpm.Connect())) quote = tpm.Quote(Swtpm.AkHandle, nonce);
        _f.Tpm.ExtendPcr16(); // tpm2-tools need the (single-client) swtpm to themselves
        IReadOnlyList<byte[]> pcrs;
        using (var tpm = new Tpm2Client(_f.Tpm.Connect())) pcrs = tpm.ReadPcrs();
        var result = AzureVtpmVerifier.Verify(hcl, Options(quote, pcrs, nonce));
        Assert.Equal(AzureVtpmFailureReason.PcrMismatch, result.Reason);
    }

    [Fact]
    public void MissingNvIndex_IsReported()
    {
        using var tpm = new Tpm2Client(_f.Tpm.Connect());
        Assert.Null(tpm.TryGetNvSize(0x01400099));
        Assert.Throws<TpmException>(() => tpm.Quote(0x81000099, new byte[32]));
    }

    /// <summary>Issue 12, "Test-suite gaps": the three Azure vTPM reasons that were declared but never asserted.</summary>
    [Fact]
    public void NoQuote_WhenOneIsRequired_IsQuoteMissing()
    {
        byte[] claims = _f.Claims(_f.Tpm.AkPublic);
        var result = AzureVtpmVerifier.Verify(_f.Hcl(_f.SignedSnp(claims), claims), new AzureVtpmVerificationOptions
        {
            Certificates = [_f.Pki.Vcek, _f.Pki.Ask],
            TrustedRoots = [_f.Pki.Ark],
            RequireQuote = true,
        });
        Assert.Equal(AzureVtpmFailureReason.QuoteMissing, result.Reason);
        Assert.Equal("no TPM quote: freshness cannot be established", result.Message);
        Assert.True(result.BindingValid);
    }

    [Fact]
    public void TruncatedQuote_IsQuoteMalformed()
    {
        byte[] claims = _f.Claims(_f.Tpm.AkPublic);
        using var tpm = new Tpm2Client(_f.Tpm.Connect());
        byte[] nonce = new byte[32];
        var quote = tpm.Quote(Swtpm.AkHandle, nonce);
        var truncated = quote with { Attest = quote.Attest[..(quote.Attest.Length / 2)] };
        var result = AzureVtpmVerifier.Verify(_f.Hcl(_f.SignedSnp(claims), claims), Options(truncated, tpm.ReadPcrs(), nonce));
        Assert.Equal(AzureVtpmFailureReason.QuoteMalformed, result.Reason);
        Assert.StartsWith("TPM quote: ", result.Message);
    }

    [Fact]
    public void ClaimsWithoutAnAttestationKey_AreAttestationKeyMissing()
    {
        byte[] claims = Encoding.UTF8.GetBytes("{\"keys\":[],\"vm-configuration\":{\"secure-boot\":true,\"tpm-enabled\":true,\"vmUniqueId\":\"TEST\"},\"user-data\":\"00\"}");
        using var tpm = new Tpm2Client(_f.Tpm.Connect());
        byte[] nonce = new byte[32];
        var quote = tpm.Quote(Swtpm.AkHandle, nonce);
        var result = AzureVtpmVerifier.Verify(_f.Hcl(_f.SignedSnp(claims), claims), Options(quote, tpm.ReadPcrs(), nonce));
        Assert.Equal(AzureVtpmFailureReason.AttestationKeyMissing, result.Reason);
        Assert.Equal("runtime claims carry no HCLAkPub key", result.Message);
    }

    private AzureVtpmVerificationOptions Options(TpmQuote quote, IReadOnlyList<byte[]> pcrs, byte[] expectedNonce) => new()
    {
        Certificates = [_f.Pki.Vcek, _f.Pki.Ask],
        TrustedRoots = [_f.Pki.Ark],
        Quote = quote,
        RequireQuote = true,
        ExpectedNonce = expectedNonce,
        PcrValues = pcrs,
    };
}

/// <summary>The Attester facade on a swtpm "Azure CVM": detection via NV index, evidence source from EvidenceSources.</summary>
public sealed class SwtpmAttesterTests : IClassFixture<SwtpmAzureTests.Fixture>
{
    private readonly SwtpmAzureTests.Fixture _f;

    public SwtpmAttesterTests(SwtpmAzureTests.Fixture f) => _f = f;

    [Fact]
    public void Attester_DetectsAzureSnp_AndAttests()
    {
        byte[] claims = _f.Claims(_f.Tpm.AkPublic);
        _f.Tpm.ProvisionHcl(_f.Hcl(_f.SignedSnp(claims), claims));
        var options = new AttesterOptions
        {
            Probe = new TeeProbeOptions
            {
                TpmSocket = _f.Tpm.SocketPath,
                TsmReportRoot = "/nonexistent", SevGuestDevice = "/nonexistent", TdxGuestDevices = [], SevFirmwareDirectory = "/nonexistent",
            },
            AzureVtpm = new AzureVtpmOptions { Certificates = [_f.Pki.Vcek, _f.Pki.Ask], TrustedRoots = [_f.Pki.Ark] },
        };
        using var attester = new Attester(options);
        var detection = attester.DetectTee();
        Assert.Equal(TeeType.AmdSevSnp, detection.Type);
        Assert.StartsWith("vTPM", detection.Source);

        var result = attester.AttestVm([9, 9]);
        Assert.True(result.Success, result.Error);
        Assert.Equal("AMD SEV-SNP", result.TeeType);
        Assert.Contains("\"source\":\"azure-vtpm\"", result.Evidence);

        // The policy sees the SNP report inside, and the binding through the quote's nonce.
        var input = result.Appraisal!.PolicyInput!;
        Assert.True(input.ReportDataBound);
        var policy = Attestation.Policy.AttestationPolicy.Parse("{\"snp\": {\"min_tcb\": {\"snp\": 8}, \"allowed_measurements\": [\"" + new string('1', 96) + "\"]}}");
        var verdict = Attestation.Policy.PolicyEvaluator.Evaluate(policy, input);
        Assert.True(verdict.Allowed, verdict.ToString());
        // Judged for another nonce, the same result is not bound.
        Assert.Contains("report_data does not match the expected binding",
            result.Evaluate(policy, attester.ModuleHash, attester.HostKey.PublicPoint, []).ToString());
    }

    [Fact]
    public void Attester_WithoutVcek_AndTheImdsOff_FailsClosed()
    {
        byte[] claims = _f.Claims(_f.Tpm.AkPublic);
        _f.Tpm.ProvisionHcl(_f.Hcl(_f.SignedSnp(claims), claims));
        var options = new AttesterOptions
        {
            Probe = new TeeProbeOptions { TpmSocket = _f.Tpm.SocketPath },
            FetchVcekFromImds = false,
        };
        using var attester = new Attester(options);
        var result = attester.AttestVm();
        Assert.False(result.Success);
        Assert.Contains("no VCEK certificate", result.Error);
        Assert.StartsWith("none: no VCEK file (--vm-cert) and the Azure IMDS is off", attester.DescribeVcek());
    }

    /// <summary>On a detected Azure CVM the VCEK comes from the IMDS by default, as in the original system.</summary>
    [Fact]
    public void Attester_OnAnAzureCvm_GetsTheVcekFromTheImdsByDefault()
    {
        byte[] claims = _f.Claims(_f.Tpm.AkPublic);
        _f.Tpm.ProvisionHcl(_f.Hcl(_f.SignedSnp(claims), claims));
        using var imds = new FakeImdsThim(_f.Pki.Vcek.ExportCertificatePem(), _f.Pki.Ask.ExportCertificatePem() + "\n" + _f.Pki.Ark.ExportCertificatePem());
        var options = new AttesterOptions
        {
            Probe = new TeeProbeOptions
            {
                TpmSocket = _f.Tpm.SocketPath,
                TsmReportRoot = "/nonexistent", SevGuestDevice = "/nonexistent", TdxGuestDevices = [], SevFirmwareDirectory = "/nonexistent",
            },
            ImdsAddress = imds.Uri, // the loopback stand-in for 169.254.169.254
            AzureVtpm = new AzureVtpmOptions { TrustedRoots = [_f.Pki.Ark] },
        };
        Assert.True(options.FetchVcekFromImds);
        using var attester = new Attester(options);

        var result = attester.AttestVm([7]);

        Assert.True(result.Success, result.Error);
        Assert.Equal(1, imds.Requests);
        using var token = System.Text.Json.JsonDocument.Parse(attester.VerifyToken(result.Token!).ClaimsJson!);
        Assert.EndsWith($"; VCEK from the Azure IMDS ({imds.Endpoint})", token.RootElement.GetProperty("verifier").GetString());
        Assert.Equal($"the Azure IMDS ({imds.Endpoint}): SEV-VCEK (valid {_f.Pki.Vcek.NotBefore.ToUniversalTime():yyyy-MM-dd} to {_f.Pki.Vcek.NotAfter.ToUniversalTime():yyyy-MM-dd})",
            attester.DescribeVcek());
    }
}

/// <summary>The VCEK from the Azure IMDS (a loopback stand-in) for the vTPM source, against a real swtpm.</summary>
public sealed class SwtpmAzureImdsVcekTests : IClassFixture<SwtpmAzureTests.Fixture>
{
    private readonly SwtpmAzureTests.Fixture _f;

    public SwtpmAzureImdsVcekTests(SwtpmAzureTests.Fixture f) => _f = f;

    private FakeImdsThim Imds() =>
        new(_f.Pki.Vcek.ExportCertificatePem(), _f.Pki.Ask.ExportCertificatePem() + "\n" + _f.Pki.Ark.ExportCertificatePem());

    private AzureVtpmEvidenceSource Source(FakeImdsThim imds, Func<AzureVtpmOptions, AzureVtpmOptions>? more = null)
    {
        byte[] claims = _f.Claims(_f.Tpm.AkPublic);
        _f.Tpm.ProvisionHcl(_f.Hcl(_f.SignedSnp(claims), claims));
        var options = new AzureVtpmOptions { TrustedRoots = [_f.Pki.Ark], FetchVcekFromImds = true, ImdsEndpoint = imds.Endpoint };
        return new(() => _f.Tpm.Connect(), TeeType.AmdSevSnp, more is null ? options : more(options));
    }

    private static byte[] Binding(byte nonce) => ReportDataBinding.Compute(new byte[32], new byte[65], [nonce]);

    [Fact]
    public void TheImdsVcekVerifiesTheReport_AndTheNoteSaysWhereItCameFrom()
    {
        using var imds = Imds();
        var evidence = Source(imds).Attest(Binding(3), [3], new byte[32]);
        Assert.EndsWith($"; VCEK from the Azure IMDS ({imds.Endpoint})", evidence.Verified.VerifierNote);
        Assert.Equal(1, imds.Requests);
    }

    [Fact]
    public void AVcekFromAnotherChip_IsRejected()
    {
        using var other = new TestSnpPki(SnpTcb.Create(3, 0, 8, 0x73), Enumerable.Repeat((byte)0x11, 64).ToArray());
        using var imds = new FakeImdsThim(other.Vcek.ExportCertificatePem(), other.Ask.ExportCertificatePem());
        var e = Assert.Throws<AttestationException>(() => Source(imds).Attest(Binding(4), [4], new byte[32]));
        Assert.StartsWith("Azure vTPM evidence rejected: ", e.Message);
    }

    [Fact]
    public void AConfiguredVcekWins_TheImdsIsNotAsked()
    {
        using var imds = Imds();
        var source = Source(imds, o => o with { Certificates = [_f.Pki.Vcek, _f.Pki.Ask] });
        var evidence = source.Attest(Binding(5), [5], new byte[32]);
        Assert.DoesNotContain("IMDS", evidence.Verified.VerifierNote);
        Assert.Equal(0, imds.Requests);
        Assert.StartsWith("the configured certificates: SEV-VCEK (valid ", source.DescribeVcek());
    }

    [Fact]
    public void AnImdsError_IsAClearError_InAttestationAndInTheDescription()
    {
        using var imds = Imds();
        imds.Status = 500;
        var source = Source(imds);
        var e = Assert.Throws<AttestationException>(() => source.Attest(Binding(6), [6], new byte[32]));
        Assert.Equal($"fetching the VCEK from {imds.Endpoint} failed: HTTP 500 Internal Server Error", e.Message);
        Assert.Equal(e.Message, source.DescribeVcek());
    }
}
