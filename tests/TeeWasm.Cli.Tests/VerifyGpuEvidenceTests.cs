using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Cli.Tests;

/// <summary>
/// <c>tee-wasm verify</c> on NVIDIA GPU evidence: every verdict of the NVIDIA vectors' README (tests/TestData/README.md),
/// our own <c>attest gpu --tee simulate</c> output, tampering, RIMs and policy, all through the real command line.
/// </summary>
public sealed class VerifyGpuEvidenceTests : IDisposable
{
    private const string HopperNonce = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb";
    private const string Sdk590Nonce = "e97b23a1718095a0e9e35edca810768c70a6a5a389b705e753b197912bc11576";
    private const string At = "2025-06-01";

    private readonly string _tmp = Directory.CreateTempSubdirectory("teewasm-verify-gpu-").FullName;

    public void Dispose() => Directory.Delete(_tmp, true);

    private string Sim => Path.Combine(_tmp, "sim");

    private static string V(string file) => RepoPaths.Vector("nvidia", file);

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        return (TeeWasmCli.Run(args, o, e), o.ToString(), e.ToString());
    }

    private static (int Code, string Out, string Err) Verify(params string[] args) => Cli(["verify", .. args]);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_tmp, name);
        File.WriteAllText(path, text);
        return path;
    }

    private string WriteBytes(string name, byte[] bytes)
    {
        string path = Path.Combine(_tmp, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static void AssertCheck(string output, string status, string name, string reasonPart) =>
        Assert.Matches(@"\n +" + status + " +" + Regex.Escape(name) + "  +[^\n]*" + Regex.Escape(reasonPart), output);

    [Theory]
    [InlineData("hopperAttestationReport.txt", "hopper_cert_chain_case1.txt", HopperNonce, "PASS", "1010/0200/882, driver 550.90.07")]
    [InlineData("hopper_coco_report1.txt", "hopper_coco_certs1.txt", "87d8e24ab336adafe228d49e83d745f6dba4ae505372b6a5704820856b343fec", "PASS", "GH100 A01 GSP FMC LF")]
    [InlineData("sdk-hopper-535-report.txt", "sdk-hopper-535-certchain.txt", "27a328247bf7935c993341cf587be6f05986ccce4fe7ba2c54100bd616a58f66", "SKIP", "driver 535.86.09")]
    [InlineData("sdk-hopper-580-report.txt", "sdk-hopper-580-certchain.txt", "5bb22e377702d4e1e8215a903ba094826b9ac7f731dee1fe8102958bf2840aca", "PASS", "1010/0205/862, driver 580.159.03")]
    [InlineData("sdk-hopper-570-report.txt", "sdk-hopper-certchain-2.txt", HopperNonce, "PASS", "driver 570.124.03")]
    [InlineData("sdk-blackwell-report.txt", "sdk-blackwell-certchain.txt", HopperNonce, "PASS", "G525/0220/886, driver 575.32), signed by 'GB100 A01 GSP FMC LF'")]
    public void RealReport_WithItsChainAndNonce_IsValid(string report, string chain, string nonce, string fwid, string described)
    {
        var (code, o, e) = Verify(V(report), "--cert", V(chain), "--nonce", nonce, "--at", At);
        Assert.True(code == 0, o + e);
        Assert.StartsWith("VALID: NVIDIA GPU report (", o);
        Assert.Contains(described, o);
        Assert.Contains("chain to the pinned NVIDIA Device Identity CA", o);
        AssertCheck(o, "PASS", "certificate chain", "→ NVIDIA Device Identity CA (pinned NVIDIA root)");
        AssertCheck(o, "PASS", "validity", "valid at 2025-06-01 00:00:00Z");
        AssertCheck(o, "PASS", "report signature", "ECDSA P-384/SHA-384");
        AssertCheck(o, "PASS", "nonce", $"request nonce {nonce} equals the --nonce given");
        AssertCheck(o, fwid, "fwid", fwid == "PASS" ? "equals the device certificate's TCG DICE FWID" : "no FWID opaque field");
        Assert.DoesNotContain("FAIL", o);
    }

    [Fact]
    public void RawReport_AsBinaryOrBase64_IsReadLikeItsHex()
    {
        byte[] bytes = Convert.FromHexString(string.Concat(File.ReadAllText(V("hopperAttestationReport.txt")).Where(c => !char.IsWhiteSpace(c))));
        foreach (var (path, kind) in new[] { (WriteBytes("r.bin", bytes), "(binary)"), (Write("r.b64", Convert.ToBase64String(bytes)), "(base64)") })
        {
            var (code, o, _) = Verify(path, "--cert", V("hopper_cert_chain_case1.txt"), "--nonce", HopperNonce, "--at", At);
            Assert.Equal(0, code);
            Assert.Contains("evidence: NVIDIA GPU attestation report " + kind, o);
        }
    }

    [Fact]
    public void InvalidSignatureReport_IsRejected_NamingTheSignature()
    {
        var (code, o, _) = Verify(V("sdk-hopper-invalid-signature-report.txt"), "--cert", V("sdk-hopper-certchain-2.txt"), "--nonce", HopperNonce, "--at", At);
        Assert.Equal(1, code);
        Assert.StartsWith("REJECTED: GPU attestation report signature does not verify with the device certificate 'GH100 A01 GSP FMC LF'", o);
        AssertCheck(o, "PASS", "certificate chain", "pinned NVIDIA root");
        AssertCheck(o, "FAIL", "report signature", "does not verify");
        AssertCheck(o, "FAIL", "fwid", "report FWID 87a82912");
        AssertCheck(o, "FAIL", "fwid", "differs from the device certificate's e9960d6a");
        AssertCheck(o, "SKIP", "driver", "not evaluated: the report did not verify");
    }

    [Fact]
    public void OtherNonce_IsRejected_NamingTheNonce()
    {
        string other = "00" + HopperNonce[2..];
        var (code, o, _) = Verify(V("hopperAttestationReport.txt"), "--cert", V("hopper_cert_chain_case1.txt"), "--nonce", other, "--at", At);
        Assert.Equal(1, code);
        Assert.StartsWith($"REJECTED: GPU attestation report is over nonce {HopperNonce}, expected {other} (the --nonce given)", o);
        AssertCheck(o, "PASS", "report signature", "verifies");
        AssertCheck(o, "FAIL", "nonce", "expected " + other);
    }

    [Theory]
    [InlineData("hopper_cert_chain_case2.txt", "chain has no leaf: its first certificate 'NVIDIA Device Identity CA' is a CA")]
    [InlineData("hopper_cert_chain_case3.txt", "chain is broken: 'GH100 A01 GSP BROM' is issued by")]
    [InlineData("hopper_cert_chain_case4.txt", "chain has no leaf: its first certificate 'GH100 A01 GSP BROM' is a CA")]
    public void IncompleteChain_IsRejected_NamingTheChainFailure(string chain, string why)
    {
        var (code, o, _) = Verify(V("hopperAttestationReport.txt"), "--cert", V(chain), "--nonce", HopperNonce, "--at", At);
        Assert.Equal(1, code);
        Assert.StartsWith("REJECTED: GPU device certificate " + why, o);
        AssertCheck(o, "FAIL", "certificate chain", why);
        Assert.DoesNotContain("VALID", o);
    }

    [Fact]
    public void LeafAlone_SignsTheReportAndCarriesItsFwid_ButIsNoChain()
    {
        var (code, o, _) = Verify(V("hopperAttestationReport.txt"), "--cert", V("hopper_signing_cert.pem"), "--nonce", HopperNonce, "--at", At);
        Assert.Equal(1, code);
        Assert.StartsWith("REJECTED: GPU device certificate chain ends at 'GH100 A01 GSP FMC LF'", o);
        AssertCheck(o, "FAIL", "certificate chain", "not at the pinned NVIDIA Device Identity CA");
        AssertCheck(o, "PASS", "report signature", "verifies with 'GH100 A01 GSP FMC LF' (but that certificate is not trusted");
        AssertCheck(o, "PASS", "fwid", "report FWID f5c384aebb579217… equals the device certificate's TCG DICE FWID");
    }

    /// <summary>
    /// A device certificate whose EC public key does not decode (its point is neither compressed nor uncompressed) is
    /// a failed "report signature" check with the reason, not an unhandled exception (which ended the process with
    /// 134 before verification moved into the library).
    /// </summary>
    [Fact]
    public void LeafWithMalformedEcKey_IsRejectedCleanly_NamingTheKey()
    {
        var ders = new List<byte[]>();
        string pem = File.ReadAllText(V("hopper_cert_chain_case1.txt"));
        ReadOnlySpan<char> rest = pem;
        while (System.Security.Cryptography.PemEncoding.TryFind(rest, out var fields))
        {
            ders.Add(Convert.FromBase64String(rest[fields.Base64Data].ToString()));
            rest = rest[fields.Location.End.GetOffset(rest.Length)..];
        }
        byte[] leaf = ders[0];
        int point = leaf.AsSpan().IndexOf((ReadOnlySpan<byte>)[0x03, 0x62, 0x00, 0x04]); // BIT STRING holding the uncompressed P-384 point
        Assert.True(point > 0);
        leaf[point + 3] = 0x05;
        string chain = Write("malformed-key-chain.pem", string.Concat(ders.Select(d => new string(System.Security.Cryptography.PemEncoding.Write("CERTIFICATE", d)) + "\n")));

        var (code, o, e) = Verify(V("hopperAttestationReport.txt"), "--cert", chain, "--nonce", HopperNonce, "--at", At);
        Assert.True(code == 1, o + e);
        Assert.StartsWith("REJECTED: ", o);
        AssertCheck(o, "FAIL", "report signature", "device certificate 'GH100 A01 GSP FMC LF' has an ECDSA public key that cannot be read");
        Assert.DoesNotContain("VALID", o);

        var json = Verify(V("hopperAttestationReport.txt"), "--cert", chain, "--nonce", HopperNonce, "--at", At, "--json");
        Assert.Equal(1, json.Code);
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Equal("rejected", doc.RootElement.GetProperty("verdict").GetString());
        JsonElement signature = doc.RootElement.GetProperty("gpus")[0].GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "report signature");
        Assert.Equal("fail", signature.GetProperty("status").GetString());
        Assert.Contains("cannot be read", signature.GetProperty("reason").GetString());
    }

    [Fact]
    public void BeforeTheDeviceCertificates_IsRejected_NamingTheDate()
    {
        var (code, o, _) = Verify(V("hopperAttestationReport.txt"), "--cert", V("hopper_cert_chain_case1.txt"), "--nonce", HopperNonce, "--at", "2019-01-01");
        Assert.Equal(1, code);
        Assert.StartsWith("REJECTED: GPU device certificate chain: certificate 'GH100 A01 GSP FMC LF' is not yet valid (valid 2020-10-17 00:00:00Z", o);
        AssertCheck(o, "PASS", "certificate chain", "pinned NVIDIA root");
        AssertCheck(o, "FAIL", "validity", "verification time 2019-01-01 00:00:00Z");
    }

    [Theory]
    [InlineData("sdk-evidence-hopper-590.json", 1, Sdk590Nonce)]
    [InlineData("sdk-evidence-4gpu-hopper-590.json", 4, Sdk590Nonce)]
    [InlineData("sdk-evidence-hopper-570-cert-hold.json", 1, HopperNonce)]
    public void SdkEvidence_EveryGpuIsValid(string file, int gpus, string nonce)
    {
        var (code, o, _) = Verify(V(file), "--at", At);
        Assert.Equal(0, code);
        Assert.Contains($"NVIDIA attestation SDK evidence JSON ({(gpus == 1 ? "1 GPU" : $"{gpus} GPUs")})", o);
        Assert.Equal(gpus, Regex.Matches(o, "(?m)^(GPU \\d+: )?VALID: NVIDIA GPU report \\(").Count);
        Assert.Equal(gpus, Regex.Matches(o, "PASS  report signature").Count);
        Assert.Equal(gpus, Regex.Matches(o, $"request nonce {nonce} equals the nonce the evidence JSON states").Count);
        if (gpus > 1) Assert.StartsWith($"VALID: NVIDIA attestation SDK evidence JSON (4 GPUs): all 4 GPUs verify", o);
        // The SDK JSON says nothing of the CC mode: shown, not assumed.
        AssertCheck(o, "SKIP", "cc mode", "the evidence does not state the CC mode");
    }

    [Fact]
    public void SdkEvidence_FourGpus_JsonHasFourVerdicts_AndTheGivenNonceIsChecked()
    {
        var (code, o, _) = Verify(V("sdk-evidence-4gpu-hopper-590.json"), "--at", At, "--nonce", Sdk590Nonce, "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(o);
        Assert.Equal("valid", doc.RootElement.GetProperty("verdict").GetString());
        var gpus = doc.RootElement.GetProperty("gpus").EnumerateArray().ToList();
        Assert.Equal(4, gpus.Count);
        Assert.All(gpus, g => Assert.Equal("valid", g.GetProperty("verdict").GetString()));
        Assert.Equal(4, gpus.Select(g => g.GetProperty("fields").GetProperty("device_certificate").GetString()).Distinct().Count()); // four distinct H100s

        var other = Verify(V("sdk-evidence-4gpu-hopper-590.json"), "--at", At, "--nonce", HopperNonce);
        Assert.Equal(1, other.Code);
        Assert.StartsWith("REJECTED: NVIDIA attestation SDK evidence JSON (4 GPUs): 4 of 4 GPUs rejected (GPU 0: REJECTED: GPU attestation report is over nonce " + Sdk590Nonce, other.Out);
        Assert.Equal(4, Regex.Matches(other.Out, "FAIL  nonce").Count);
    }

    [Fact]
    public void SdkEvidence_OneTamperedGpu_RejectsThatGpuOnly()
    {
        var items = JsonNode.Parse(File.ReadAllText(V("sdk-evidence-4gpu-hopper-590.json")))!.AsArray();
        byte[] report = Convert.FromBase64String(items[2]!["evidence"]!.GetValue<string>());
        report[60] ^= 0x01; // a byte of the first measurement value: signed, so only the signature can notice
        items[2]!["evidence"] = Convert.ToBase64String(report);
        var (code, o, _) = Verify(Write("tampered.json", items.ToJsonString()), "--at", At);
        Assert.Equal(1, code);
        Assert.StartsWith("REJECTED: NVIDIA attestation SDK evidence JSON (4 GPUs): 1 of 4 GPUs rejected (GPU 2: REJECTED: GPU attestation report signature does not verify", o);
        foreach (int i in new[] { 0, 1, 3 }) Assert.Contains($"\nGPU {i}: VALID: NVIDIA GPU report", o);
        Assert.Contains("\nGPU 2: REJECTED: GPU attestation report signature does not verify", o);
    }

    private string AttestSimulatedGpu(params string[] extra)
    {
        string file = Path.Combine(_tmp, "gpu.json");
        var (code, _, err) = Cli(["attest", "gpu", "--tee", "simulate", "--simulator-dir", Sim, "--nonce", "0102", "--out", file, .. extra]);
        Assert.True(code == 0, err);
        return file;
    }

    [Fact]
    public void SimulatedGpuEvidence_IsValidOnlyWhenTheSimulatorIsTrusted()
    {
        string file = AttestSimulatedGpu();
        var plain = Verify(file);
        Assert.Equal(1, plain.Code);
        Assert.StartsWith("REJECTED: GPU device certificate chain ends at 'NVIDIA Device Identity CA (simulated)'", plain.Out);
        Assert.Contains("not at the pinned NVIDIA Device Identity CA (the evidence comes from the TeeWasm simulator: --trust-simulator trusts its GPU root)", plain.Out);

        var trusted = Verify(file, "--trust-simulator", Sim);
        Assert.True(trusted.Code == 0, trusted.Out);
        Assert.StartsWith("VALID: NVIDIA GPU report (1010/0200/882, driver 580.65.06), signed by 'GH100 A01 FSP BROM (simulated)', SIMULATED: chain to the trusted simulator GPU root", trusted.Out);
        AssertCheck(trusted.Out, "PASS", "nonce", "equals the first 32 bytes of the evidence's binding");
        AssertCheck(trusted.Out, "PASS", "cc mode", "CC mode 'ON'");
    }

    [Fact]
    public void SimulatedGpuEvidence_AllArray_IsValidWithTheSimulatorTrusted_AndExpiresWithItsCertificates()
    {
        string file = AttestSimulatedGpu("--all");
        var (code, o, _) = Verify(file, "--trust-simulator", Sim);
        Assert.Equal(0, code);
        Assert.Contains("evidence: tee-wasm attest gpu --all JSON (1 GPU)", o);

        // Two results in one array: one verdict each.
        var one = JsonNode.Parse(File.ReadAllText(file))!.AsArray()[0]!;
        var two = Write("two.json", new JsonArray(one.DeepClone(), one.DeepClone()).ToJsonString());
        var both = Verify(two, "--trust-simulator", Sim);
        Assert.Equal(0, both.Code);
        Assert.StartsWith("VALID: tee-wasm attest gpu --all JSON (2 GPUs): all 2 GPUs verify", both.Out);

        var late = Verify(file, "--trust-simulator", Sim, "--at", "2050-01-01");
        Assert.Equal(1, late.Code);
        Assert.StartsWith("REJECTED: GPU device certificate chain: certificate 'GH100 A01 FSP BROM (simulated)' is expired (valid 2024-01-01 00:00:00Z → 2049-12-31 00:00:00Z", late.Out);
    }

    /// <summary>A result as <c>attest gpu</c> writes it on NVML hardware (NvidiaGpuEvidenceSource's evidence shape), around a real report.</summary>
    private string NvmlResult(string ccMode)
    {
        byte[] report = Convert.FromHexString(string.Concat(File.ReadAllText(V("hopperAttestationReport.txt")).Where(c => !char.IsWhiteSpace(c))));
        var evidence = new JsonObject
        {
            ["platform"] = "NVIDIA GPU",
            ["source"] = "nvml",
            ["gpu_index"] = 0,
            ["cc"] = new JsonObject { ["mode"] = ccMode, ["environment"] = "prod" },
            ["nonce"] = HopperNonce,
            ["report"] = new JsonObject { ["spdm_base64"] = Convert.ToBase64String(report) },
            ["certificates_pem"] = File.ReadAllText(V("hopper_cert_chain_case1.txt")),
        };
        var result = new JsonObject
        {
            ["success"] = true, ["token"] = "x", ["evidence"] = evidence.ToJsonString(), ["error"] = null,
            ["timestamp"] = 1, ["tee_type"] = "NVIDIA GPU", ["simulated"] = false,
        };
        return Write($"nvml-{ccMode}.json", result.ToJsonString());
    }

    [Fact]
    public void NvmlShapedEvidence_IsRead_AndItsStatedCcModeIsChecked()
    {
        var on = Verify(NvmlResult("on"), "--at", At);
        Assert.True(on.Code == 0, on.Out);
        Assert.StartsWith("VALID: NVIDIA GPU report (1010/0200/882, driver 550.90.07)", on.Out);
        AssertCheck(on.Out, "PASS", "nonce", "equals the nonce the evidence JSON states");
        AssertCheck(on.Out, "PASS", "cc mode", "CC mode 'on'");

        var devtools = Verify(NvmlResult("devtools"), "--at", At);
        Assert.Equal(1, devtools.Code);
        Assert.Contains(", but cc mode: GPU confidential-computing mode is 'devtools', not 'on'", devtools.Out);
    }

    private string Tamper(string file, Action<JsonObject> change)
    {
        var result = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        var evidence = JsonNode.Parse(result["evidence"]!.GetValue<string>())!.AsObject();
        change(evidence);
        result["evidence"] = evidence.ToJsonString();
        return Write("tampered.json", result.ToJsonString());
    }

    [Fact]
    public void SimulatedGpuEvidence_FlippedReportByte_IsRejected()
    {
        string file = Tamper(AttestSimulatedGpu(), e =>
        {
            byte[] report = Convert.FromBase64String(e["report"]!.GetValue<string>());
            report[60] ^= 0x80; // inside measurement block 1's value
            e["report"] = Convert.ToBase64String(report);
        });
        var (code, o, _) = Verify(file, "--trust-simulator", Sim);
        Assert.Equal(1, code);
        Assert.StartsWith("REJECTED: GPU attestation report signature does not verify with the device certificate 'GH100 A01 FSP BROM (simulated)'", o);
    }

    [Fact]
    public void SimulatedGpuEvidence_OtherBindingNonce_IsRejected_NamingTheNonce()
    {
        string file = Tamper(AttestSimulatedGpu(), e => e["binding"]!["nonce"] = "0103");
        var (code, o, _) = Verify(file, "--trust-simulator", Sim);
        Assert.Equal(1, code);
        Assert.StartsWith("REJECTED: GPU attestation report is over nonce ", o);
        Assert.Contains("(the first 32 bytes of the evidence's binding (module, host key, nonce))", o);
    }

    [Fact]
    public void Policy_GpuRuleThatFails_IsRejected_NamingTheRule()
    {
        string file = AttestSimulatedGpu();
        const string Base = "\"accepted_platforms\": [\"NVIDIA GPU\"], \"allow_simulated\": true";

        var driver = Verify(file, "--trust-simulator", Sim, "--policy", Write("driver.json", "{" + Base + ", \"gpu\": {\"min_driver_version\": \"590\"}}"));
        Assert.Equal(1, driver.Code);
        Assert.Contains(", but driver: GPU driver version 580.65.06 is below gpu.min_driver_version 590", driver.Out);
        AssertCheck(driver.Out, "FAIL", "driver", "below gpu.min_driver_version 590");

        string zeros = new('0', 96);
        var measured = Verify(file, "--trust-simulator", Sim, "--policy", Write("m.json", "{" + Base + ", \"gpu\": {\"allowed_measurements\": [\"" + zeros + "\"]}}"));
        Assert.Equal(1, measured.Code);
        AssertCheck(measured.Out, "FAIL", "policy", "is not in gpu.allowed_measurements");
        Assert.Contains("policy violation: GPU measurement digest", measured.Out);

        var simulated = Verify(file, "--trust-simulator", Sim, "--policy", Write("s.json", "{\"accepted_platforms\": [\"NVIDIA GPU\"]}"));
        Assert.Equal(1, simulated.Code);
        AssertCheck(simulated.Out, "FAIL", "policy", "evidence comes from the simulator");

        var ok = Verify(file, "--trust-simulator", Sim, "--policy", Write("ok.json", "{" + Base + ", \"gpu\": {\"min_driver_version\": \"580.65.06\", \"min_vbios_version\": \"96.00.9f.00.01\"}}"));
        Assert.True(ok.Code == 0, ok.Out);
        Assert.EndsWith("; policy allows it", ok.Out.Split('\n')[0]);
        AssertCheck(ok.Out, "PASS", "driver", "is at least gpu.min_driver_version 580.65.06");
        AssertCheck(ok.Out, "PASS", "policy", "every other rule of the policy holds");
    }

    [Fact]
    public void Policy_OnSdkEvidence_RefusesTheUnknownCcMode_AndTheUncheckedBinding()
    {
        string policy = Write("p.json", "{\"accepted_platforms\": [\"NVIDIA GPU\"]}");
        var (code, o, _) = Verify(V("sdk-evidence-hopper-590.json"), "--at", At, "--policy", policy);
        Assert.Equal(1, code);
        AssertCheck(o, "FAIL", "cc mode", "mode is unknown (the evidence does not state it); gpu.cc_mode_required is true");
        AssertCheck(o, "FAIL", "policy", "report_data binding was not checked");

        string lax = Write("lax.json", "{\"accepted_platforms\": [\"NVIDIA GPU\"], \"gpu\": {\"cc_mode_required\": false}}");
        var given = Verify(V("sdk-evidence-hopper-590.json"), "--at", At, "--policy", lax, "--nonce", Sdk590Nonce);
        Assert.True(given.Code == 0, given.Out);
        AssertCheck(given.Out, "PASS", "cc mode", "gpu.cc_mode_required is false");
    }

    private string RimDir(params string[] rims)
    {
        string dir = Directory.CreateDirectory(Path.Combine(_tmp, "rims")).FullName;
        foreach (string r in rims) File.Copy(V(r), Path.Combine(dir, r));
        return dir;
    }

    [Fact]
    public void Rim_VbiosRimOf535_MismatchesExactlyIndex9_AndNoDriverRimIsAvailable()
    {
        string rims = RimDir("rim-vbios-1010_0200_882_96005E0001-mismatch.xml", "rim-driver-GH100-550.144.03.xml");
        var (code, o, _) = Verify(V("sdk-hopper-535-report.txt"), "--cert", V("sdk-hopper-535-certchain.txt"),
            "--nonce", "27a328247bf7935c993341cf587be6f05986ccce4fe7ba2c54100bd616a58f66", "--at", "2025-05-01", "--rim", rims);
        Assert.Equal(1, code);
        Assert.StartsWith("REJECTED: NVIDIA GPU report (1010/0200/882, driver 535.86.09)", o);
        AssertCheck(o, "FAIL", "vbios rim", "measurements differ from RIM GH100 96.00.5E.00.01 at RIM index 9 (measurement block 10:");
        string vbiosLine = o.Split('\n').Single(l => l.Contains("vbios rim "));
        Assert.Single(Regex.Matches(vbiosLine, "RIM index"));
        AssertCheck(o, "FAIL", "driver rim", "RIM not available for driver 535.86.09");
    }

    [Fact]
    public void Rim_ExpiredSigner_IsRejected_NamingTheDate()
    {
        string rims = RimDir("rim-vbios-1010_0200_882_96005E0001-mismatch.xml");
        var (code, o, _) = Verify(V("sdk-hopper-535-report.txt"), "--cert", V("sdk-hopper-535-certchain.txt"),
            "--nonce", "27a328247bf7935c993341cf587be6f05986ccce4fe7ba2c54100bd616a58f66", "--at", "2026-01-01", "--rim", rims);
        Assert.Equal(1, code);
        AssertCheck(o, "FAIL", "vbios rim", "RIM expired: RIM GH100 96.00.5E.00.01 signing chain: certificate 'HCC RIM L4 Signer' is expired");
        AssertCheck(o, "FAIL", "vbios rim", "→ 2025-12-12");
    }

    [Fact]
    public void Rim_Driver570_IsRejected_ForItsAlteredDocument_AndLaterForItsExpiredSigner()
    {
        string rims = RimDir("rim-driver-GH100-570.124.03-expired.xml");
        string[] args = [V("sdk-hopper-570-report.txt"), "--cert", V("sdk-hopper-certchain-2.txt"), "--nonce", HopperNonce, "--rim", rims];
        var inWindow = Verify([.. args, "--at", "2025-01-01T12:00:00Z"]);
        Assert.Equal(1, inWindow.Code);
        AssertCheck(inWindow.Out, "FAIL", "driver rim", "RIM GH100 570.124.03: RIM XML signature does not verify");
        var today = Verify([.. args, "--at", "2026-01-01"]);
        Assert.Equal(1, today.Code);
        AssertCheck(today.Out, "FAIL", "driver rim", "RIM expired: RIM GH100 570.124.03 signing chain: certificate 'RIM L4 Signer' is expired (valid 2025-01-01 00:00:00Z → 2025-01-02 00:00:00Z");
        AssertCheck(today.Out, "FAIL", "vbios rim", "RIM not available for vbios 96.00.5e.00.04");
    }

    [Fact]
    public void WithoutRims_TheMeasurementsAreSaidNotAppraised()
    {
        var (_, o, _) = Verify(V("hopperAttestationReport.txt"), "--cert", V("hopper_cert_chain_case1.txt"), "--nonce", HopperNonce, "--at", At);
        AssertCheck(o, "SKIP", "rim", "not appraised against NVIDIA RIMs (give --rim DIR)");
    }

    [Theory]
    [InlineData("needs --nonce HEX", "--cert", "hopper_cert_chain_case1.txt")]
    [InlineData("needs --cert CHAIN", "--nonce", HopperNonce)]
    public void RawReport_WithoutChainOrNonce_IsAUsageError(string message, string option, string value)
    {
        var (code, o, e) = Verify(V("hopperAttestationReport.txt"), option, value.EndsWith(".txt", StringComparison.Ordinal) ? V(value) : value);
        Assert.Equal(2, code);
        Assert.Equal("", o);
        Assert.Contains(message, e);
        Assert.Single(e.TrimEnd().Split('\n'));
    }

    /// <summary>An OCSP answer "good" about the leaf of <paramref name="chainFile"/>, by its issuer's CertID, signed by a key that is not the issuer's.</summary>
    internal static byte[] ForgedOcspAnswer(string chainFile, DateTimeOffset at)
    {
        var chain = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        chain.ImportFromPemFile(chainFile);
        using var forger = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP384);
        return TeeWasm.Attestation.Tests.X509.TestOcspResponder.Answer(chain[0], chain[1], forger, 0, at.AddHours(-1), at.AddDays(1));
    }

    [Fact]
    public void OcspAnswers_InTheCollateralFolder_AreChecked_AForgedOneIsRejected()
    {
        string folder = Path.Combine(_tmp, "ocsp");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "leaf.der"), ForgedOcspAnswer(V("hopper_cert_chain_case1.txt"), DateTimeOffset.Parse(At, System.Globalization.CultureInfo.InvariantCulture)));
        string[] args = [V("hopperAttestationReport.txt"), "--cert", V("hopper_cert_chain_case1.txt"), "--nonce", HopperNonce, "--at", At, "--collateral", folder];
        var (code, o, e) = Verify(args);
        Assert.True(code == 1, o + e);
        Assert.Contains("collateral: leaf.der: OCSP answer about 1 certificate(s)", o);
        AssertCheck(o, "PASS", "report signature", "verifies");
        AssertCheck(o, "FAIL", "revocation", $"OCSP answer for 'GH100 A01 GSP FMC LF' ({Path.Combine(folder, "leaf.der")}): the OCSP answer is signed neither by 'GH100 A01 GSP BROM' nor by a responder it delegated");
        var json = JsonNode.Parse(Verify([.. args, "--json"]).Out)!;
        Assert.Equal("OcspInvalid", json["gpus"]![0]!["reason"]!.GetValue<string>());
        Assert.EndsWith("leaf.der", json["collateral"]![0]!["file"]!.GetValue<string>());

        // Without answers the check is a visible SKIP that says how to get them.
        var plain = Verify(V("hopperAttestationReport.txt"), "--cert", V("hopper_cert_chain_case1.txt"), "--nonce", HopperNonce, "--at", At);
        Assert.Equal(0, plain.Code);
        AssertCheck(plain.Out, "SKIP", "revocation", "not checked: no OCSP answers given for the device and RIM signing chains (--collateral DIR holding them, or --fetch)");
    }

    [Fact]
    public void BadGpuCommandLines_AreUsageErrors_InOneLine()
    {
        var cases = new (string[] Args, string Message)[]
        {
            ([V("hopperAttestationReport.txt"), "--cert", V("hopper_cert_chain_case1.txt"), "--nonce", "0102"], "--nonce is 2 bytes; a GPU report's request nonce is 32"),
            ([V("hopperAttestationReport.txt"), "--cert", V("hopper_cert_chain_case1.txt"), "--nonce", "xyz"], "is not hex"),
            ([V("sdk-evidence-hopper-590.json"), "--cert", V("hopper_cert_chain_case1.txt")], "--cert applies to a raw GPU report only"),
            ([V("sdk-evidence-hopper-590.json"), "--collateral", _tmp], "it must hold NVIDIA OCSP answers (DER) for the device certificates"),
            ([V("sdk-evidence-hopper-590.json"), "--rim", Path.Combine(_tmp, "none")], "--rim: folder"),
            ([RepoPaths.Vector("snp", "attestation.bin"), "--nonce", HopperNonce], "--nonce and --module need evidence that records its binding"),
            ([RepoPaths.Vector("snp", "attestation.bin"), "--rim", _tmp], "--rim applies to NVIDIA GPU evidence only"),
            ([Write("bad.json", "[{\"arch\":\"HOPPER\",\"certificate\":\"!!\",\"evidence\":\"!!\",\"nonce\":\"00\"}]")], "malformed GPU evidence JSON"),
        };
        foreach (var (args, message) in cases)
        {
            var (code, o, e) = Verify(args);
            Assert.True(code == 2, string.Join(' ', args) + ": " + o + e);
            Assert.Contains(message, e);
            Assert.Single(e.TrimEnd().Split('\n'));
        }
    }

    [Fact]
    public void FailedAttestationJson_IsRejected_WithItsError()
    {
        string file = Write("failed.json", "{\"success\": false, \"token\": null, \"evidence\": null, \"error\": \"GPU attestation failed: no NVIDIA GPU found\", \"timestamp\": 1, \"tee_type\": \"NVIDIA GPU\", \"simulated\": false}");
        var (code, o, _) = Verify(file);
        Assert.Equal(1, code);
        Assert.StartsWith("REJECTED: the JSON records a failed attestation: GPU attestation failed: no NVIDIA GPU found", o);
    }

    [Fact]
    public void Help_NamesTheGpuOptions()
    {
        var (code, o, _) = Verify("--help");
        Assert.Equal(0, code);
        Assert.Contains("--nonce <HEX>", o);
        Assert.Contains("--rim <DIR>", o);
        Assert.Contains("NVIDIA GPU evidence", o);
    }
}
