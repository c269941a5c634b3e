using System.Text.Json;
using System.Text.Json.Nodes;

namespace TeeWasm.Cli.Tests;

/// <summary><c>attest vm --tee simulate --out F</c> then <c>verify F</c>: the round trip of our own evidence JSON.</summary>
public sealed class VerifySimulatedEvidenceTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("teewasm-verify-sim-").FullName;

    public void Dispose() => Directory.Delete(_tmp, true);

    private string Sim => Path.Combine(_tmp, "sim");

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        return (TeeWasmCli.Run(args, o, e), o.ToString(), e.ToString());
    }

    private string Attest()
    {
        string file = Path.Combine(_tmp, "result.json");
        var (code, _, err) = Cli("attest", "vm", "--tee", "simulate", "--simulator-dir", Sim, "--nonce", "0102", "--out", file);
        Assert.True(code == 0, err);
        return file;
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_tmp, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void SimulatedEvidence_IsRefusedUnlessTheSimulatorIsTrusted()
    {
        string file = Attest();
        var plain = Cli("verify", file);
        Assert.Equal(1, plain.Code);
        Assert.Contains("not a trusted root", plain.Out);

        var trusted = Cli("verify", file, "--trust-simulator", Sim);
        Assert.Equal(0, trusted.Code);
        Assert.StartsWith("VALID: AMD SEV-SNP report (SIMULATED", trusted.Out);
        Assert.Contains("report_data matches the binding", trusted.Out);
    }

    [Fact]
    public void Policy_RefusesSimulatedEvidence_UnlessAllowed_AndSeesTheBinding()
    {
        string file = Attest();
        var strict = Cli("verify", file, "--trust-simulator", Sim, "--policy", Write("p.json", "{}"));
        Assert.Equal(1, strict.Code);
        Assert.Contains("policy violation: evidence comes from the simulator", strict.Out);

        var lax = Cli("verify", file, "--trust-simulator", Sim, "--policy", Write("q.json", "{\"allow_simulated\": true}"), "--json");
        Assert.Equal(0, lax.Code);
        using var doc = JsonDocument.Parse(lax.Out);
        Assert.True(doc.RootElement.GetProperty("policy").GetProperty("allowed").GetBoolean());
    }

    [Fact]
    public void TamperedBinding_IsRejected()
    {
        string file = Attest();
        var result = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        var evidence = JsonNode.Parse(result["evidence"]!.GetValue<string>())!.AsObject();
        evidence["binding"]!["nonce"] = "0103";
        result["evidence"] = evidence.ToJsonString();
        var r = Cli("verify", Write("tampered.json", result.ToJsonString()), "--trust-simulator", Sim);
        Assert.Equal(1, r.Code);
        Assert.Contains("REPORT_DATA differs", r.Out);
    }

    [Fact]
    public void TrustSimulator_WithoutDirectory_IsAUsageError() =>
        Assert.Equal(2, Cli("verify", Write("x.json", "{}"), "--trust-simulator", Path.Combine(_tmp, "none")).Code);
}
