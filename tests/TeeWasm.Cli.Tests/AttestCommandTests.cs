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
        Assert.Equal("error: GPU index 3 out of range: 1 GPU(s) present\n", stderr);
    }

    [Fact]
    public void DetectJsonIsWhatAGuestGets()
    {
        var (code, stdout, _) = CliProcess.Run("detect", "--tee", "simulate", "--json");
        Assert.Equal(0, code);
        Assert.Equal("{\"supports_attestation\":true,\"tee_type\":\"AMD SEV-SNP\",\"simulated\":true}\n", stdout);
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
