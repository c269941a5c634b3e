using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using TeeWasm.Attestation.Platforms.Simulator;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Cli.Tests;

public sealed class VerifyCommandTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("teewasm-verify-").FullName;

    public void Dispose() => Directory.Delete(_tmp, true);

    private static string V(string folder, string file) => RepoPaths.Vector(folder, file);

    /// <summary>A verification time inside the go-sev-guest VCEK (to 2029-09-24) and the Constellation Azure VCEK (to 2030-08-30): tests pass --at, not today's date.</summary>
    private const string At = "--at", Mid2026 = "2026-06-01";

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = TeeWasmCli.Run(["verify", .. args], o, e);
        return (code, o.ToString(), e.ToString());
    }

    private string Temp(string name, byte[] content)
    {
        string path = Path.Combine(_tmp, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    [Fact]
    public void Snp_SignatureAndChainPass_ButDebugFailsUnderTheDefaultPolicy()
    {
        // attestation.bin's guest policy is 0xb0000: bit 19 (DEBUG) is set, so the default policy (debug forbidden,
        // VMPL 0) rejects it although its signature and VCEK -> ASK -> ARK chain are valid.
        var (code, o, _) = Run(V("snp", "attestation.bin"), "--cert", V("snp", "vcek.testcer"), "--cert", V("snp", "amd-root-ask_ark_milan.pem"), At, Mid2026);
        Assert.Equal(1, code);
        Assert.StartsWith("REJECTED: AMD SEV-SNP report, Milan, signed by VCEK", o);
        Assert.Contains(", but debug: guest policy 0xb0000 has DEBUG (bit 19) set", o);
        Assert.Matches(@"\n  PASS  signature and chain  AMD SEV-SNP report, Milan, signed by VCEK .*chain to the AMD Milan ARK", o);
        Assert.Matches(@"\n  FAIL  debug +guest policy 0xb0000 has DEBUG \(bit 19\) set: the host may debug this guest and read its memory; debug is forbidden", o);
        Assert.Matches(@"\n  PASS  vmpl +report requested at VMPL 0; the default policy requires VMPL 0", o);
        Assert.Contains("measurement   b07af9620f3b839b", o);
    }

    [Fact]
    public void Snp_AllChecksPass_WhenThePolicyAllowsDebug()
    {
        var (code, o, _) = Run(V("snp", "attestation.bin"), "--cert", V("snp", "vcek.testcer"), At, Mid2026,
            "--policy", Temp("debug-ok.json", "{\"allow_debug\": true, \"require_report_data_binding\": false, \"snp\": {\"max_vmpl\": 0}}"u8.ToArray()));
        Assert.Equal(0, code);
        Assert.StartsWith("VALID: AMD SEV-SNP report, Milan, signed by VCEK", o);
        Assert.Matches(@"\n  PASS  debug +guest policy 0xb0000 has DEBUG \(bit 19\) set: the host may debug this guest; the policy allows it", o);
        Assert.Matches(@"\n  PASS  policy +every other rule of the policy holds", o);
        Assert.DoesNotContain("FAIL", o);
    }

    [Fact]
    public void Snp_VmplAboveTheDefaultIsRejected()
    {
        // A report requested at VMPL 2 is refused by the default policy; the signature check comes first, so the
        // report must verify: the simulator signs one at the VMPL we ask for.
        string sim = Directory.CreateTempSubdirectory("teewasm-sim-").FullName;
        try
        {
            using var authority = SimulatorAuthority.LoadOrCreate(sim);
            byte[] signed = new SimulatedSnpEvidenceSource(authority).CreateReport(new byte[64]);
            signed[SnpReport.VmplOffset] = 2;
            using (var key = authority.Vcek.GetECDsaPrivateKey()!)
            {
                SnpSignature.SignInPlace(signed, key);
            }
            string vcek = Temp("sim-vcek.der", authority.Vcek.RawData);
            string ask = Temp("sim-ask.der", authority.Ask.RawData);
            var (code, o, _) = Run(Temp("vmpl2.bin", signed), "--cert", vcek, "--cert", ask, "--trust-simulator", sim);
            Assert.Equal(1, code);
            Assert.Matches(@"\n  FAIL  vmpl +report requested at VMPL 2, a less privileged level than the default policy allows \(VMPL 0\)", o);
            Assert.Matches(@"\n  PASS  debug ", o);
        }
        finally
        {
            Directory.Delete(sim, true);
        }
    }

    [Fact]
    public void Snp_FlippedReport_SkipsTheFieldChecks()
    {
        byte[] report = File.ReadAllBytes(V("snp", "attestation.bin"));
        report[0x90] ^= 1;
        var (code, o, _) = Run(Temp("flip.bin", report), "--cert", V("snp", "vcek.testcer"), At, Mid2026, "--json");
        Assert.Equal(1, code);
        using var doc = JsonDocument.Parse(o);
        JsonElement checks = doc.RootElement.GetProperty("checks");
        Assert.Equal("fail", checks[0].GetProperty("status").GetString());
        Assert.Equal("report signature does not verify with the VCEK key", checks[0].GetProperty("reason").GetString());
        Assert.Equal("skip", checks[1].GetProperty("status").GetString());
    }

    [Fact]
    public void Snp_FlippedByte_Rejected()
    {
        byte[] report = File.ReadAllBytes(V("snp", "attestation.bin"));
        report[0x90] ^= 0x01;
        var (code, o, _) = Run(Temp("flipped.bin", report), "--cert", V("snp", "vcek.testcer"), At, Mid2026);
        Assert.Equal(1, code);
        Assert.StartsWith("REJECTED: report signature does not verify", o);
    }

    [Fact]
    public void Snp_WrongChain_Rejected()
    {
        var (code, o, _) = Run(V("snp", "attestation.bin"), "--cert", V("snp", "vcek.testcer"), "--cert", V("snp", "amd-root-ask_ark_genoa.pem"));
        Assert.Equal(1, code);
        Assert.StartsWith("REJECTED:", o);
    }

    [Fact]
    public void Vlek_ExpiredAfter2025_12_10_ValidAtMid2025()
    {
        string[] certs = ["--cert", V("snp", "aws-vlek.pem"), "--cert", V("snp", "amd-root-ask_ark_milan_vlek.pem")];
        var after = Run([V("snp", "aws-vlek-report.b64"), .. certs, At, Mid2026]);
        Assert.Equal(1, after.Code);
        Assert.StartsWith("REJECTED: VLEK expired on 2025-12-10", after.Out);

        var past = Run([V("snp", "aws-vlek-report.b64"), .. certs, "--at", "2025-06-01"]);
        Assert.Equal(0, past.Code);
        Assert.StartsWith("VALID: AMD SEV-SNP report, Milan, signed by VLEK", past.Out);
    }

    [Fact]
    public void Vlek_BadSignature_Rejected()
    {
        var (code, o, _) = Run(V("snp", "constellation-vlek-report-badsig.bin"), "--cert", V("snp", "constellation-vlek.pem"),
            "--cert", V("snp", "amd-root-ask_ark_milan_vlek.pem"), "--at", "2024-01-01");
        Assert.Equal(1, code);
        Assert.Contains("signature does not verify", o);
    }

    [Fact]
    public void TdxV5_WithCollateral_UpToDate()
    {
        string dir = Path.Combine(_tmp, "collateral");
        Directory.CreateDirectory(dir);
        File.Copy(V("tdx", "sample_tcbinfo_response_v5"), Path.Combine(dir, "tcbinfo.json"));
        var (code, o, _) = Run(V("tdx", "quote_v5_sample.dat"), "--collateral", dir, "--at", "2026-02-15", "--allow-unsigned-collateral");
        Assert.Equal(0, code);
        Assert.StartsWith("VALID: Intel TDX quote v5, PCK chain to Intel SGX Root CA, TCB UpToDate", o);
        Assert.Contains("collateral signature not checked", o);
    }

    [Theory]
    [InlineData("UpToDate", 0, "VALID:")]
    [InlineData("OutOfDate", 1, "TDX TCB status UpToDate is not in tdx.accepted_tcb_status (OutOfDate)")]
    public void TdxV5_WithCollateral_PolicyChecksTheTcbStatus(string accepted, int expectedCode, string expected)
    {
        string dir = Path.Combine(_tmp, "collateral");
        Directory.CreateDirectory(dir);
        File.Copy(V("tdx", "sample_tcbinfo_response_v5"), Path.Combine(dir, "tcbinfo.json"));
        string policy = Temp("policy.json", System.Text.Encoding.UTF8.GetBytes(
            "{\"accepted_platforms\":[\"Intel TDX\"],\"require_report_data_binding\":false,\"tdx\":{\"accepted_tcb_status\":[\"" + accepted + "\"]}}"));
        var (code, o, _) = Run(V("tdx", "quote_v5_sample.dat"), "--collateral", dir, "--at", "2026-02-15", "--allow-unsigned-collateral", "--policy", policy);
        Assert.True(expectedCode == code, o);
        Assert.Contains(expected, o);
        Assert.DoesNotContain("not evaluated", o);
    }

    [Fact]
    public void Tdx_FlippedBodyByte_Rejected()
    {
        byte[] quote = File.ReadAllBytes(V("tdx", "quote_v5_sample.dat"));
        quote[48 + 200] ^= 0x01;
        var (code, o, _) = Run(Temp("q.dat", quote));
        Assert.Equal(1, code);
        Assert.StartsWith("REJECTED:", o);
    }

    [Fact]
    public void AzureSnpReport_WithVcek_Valid()
    {
        var (code, o, _) = Run(V("azure", "constellation-azure-snp-report+igvm-header.bin"), "--cert", V("azure", "constellation-azure-vcek.der"), At, Mid2026);
        Assert.Equal(0, code);
        Assert.StartsWith("VALID: AMD SEV-SNP report, Milan, signed by VCEK", o);
        Assert.Contains("IGVM", o);
    }

    [Theory]
    [InlineData("cvmtools-tdx-hcl-report.bin")]
    [InlineData("constellation-azure-tdx-hcl-report.bin")]
    public void AzureTdxHcl_BindingValid_ButCannotBeVerifiedAlone(string file)
    {
        var (code, o, _) = Run(V("azure", file));
        Assert.Equal(1, code);
        Assert.StartsWith("REJECTED: runtime-claims binding valid, but TDREPORT is MACed, not signed: cannot be verified alone", o);
        Assert.Contains("runtime_claims_bound  yes", o);
    }

    [Theory]
    [InlineData("cvmtools-tdx-hcl-report.bin", "cvmtools-azure-td-quote-v4.dat")]
    [InlineData("constellation-azure-tdx-hcl-report.bin", "cvmtools-azure-td-quote-v5.dat")]
    public void AzureTdxHcl_WithAForeignRealTdQuote_IsRejected_ReportDataDiffers(string file, string quote)
    {
        // The real quote verifies (Intel root) but was made from another TDREPORT.
        var (code, o, _) = Run(V("azure", file), "--td-quote", V("tdx", quote), "--at", "2026-02-15");
        Assert.Equal(1, code);
        Assert.StartsWith("REJECTED: TD quote is not for this TDREPORT: report_data differs", o);
        Assert.Matches(@"\n  td_quote_mismatch +report_data\n", o);
        Assert.Contains("runtime_claims_bound  yes", o);

        var (jsonCode, json, _) = Run(V("azure", file), "--td-quote", Temp("q.b64", System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(File.ReadAllBytes(V("tdx", quote))))), "--at", "2026-02-15", "--json");
        Assert.Equal(1, jsonCode);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("TdQuoteMismatch", doc.RootElement.GetProperty("reason").GetString());
    }

    [Fact]
    public void AzureTdxEvidenceJson_ItsTdQuoteIsPaired()
    {
        // Evidence JSON as AzureVtpmEvidenceSource writes it for a TDX CVM, with a real quote for another TDREPORT.
        string evidence = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["tee_type"] = "Intel TDX",
            ["source"] = "azure-vtpm",
            ["report"] = Convert.ToBase64String(File.ReadAllBytes(V("azure", "cvmtools-tdx-hcl-report.bin"))),
            ["td_quote"] = Convert.ToBase64String(File.ReadAllBytes(V("tdx", "cvmtools-azure-td-quote-v5.dat"))),
            ["certificates"] = Array.Empty<string>(),
        });
        var (code, o, _) = Run(Temp("tdx-evidence.json", System.Text.Encoding.UTF8.GetBytes(evidence)), "--at", "2026-02-15");
        Assert.Equal(1, code);
        Assert.StartsWith("REJECTED: TD quote is not for this TDREPORT: report_data differs", o);
        Assert.Contains("mrtd", o); // the quote's (verified) fields are shown
    }

    [Fact]
    public void TdQuoteOption_IsAUsageError_ForOtherEvidence_OrAFileThatIsNoQuote()
    {
        Assert.Equal(2, Run(V("snp", "attestation.bin"), "--td-quote", V("tdx", "cvmtools-azure-td-quote-v4.dat")).Code);
        var (code, _, err) = Run(V("azure", "cvmtools-tdx-hcl-report.bin"), "--td-quote", V("snp", "attestation.bin"));
        Assert.Equal(2, code);
        Assert.Contains("not a TDX quote", err);
        Assert.Equal(2, Run(V("azure", "cvmtools-tdx-hcl-report.bin"), "--td-quote", Path.Combine(_tmp, "missing.dat")).Code);
    }

    [Fact]
    public void EvidenceJson_AsAttestWritesIt_IsRead()
    {
        string inner = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["tee_type"] = "AMD SEV-SNP",
            ["report"] = Convert.ToBase64String(File.ReadAllBytes(V("snp", "attestation.bin"))),
            ["certificates"] = new[] { File.ReadAllText(V("snp", "amd-root-ask_ark_milan.pem")) },
        });
        string outer = JsonSerializer.Serialize(new Dictionary<string, object?> { ["success"] = true, ["token"] = null, ["evidence"] = inner, ["timestamp"] = 1700000000 });
        var (code, o, _) = Run(Temp("result.json", System.Text.Encoding.UTF8.GetBytes(outer)), "--cert", V("snp", "vcek.testcer"), At, Mid2026, "--json");
        Assert.Equal(1, code); // DEBUG bit set: the default policy refuses it
        using var doc = JsonDocument.Parse(o);
        Assert.Equal("rejected", doc.RootElement.GetProperty("verdict").GetString());
        Assert.True(doc.RootElement.GetProperty("evidence_valid").GetBoolean());
        JsonElement debug = doc.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "debug");
        Assert.Equal("fail", debug.GetProperty("status").GetString());
        Assert.Equal("AMD SEV-SNP report", doc.RootElement.GetProperty("kind").GetString());
        Assert.Equal("0", doc.RootElement.GetProperty("fields").GetProperty("vmpl").GetString());
    }

    [Fact]
    public void Policy_IsApplied()
    {
        string[] args = [V("snp", "attestation.bin"), "--cert", V("snp", "vcek.testcer"), At, Mid2026];
        // This report's guest policy (0xb0000) has the DEBUG bit set, and verify has no expected report_data.
        var strict = Run([.. args, "--policy", Temp("strict.json", "{}"u8.ToArray())]);
        Assert.Equal(1, strict.Code);
        Assert.Matches(@"\n  FAIL  debug +guest policy 0xb0000 has DEBUG", strict.Out);
        Assert.Matches(@"\n  PASS  vmpl +VMPL 0; the policy sets no snp.max_vmpl", strict.Out);
        Assert.Contains("policy violation: report_data binding was not checked", strict.Out);

        var lax = Run([.. args, "--policy", Temp("lax.json", "{\"allow_debug\": true, \"require_report_data_binding\": false, \"snp\": {\"min_tcb\": {\"snp\": 5}}}"u8.ToArray())]);
        Assert.Equal(0, lax.Code);
        Assert.Contains("policy allows it", lax.Out);
    }

    [Fact]
    public void UsageErrors_Exit2()
    {
        Assert.Equal(2, Run(Path.Combine(_tmp, "missing.bin")).Code);
        Assert.Equal(2, Run(V("snp", "attestation.bin"), "--at", "yesterday-ish").Code);
        Assert.Equal(2, Run(V("snp", "attestation.bin"), "--policy", Temp("typo.json", "{\"allow_debgu\": true}"u8.ToArray())).Code);
        Assert.Equal(2, Run(Temp("junk.bin", new byte[10])).Code);
    }
}
