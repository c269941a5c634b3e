using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using TeeWasm.Attestation.Platforms.Tdx;

namespace TeeWasm.Attestation.Tests.Platforms.Tdx;

/// <summary>
/// The TDX failure reasons an audit found without a reject test (issue 12, "Test-suite gaps"): each is produced from a
/// real quote or real collateral changed in one place, and the test asserts the reason and its message.
/// </summary>
public sealed class TdxRejectReasonTests
{
    private static TdxVerificationOptions At(DateTimeOffset t) => new() { VerificationTime = t };

    private static TdxVerificationOptions WithTcbInfo(string tcbInfoJson) => new()
    {
        VerificationTime = TdxTestData.Feb2026,
        Collateral = new TdxCollateral { TcbInfo = TdxTcbInfo.Parse(Encoding.UTF8.GetBytes(tcbInfoJson)) },
        AllowUnverifiedCollateralSignature = true, // the edited collateral cannot carry Intel's signature
    };

    private static string EditTcbInfo(Action<JsonObject> edit)
    {
        var root = JsonNode.Parse(File.ReadAllText(TdxTestData.Path("sample_tcbinfo_response_v5")))!.AsObject();
        edit(root["tcbInfo"]!.AsObject());
        return root.ToJsonString();
    }

    [Fact]
    public void An_attestation_key_that_is_not_a_P256_point_is_InvalidAttestationKey()
    {
        byte[] data = TdxTestData.Quote(TdxTestData.SampleV5);
        int key = TdxQuote.Parse(data).SignedData.Length + 4 + TdxQuoteSignatureData.AttestationKeyOffset;
        data.AsSpan(key, 64).Fill(0x11); // (0x1111…, 0x1111…) is not on P-256
        TdxVerificationResult r = TdxQuoteVerifier.Verify(data, At(TdxTestData.Feb2026));
        Assert.Equal(TdxFailureReason.InvalidAttestationKey, r.Reason);
        Assert.Equal("attestation key is not a valid P-256 point", r.Message);
    }

    [Fact]
    public void Certification_data_without_a_PCK_chain_is_PckChainMissing()
    {
        TdxQuote q = TdxQuote.Parse(TdxTestData.Quote(TdxTestData.SampleV5));
        byte[] encryptedPpid = new byte[384 + 36]; // type 3: encrypted PPID (RSA-3072) + CPUSVN, PCESVN, PCE-ID
        byte[] type3 = TdxTestData.Rebuild(q, 3, encryptedPpid, q.SignatureData.QeReportSignature.Span);
        TdxVerificationResult r = TdxQuoteVerifier.Verify(type3, At(TdxTestData.Feb2026));
        Assert.Equal(TdxFailureReason.PckChainMissing, r.Reason);
        Assert.Equal("certification data type 3 carries no PCK certificate chain (type 5 expected)", r.Message);

        byte[] empty = TdxTestData.Rebuild(q, "", q.SignatureData.QeReportSignature.Span);
        TdxVerificationResult e = TdxQuoteVerifier.Verify(empty, At(TdxTestData.Feb2026));
        Assert.Equal(TdxFailureReason.PckChainMissing, e.Reason);
        Assert.Equal("PCK certificate chain is empty", e.Message);
    }

    [Fact]
    public void A_PCK_leaf_without_a_readable_SGX_extension_is_PckExtensionInvalid()
    {
        TdxQuote q = TdxQuote.Parse(TdxTestData.Quote(TdxTestData.SampleV5));
        var broken = new X509Extension(PckCertificateExtensions.SgxExtensionOid, [0x30, 0x03, 0x02, 0x01, 0x07], critical: false);
        using var pki = new TestPki(broken, TdxTestData.Feb2026.AddYears(-1), TdxTestData.Feb2026.AddYears(1));
        TdxVerificationResult r = TdxQuoteVerifier.Verify(pki.Reissue(q), new TdxVerificationOptions { VerificationTime = TdxTestData.Feb2026, TrustedRootOverride = pki.Root });
        Assert.Equal(TdxFailureReason.PckExtensionInvalid, r.Reason);
        Assert.StartsWith("PCK SGX extension is malformed: ", r.Message);
    }

    [Fact]
    public void A_TDX_module_identity_missing_from_tcbInfo_is_TdxModuleMismatch()
    {
        // quote_v5_sample runs TDX module 1 (TEE_TCB_SVN[1] = 1): take TDX_01 out of the identities.
        string tcbInfo = EditTcbInfo(t =>
        {
            foreach (JsonNode? m in t["tdxModuleIdentities"]!.AsArray())
                if ((string?)m!["id"] == "TDX_01") m["id"] = "TDX_07";
        });
        TdxVerificationResult r = TdxQuoteVerifier.Verify(TdxTestData.Quote(TdxTestData.SampleV5), WithTcbInfo(tcbInfo));
        Assert.Equal(TdxFailureReason.TdxModuleMismatch, r.Reason);
        Assert.Equal("TDX module identity TDX_01 is not in tcbInfo", r.Message);
    }

    [Fact]
    public void A_TDX_module_signed_by_another_MRSIGNER_is_TdxModuleMismatch()
    {
        string tcbInfo = EditTcbInfo(t =>
        {
            foreach (JsonNode? m in t["tdxModuleIdentities"]!.AsArray())
                if ((string?)m!["id"] == "TDX_01") m["mrsigner"] = new string('A', 96);
        });
        TdxVerificationResult r = TdxQuoteVerifier.Verify(TdxTestData.Quote(TdxTestData.SampleV5), WithTcbInfo(tcbInfo));
        Assert.Equal(TdxFailureReason.TdxModuleMismatch, r.Reason);
        Assert.StartsWith($"MRSIGNERSEAM {new string('0', 96)} differs from tcbInfo's {new string('A', 96)}", r.Message);
    }

    [Fact]
    public void A_revoked_TCB_level_is_TcbRevoked()
    {
        // The platform level quote_v5_sample meets (the first, tcbDate 2024-11-13) marked Revoked.
        string tcbInfo = EditTcbInfo(t => t["tcbLevels"]![0]!["tcbStatus"] = "Revoked");
        TdxVerificationResult r = TdxQuoteVerifier.Verify(TdxTestData.Quote(TdxTestData.SampleV5), WithTcbInfo(tcbInfo));
        Assert.False(r.IsValid);
        Assert.Equal(TdxFailureReason.TcbRevoked, r.Reason);
        Assert.Equal("TCB status Revoked (platform, TDX module or QE level)", r.Message);
        Assert.Equal(TcbStatus.Revoked, r.TcbStatus);

        // The same collateral unedited: UpToDate, so the rejection above is the edit's.
        Assert.True(TdxQuoteVerifier.Verify(TdxTestData.Quote(TdxTestData.SampleV5), WithTcbInfo(EditTcbInfo(_ => { }))).IsValid);
    }
}
