using System.Text.Json;
using System.Text.Json.Nodes;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Cli.Tests;

/// <summary>
/// Issue 18, inputs users have: hex and base64 reports (1), RIMs by content (2), collateral by content and FMSPC (3) and
/// unused collateral as an error (issue 12 item 12), NVSwitch evidence refused by name (5), Trustee's evidence files
/// (6), the product from the report (7), a reason code per failed check (10).
/// </summary>
public sealed class VerifyInputsTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("teewasm-verify-inputs-").FullName;

    public void Dispose() => Directory.Delete(_tmp, true);

    private static string V(string folder, string file) => RepoPaths.Vector(folder, file);

    private static (int Code, string Out, string Err) Verify(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        return (TeeWasmCli.Run(["verify", .. args], o, e), o.ToString(), e.ToString());
    }

    private string Write(string name, byte[] content)
    {
        string path = Path.Combine(_tmp, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    private string Folder(string name, params (string Name, string From)[] files)
    {
        string dir = Path.Combine(_tmp, name);
        Directory.CreateDirectory(dir);
        foreach (var (file, from) in files) File.Copy(from, Path.Combine(dir, file));
        return dir;
    }

    // ---- 1: hex and base64 ----

    [Theory]
    [InlineData("hex")]
    [InlineData("hex-lines")]
    [InlineData("base64")]
    public void SnpReport_AsHexOrBase64Text_IsVerified(string form)
    {
        byte[] report = File.ReadAllBytes(V("snp", "attestation.bin"));
        string text = form switch
        {
            "hex" => Convert.ToHexStringLower(report),
            "hex-lines" => string.Join("\n", Convert.ToHexString(report).Chunk(64).Select(c => new string(c))) + "\n",
            _ => Convert.ToBase64String(report, Base64FormattingOptions.InsertLineBreaks),
        };
        var (code, o, e) = Verify(Write("report." + form, System.Text.Encoding.ASCII.GetBytes(text)), "--cert", V("snp", "vcek.testcer"), "--at", "2026-06-01");
        Assert.True(code == 1, o + e); // valid signature and chain; rejected for debug only (the vector's policy has DEBUG set)
        Assert.Matches(@"\n  PASS  signature and chain  AMD SEV-SNP report, Milan, signed by VCEK", o);
        Assert.Matches(@"\n  FAIL  debug ", o);
    }

    [Fact]
    public void TdxQuote_AsHex_IsVerified()
    {
        byte[] quote = File.ReadAllBytes(V("tdx", "quote_v5_sample.dat"));
        var (code, o, _) = Verify(Write("quote.hex", System.Text.Encoding.ASCII.GetBytes(Convert.ToHexString(quote))), "--at", "2026-02-15");
        Assert.Equal(0, code);
        Assert.StartsWith("VALID: Intel TDX quote v5, PCK chain to Intel SGX Root CA", o);
    }

    [Fact]
    public void UnrecognisedText_SaysWhatIsExpected()
    {
        var (code, _, e) = Verify(Write("junk.txt", "hello, this is not evidence at all"u8.ToArray()));
        Assert.Equal(2, code);
        Assert.Contains("unrecognized evidence: not an SNP report, TDX quote, Azure HCL report (binary, hex or base64), evidence JSON (TeeWasm's, Trustee's), a token (JWT)", e);
    }

    // ---- 2: RIMs by content ----

    [Fact]
    public void Rims_AreReadByContent_SwidtagOrXml()
    {
        string rims = Folder("rims", ("NV_GPU_VBIOS_1010_0200_882_96005E0001.swidtag", V("nvidia", "rim-vbios-1010_0200_882_96005E0001-mismatch.xml")));
        var (code, o, _) = Verify(V("nvidia", "sdk-hopper-535-report.txt"), "--cert", V("nvidia", "sdk-hopper-535-certchain.txt"),
            "--nonce", "27a328247bf7935c993341cf587be6f05986ccce4fe7ba2c54100bd616a58f66", "--at", "2025-05-01", "--rim", rims);
        Assert.Equal(1, code);
        Assert.Matches(@"\n  FAIL  vbios rim +measurements differ from RIM GH100 96.00.5E.00.01 at RIM index 9", o);
    }

    [Fact]
    public void Rims_AFileThatIsNoRim_IsAnError()
    {
        string rims = Folder("rims-junk", ("rim.swidtag", V("nvidia", "rim-driver-GH100-550.144.03.xml")), ("notes.txt", V("snp", "aws-vlek.pem")));
        var (code, _, e) = Verify(V("nvidia", "sdk-hopper-535-report.txt"), "--cert", V("nvidia", "sdk-hopper-535-certchain.txt"),
            "--nonce", "27a328247bf7935c993341cf587be6f05986ccce4fe7ba2c54100bd616a58f66", "--rim", rims);
        Assert.Equal(2, code);
        Assert.Contains("'notes.txt' is not an NVIDIA RIM", e);
    }

    // ---- 3 and 12.12: collateral by content, chosen by FMSPC; unused collateral is an error ----

    [Fact]
    public void Collateral_OfSeveralPlatforms_ChoosesTheQuotesFmspc_AndChecksItsSignature()
    {
        // The PCS-named folder holds TDX TCB info of two FMSPCs, an SGX one, the TD QE identity and the TCB signing chain
        // (all real: oasis-core's PCS v4 responses). The oasis quote is FMSPC c0806f000000.
        var (code, o, e) = Verify(V("tdx", "oasis-quote_v4_tdx_ecdsa_p256.bin"), "--collateral", V("tdx", "pcs"), "--at", "2024-09-15");
        Assert.True(code == 0, o + e);
        Assert.StartsWith("VALID: Intel TDX quote v4, PCK chain to Intel SGX Root CA, TCB UpToDate", o);
        Assert.Contains("collateral: tcb_info_c0806f000000.json: Intel TDX TCB info, FMSPC c0806f000000", o);
        Assert.Contains("collateral: sgx_tcb_info_00606a000000.json: Intel SGX TCB info, FMSPC 00606A000000, for SGX enclaves, not TDX (not used)", o);
        Assert.DoesNotContain("signature not checked", o);

        // The same folder for the SPR quote (FMSPC 50806f000000) picks the other TCB info, at its own time.
        // (the folder's QE identity is of 2024, so at the SPR quote's time of 2023 the collateral is named expired).
        var spr = Verify(V("tdx", "tdx_prod_quote_SPR_E4.dat"), "--collateral", V("tdx", "pcs"), "--at", "2023-06-20", "--json");
        using var doc = JsonDocument.Parse(spr.Out);
        Assert.Equal("CollateralExpired", doc.RootElement.GetProperty("reason").GetString());
        Assert.Equal("50806f000000", doc.RootElement.GetProperty("fields").GetProperty("fmspc").GetString());
        Assert.StartsWith("collateral expired (QE identity nextUpdate 2024-10-02", doc.RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public void Collateral_WithoutTheQuotesFmspc_IsRejected_NamingWhatItHolds()
    {
        string dir = Folder("other-fmspc", ("tcb_info_c0806f000000.json", V("tdx", "pcs/tcb_info_c0806f000000.json")));
        var (code, o, _) = Verify(V("tdx", "quote_v5_sample.dat"), "--collateral", dir, "--at", "2026-02-15", "--allow-unsigned-collateral");
        Assert.Equal(1, code);
        Assert.Contains("no TDX TCB info for the PCK's FMSPC 90c06f000000 in the collateral (it holds FMSPC c0806f000000)", o);
    }

    [Fact]
    public void Collateral_AFileItDoesNotRecognise_IsAnError()
    {
        string dir = Folder("unknown-file", ("tcb_info.json", V("tdx", "sample_tcbinfo_response_v5")), ("README.md", Path.Combine(RepoPaths.Vectors, "README.md")));
        var (code, o, e) = Verify(V("tdx", "quote_v5_sample.dat"), "--collateral", dir, "--at", "2026-02-15", "--allow-unsigned-collateral");
        Assert.Equal(2, code);
        Assert.Equal("", o);
        Assert.Contains("'README.md' is not collateral this evidence can use", e);
    }

    [Fact]
    public void Collateral_AQuoteInTheFolder_IsNotCollateral()
    {
        string dir = Folder("with-quote", ("tcb_info.json", V("tdx", "sample_tcbinfo_response_v5")), ("quote.dat", V("tdx", "cos-113-tdx-quote.dat")));
        var (code, _, e) = Verify(V("tdx", "quote_v5_sample.dat"), "--collateral", dir, "--at", "2026-02-15", "--allow-unsigned-collateral");
        Assert.Equal(2, code);
        Assert.Contains("'quote.dat' is not collateral this evidence can use", e);
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("sgx-only")]
    public void Collateral_NothingUsable_IsAnError_NotTcbNotEvaluated(string kind)
    {
        string dir = kind == "empty" ? Folder("empty") : Folder("sgx", ("tcb.json", V("tdx", "pcs/sgx_tcb_info_00606a000000.json")));
        var (code, o, e) = Verify(V("tdx", "quote_v5_sample.dat"), "--collateral", dir, "--at", "2026-02-15");
        Assert.Equal(2, code);
        Assert.DoesNotContain("not evaluated (no collateral)", o);
        Assert.Contains(kind == "empty" ? "the folder is empty" : "nothing in it applies to this evidence", e);
    }

    [Fact]
    public void Collateral_ForSnp_TakesAmdCertificates_AndRefusesIntelFiles()
    {
        string amd = Folder("amd", ("vcek.der", V("snp", "vcek.testcer")), ("cert_chain.pem", V("snp", "amd-root-ask_ark_milan.pem")));
        var (code, o, _) = Verify(V("snp", "attestation.bin"), "--collateral", amd, "--at", "2026-06-01");
        Assert.Equal(1, code); // debug
        Assert.Matches(@"\n  PASS  signature and chain  AMD SEV-SNP report, Milan, signed by VCEK", o);
        string intel = Folder("intel", ("tcb.json", V("tdx", "sample_tcbinfo_response_v5")));
        var refused = Verify(V("snp", "attestation.bin"), "--cert", V("snp", "vcek.testcer"), "--collateral", intel);
        Assert.Equal(2, refused.Code);
        Assert.Contains("nothing in it applies to this evidence (it must hold AMD certificates", refused.Err);
    }

    // ---- 5: NVSwitch ----

    [Fact]
    public void NvSwitchEvidence_IsRefusedByName()
    {
        JsonArray sdk = JsonNode.Parse(File.ReadAllText(V("nvidia", "sdk-evidence-hopper-590.json")))!.AsArray();
        sdk[0]!["arch"] = "LS10";
        var (code, o, e) = Verify(Write("switch.json", System.Text.Encoding.UTF8.GetBytes(sdk.ToJsonString())));
        Assert.Equal(2, code);
        Assert.Equal("", o);
        Assert.Contains("NVIDIA NVSwitch evidence (arch LS10) is not supported", e);
    }

    // ---- 6: Trustee's evidence ----

    [Theory]
    [InlineData("trustee-az-snp-vtpm-evidence-v0.json", "6368616c6c656e6765", "az-snp-vtpm evidence (version 0)")]
    [InlineData("trustee-az-snp-vtpm-evidence-v1.json", "6368616c6c656e6765", "az-snp-vtpm evidence (version 1)")]
    [InlineData("trustee-az-snp-vtpm-evidence-v2.json", "982f5c6e45df0ed3f10b6f60b02f0c8390e281300f3805e2279c16168cd6ae9aa398f647caa2338748cd0fd9f5f819ef", "az-snp-vtpm evidence (version 2)")]
    [InlineData("trustee-az-snp-vtpm-evidence-genoa.json", "0218488bae25d2509232bf676f1a66a30d7372add909109b36016ef136f2938ca05475f8b46094de6b64270ea35d950f", "az-snp-vtpm evidence (version 0)")]
    [InlineData("trustee-az-tdx-vtpm-evidence-v0.json", "6368616c6c656e6765", "az-tdx-vtpm evidence (version 0)")]
    [InlineData("trustee-az-tdx-vtpm-evidence-v1.json", "6368616c6c656e6765", "az-tdx-vtpm evidence (version 1)")]
    public void TrusteeAzureEvidence_AllVersions_VerifyWithTheirReportData_AndAReplayIsRejected(string file, string reportData, string kind)
    {
        var (code, o, e) = Verify(V("azure", file), "--report-data", reportData, "--json", "--at", "2026-06-01");
        Assert.True(code == 0, o + e);
        using (var doc = JsonDocument.Parse(o)) Assert.Equal("valid", doc.RootElement.GetProperty("verdict").GetString());
        Assert.Contains($"\n  evidence: Trustee {kind}\n", Verify(V("azure", file), "--report-data", reportData, "--at", "2026-06-01").Out);

        var replay = Verify(V("azure", file), "--report-data", "00" + reportData[2..], "--at", "2026-06-01");
        Assert.Equal(1, replay.Code);
        Assert.Contains("TPM quote extraData differs from the nonce: the quote carries " + reportData, replay.Out);
    }

    [Fact]
    public void TrusteeSnpAndTdxEvidence_AreRead()
    {
        byte[] report = File.ReadAllBytes(V("snp", "attestation.bin"));
        var certs = new[] { System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(File.ReadAllBytes(V("snp", "vcek.testcer"))) };
        string snp = Write("trustee-snp.json", System.Text.Encoding.UTF8.GetBytes(TrusteeSnpEvidence.Write(report, certs).ToJsonString()));
        var (code, o, _) = Verify(snp, "--at", "2026-06-01", "--report-data", "0102030405");
        Assert.Equal(1, code); // debug only
        Assert.Matches(@"\n  PASS  signature and chain  AMD SEV-SNP report, Milan, signed by VCEK", o);
        Assert.Contains("PASS  binding              report_data 0102030405", o);

        string quote = Convert.ToBase64String(File.ReadAllBytes(V("tdx", "quote_v5_sample.dat")));
        string tdx = Write("trustee-tdx.json", System.Text.Encoding.UTF8.GetBytes($"{{\"cc_eventlog\": null, \"quote\": \"{quote}\"}}"));
        var t = Verify(tdx, "--at", "2026-02-15");
        Assert.Equal(0, t.Code);
        Assert.StartsWith("VALID: Intel TDX quote v5", t.Out);
    }

    [Fact]
    public void TrusteeEvidence_MissingAPart_IsNamed()
    {
        JsonObject v1 = JsonNode.Parse(File.ReadAllText(V("azure", "trustee-az-snp-vtpm-evidence-v1.json")))!.AsObject();
        v1.Remove("vcek");
        var (code, _, e) = Verify(Write("no-vcek.json", System.Text.Encoding.UTF8.GetBytes(v1.ToJsonString())));
        Assert.Equal(2, code);
        Assert.Contains("\"vcek\" is missing", e);
        Assert.DoesNotContain("given key was not present", e);
    }

    // ---- 7: the product from the report ----

    [Fact]
    public void Product_ComesFromTheReportsCpuid()
    {
        var (_, o, _) = Verify(V("snp", "aws-vlek-report.b64"), "--cert", V("snp", "aws-vlek.pem"), "--at", "2025-06-01");
        Assert.Matches(@"\n  product +Milan \(report CPUID family 0x19 model 0x01\)", o);
        var (_, v2, _) = Verify(V("snp", "attestation.bin"), "--cert", V("snp", "vcek.testcer"), "--at", "2026-06-01");
        Assert.Matches(@"\n  product +Milan \(from the certificate chain: a version 2 report carries no CPUID\)", v2);
    }

    // ---- 10: a reason code per failed check ----

    [Fact]
    public void Json_ARejectionNeverSaysReasonNone()
    {
        var (code, o, _) = Verify(V("snp", "attestation.bin"), "--cert", V("snp", "vcek.testcer"), "--at", "2026-06-01", "--json");
        Assert.Equal(1, code);
        using var doc = JsonDocument.Parse(o);
        Assert.True(doc.RootElement.GetProperty("evidence_valid").GetBoolean());
        Assert.Equal("DebugAllowed", doc.RootElement.GetProperty("reason").GetString());
        foreach (JsonElement c in doc.RootElement.GetProperty("checks").EnumerateArray())
            Assert.Equal(c.GetProperty("status").GetString() == "fail", c.TryGetProperty("code", out _));

        var flipped = File.ReadAllBytes(V("snp", "attestation.bin"));
        flipped[0x90] ^= 1;
        var bad = Verify(Write("flipped.bin", flipped), "--cert", V("snp", "vcek.testcer"), "--json");
        using var badDoc = JsonDocument.Parse(bad.Out);
        Assert.Equal("SignatureInvalid", badDoc.RootElement.GetProperty("reason").GetString());
        Assert.Equal("SignatureInvalid", badDoc.RootElement.GetProperty("checks")[0].GetProperty("code").GetString());
    }
}
