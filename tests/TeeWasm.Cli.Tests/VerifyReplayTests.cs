using System.Security.Cryptography;
using System.Text.Json;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Cli.Tests;

/// <summary>
/// Issue 12 item 9: <c>verify</c> is told what to expect — <c>--nonce</c>, <c>--module</c>/<c>--module-hash</c> through
/// the binding the signed report_data carries, <c>--report-data</c> against the signed report itself — so replayed
/// evidence is rejected naming the mismatch, and the right values are accepted; the binding is in <c>--json</c>.
/// </summary>
public sealed class VerifyReplayTests : IClassFixture<VerifyReplayTests.SimulatedEvidence>
{
    /// <summary>One simulator and one simulated attestation (nonce 0102, a module) for the class: RSA-4096 keys take seconds.</summary>
    public sealed class SimulatedEvidence : IDisposable
    {
        public string Dir { get; } = Directory.CreateTempSubdirectory("teewasm-replay-").FullName;
        public string Sim => Path.Combine(Dir, "sim");
        public string Module => Path.Combine(Dir, "guest.wasm");
        public string File => Path.Combine(Dir, "result.json");

        public SimulatedEvidence()
        {
            System.IO.File.WriteAllBytes(Module, [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
            var (code, _, err) = Cli("attest", "vm", "--tee", "simulate", "--simulator-dir", Sim, "--nonce", "0102", "--module", Module, "--out", File);
            Assert.True(code == 0, err);
        }

        public void Dispose() => Directory.Delete(Dir, true);
    }

    private readonly SimulatedEvidence _e;

    public VerifyReplayTests(SimulatedEvidence e) => _e = e;

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        return (TeeWasmCli.Run(args, o, e), o.ToString(), e.ToString());
    }

    private (int Code, string Out, string Err) Verify(params string[] args) => Cli(["verify", _e.File, "--trust-simulator", _e.Sim, .. args]);

    private string ModuleHash => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(_e.Module)));

    [Fact]
    public void RightNonceAndModule_AreAccepted()
    {
        var (code, o, err) = Verify("--nonce", "0102", "--module", _e.Module);
        Assert.True(code == 0, o + err);
        Assert.Matches($@"\n  PASS  binding +nonce 0102, module SHA-256 {ModuleHash}: as expected \(the teewasm binding the signed report_data carries\)", o);
        Assert.Equal(0, Verify("--nonce", "0102", "--module-hash", ModuleHash).Code);
    }

    [Fact]
    public void ReplayedWithAnotherNonce_IsRejected_NamingTheMismatch()
    {
        var (code, o, _) = Verify("--nonce", "0103");
        Assert.Equal(1, code);
        Assert.StartsWith("REJECTED: AMD SEV-SNP report (SIMULATED", o);
        Assert.Contains(", but binding: nonce mismatch: the evidence is bound to nonce 0102, not the expected --nonce 0103 (replayed or for another request)", o);
        Assert.Matches(@"\n  FAIL  binding +nonce mismatch", o);
    }

    [Fact]
    public void AnotherModule_IsRejected_NamingTheMismatch()
    {
        string other = Convert.ToHexStringLower(SHA256.HashData("another module"u8));
        var (code, o, _) = Verify("--nonce", "0102", "--module-hash", other);
        Assert.Equal(1, code);
        Assert.Contains($"binding: module mismatch: the evidence binds module SHA-256 {ModuleHash}, not {other} (--module-hash)", o);
    }

    [Fact]
    public void Json_CarriesTheBinding_TheExpectation_AndAReasonCode()
    {
        var (code, o, _) = Verify("--nonce", "0103", "--json");
        Assert.Equal(1, code);
        using var doc = JsonDocument.Parse(o);
        JsonElement root = doc.RootElement;
        Assert.Equal("rejected", root.GetProperty("verdict").GetString());
        Assert.Equal("NonceMismatch", root.GetProperty("reason").GetString());
        Assert.Equal("teewasm", root.GetProperty("binding").GetProperty("scheme").GetString());
        Assert.Equal("0102", root.GetProperty("binding").GetProperty("nonce").GetString());
        Assert.Equal(ModuleHash, root.GetProperty("binding").GetProperty("module_sha256").GetString());
        Assert.Equal("0103", root.GetProperty("expected").GetProperty("nonce").GetString());
        JsonElement binding = root.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "binding");
        Assert.Equal("NonceMismatch", binding.GetProperty("code").GetString());
    }

    [Fact]
    public void WithoutExpectations_TheBindingCheckIsAVisibleSkip()
    {
        var (code, o, _) = Verify();
        Assert.Equal(0, code);
        Assert.Matches(@"\n  SKIP  binding +not checked against an expected value: the evidence is bound to nonce 0102 and module [0-9a-f]{64} \(its own teewasm binding, which the signed report_data carries\); give --nonce and --module to reject a replay", o);
    }

    [Fact]
    public void RawReport_ReportDataIsCheckedAgainstTheSignedReport()
    {
        string report = RepoPaths.Vector("snp", "attestation.bin"), vcek = RepoPaths.Vector("snp", "vcek.testcer");
        string policy = Path.Combine(_e.Dir, "debug-ok.json");
        File.WriteAllText(policy, "{\"allow_debug\": true, \"require_report_data_binding\": false}");
        var right = Cli("verify", report, "--cert", vcek, "--policy", policy, "--report-data", "0102030405", "--at", "2026-06-01");
        Assert.True(right.Code == 0, right.Out);
        Assert.Contains("PASS  binding              report_data 0102030405: as expected (the signed report_data)", right.Out);

        var wrong = Cli("verify", report, "--cert", vcek, "--policy", policy, "--report-data", "0102030406", "--at", "2026-06-01", "--json");
        Assert.Equal(1, wrong.Code);
        using var doc = JsonDocument.Parse(wrong.Out);
        Assert.Equal("ReportDataMismatch", doc.RootElement.GetProperty("reason").GetString());
        Assert.Equal("REPORT_DATA differs from the expected value", doc.RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public void NonceForARawReport_IsAUsageError_SayingWhatToGive()
    {
        var (code, _, err) = Cli("verify", RepoPaths.Vector("snp", "attestation.bin"), "--cert", RepoPaths.Vector("snp", "vcek.testcer"), "--nonce", "0102");
        Assert.Equal(2, code);
        Assert.Contains("--nonce and --module need evidence that records its binding", err);
        Assert.Contains("give --report-data HEX", err);
    }

    [Fact]
    public void BadExpectations_AreUsageErrors()
    {
        Assert.Contains("--module-hash is 2 bytes; a SHA-256 is 32", Verify("--module-hash", "0102").Err);
        Assert.Contains("--report-data is 65 bytes; report_data holds 64", Verify("--report-data", new string('a', 130)).Err);
        Assert.Contains("--nonce 'zz' is not hex", Verify("--nonce", "zz").Err);
        Assert.Contains("--module: file", Verify("--module", Path.Combine(_e.Dir, "missing.wasm")).Err);
    }

    [Fact]
    public void AttestVmFormatBin_WritesTheRawSignedReport_WhichVerifyReads()
    {
        string bin = Path.Combine(_e.Dir, "report.bin");
        var (code, o, err) = Cli("attest", "vm", "--tee", "simulate", "--simulator-dir", _e.Sim, "--nonce", "0102", "--format", "bin", "--out", bin);
        Assert.True(code == 0, err);
        Assert.Contains("(1184 bytes: the raw AMD SEV-SNP report)", o);
        Assert.Equal(1184, new FileInfo(bin).Length);
        string certs = Path.Combine(_e.Dir, "sim-certs.pem");
        using (var doc = JsonDocument.Parse(File.ReadAllText(_e.File)))
        using (var evidence = JsonDocument.Parse(doc.RootElement.GetProperty("evidence").GetString()!))
            File.WriteAllText(certs, string.Join("\n", evidence.RootElement.GetProperty("certificates").EnumerateArray().Select(c => c.GetString())));
        var verify = Cli("verify", bin, "--cert", certs, "--trust-simulator", _e.Sim);
        Assert.True(verify.Code == 0, verify.Out + verify.Err);
        Assert.StartsWith("VALID: AMD SEV-SNP report (SIMULATED", verify.Out);
        Assert.Contains("--format bin writes binary: give --out FILE", Cli("attest", "vm", "--tee", "simulate", "--simulator-dir", _e.Sim, "--format", "bin").Err);
    }
}
