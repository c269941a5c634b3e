using System.Text.Json;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Cli.Tests;

public sealed class AttestCommandTests : IDisposable
{
    private static readonly string s_sim = Path.Combine(Path.GetTempPath(), "teewasm-tests-simulator");
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void SimulatedVmAttestationWritesTheResultFile()
    {
        string file = _dir.File("vm.json");
        var (code, stdout, stderr) = CliProcess.Run("attest", "vm", "--tee", "simulate", "--simulator-dir", s_sim, "--nonce", "00ff", "--out", file);
        Assert.True(code == 0, stderr);
        Assert.StartsWith($"attestation OK: wrote {file} (token: ", stdout);
        using var json = JsonDocument.Parse(File.ReadAllText(file));
        Assert.True(json.RootElement.GetProperty("success").GetBoolean());
        Assert.True(json.RootElement.GetProperty("simulated").GetBoolean());
        using var evidence = JsonDocument.Parse(json.RootElement.GetProperty("evidence").GetString()!);
        Assert.Equal("00ff", evidence.RootElement.GetProperty("binding").GetProperty("nonce").GetString());
    }

    [Fact]
    public void NoTeeAttestationFailsWithTheNoTeeMessage()
    {
        var (code, stdout, stderr) = CliProcess.Run("attest", "vm", "--tee", "none");
        Assert.Equal(1, code);
        Assert.Contains("\"success\": false", stdout);
        Assert.Equal("error: No TEE attestation available. Not running in a Confidential VM (Intel TDX or AMD SEV-SNP)?\n", stderr);
    }

    [Fact]
    public void GpuIndexOutOfRangeFails()
    {
        var (code, _, stderr) = CliProcess.Run("attest", "gpu", "--tee", "simulate", "--simulator-dir", s_sim, "--index", "3");
        Assert.Equal(1, code);
        Assert.Equal("error: GPU index 3 out of range: 1 GPU(s) present\n", CliProcess.WithoutLog(stderr));
    }

    [Fact]
    public void AllGpusAreAttestedEachByItsIndex()
    {
        var (code, stdout, stderr) = CliProcess.Run("attest", "gpu", "--all", "--tee", "simulate", "--simulator-dir", s_sim);
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var results = json.RootElement.EnumerateArray().ToArray();
        Assert.Single(results); // the simulator's default: one GPU
        Assert.True(results[0].GetProperty("success").GetBoolean());
        using var evidence = JsonDocument.Parse(results[0].GetProperty("evidence").GetString()!);
        Assert.Equal(0, evidence.RootElement.GetProperty("fields").GetProperty("gpu_index").GetInt32());
    }

    [Fact]
    public void SimulatedGpuCountIsAnOption()
    {
        var (code, stdout, stderr) = CliProcess.Run("attest", "gpu", "--all", "--tee", "simulate", "--simulator-dir", s_sim, "--simulated-gpus", "3");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var indexes = json.RootElement.EnumerateArray().Select(r =>
        {
            Assert.True(r.GetProperty("success").GetBoolean());
            using var evidence = JsonDocument.Parse(r.GetProperty("evidence").GetString()!);
            return evidence.RootElement.GetProperty("fields").GetProperty("gpu_index").GetInt32();
        });
        Assert.Equal([0, 1, 2], indexes);

        var (none, _, noneErr) = CliProcess.Run("attest", "gpu", "--all", "--tee", "simulate", "--simulator-dir", s_sim, "--simulated-gpus", "0");
        Assert.Equal(1, none);
        Assert.Equal("error: no GPU to attest\n", CliProcess.WithoutLog(noneErr));
        var (bad, _, badErr) = CliProcess.Run("attest", "gpu", "--tee", "simulate", "--simulated-gpus", "17");
        Assert.Equal(2, bad);
        Assert.Equal("error: --simulated-gpus 17: expected 0 to 16\n", CliProcess.WithoutLog(badErr));
    }

    [Fact]
    public void AllGpusWithoutGpusFails()
    {
        var (code, _, stderr) = CliProcess.Run("attest", "gpu", "--all", "--tee", "none");
        Assert.Equal(1, code);
        Assert.Equal("error: no GPU to attest\n", stderr);
    }

    [Fact]
    public void DetectJsonIsWhatAGuestGets()
    {
        var (code, stdout, _) = CliProcess.Run("detect", "--tee", "simulate", "--json");
        Assert.Equal(0, code);
        // The guest's detect_tee members, and what text mode adds (how it was found, the GPUs).
        var json = System.Text.Json.Nodes.JsonNode.Parse(stdout)!;
        Assert.Equal("AMD SEV-SNP", json["tee_type"]!.GetValue<string>());
        Assert.True(json["supports_attestation"]!.GetValue<bool>());
        Assert.True(json["simulated"]!.GetValue<bool>());
        Assert.Equal(1, json["gpus"]!["count"]!.GetValue<int>());
    }

    [Fact]
    public void InfoShowsVersionsAndPlatform()
    {
        var (code, stdout, _) = CliProcess.Run("info", "--tee", "none");
        Assert.Equal(0, code);
        Assert.Contains("Wasmtime (.NET)   50.0.1", stdout);
        Assert.Contains("TEE               None", stdout);
    }
}
