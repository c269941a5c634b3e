using System.Text.Json;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Runtime.Hosting;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Runtime.Tests.Interfaces.Attestation;

/// <summary>Every host function's result JSON against the simulator, and the original guests' exact ABI.</summary>
public sealed class AttestationImportsSimulatedTests : IDisposable
{
    internal static readonly string SimulatorDirectory = Path.Combine(Path.GetTempPath(), "teewasm-tests-simulator");
    private readonly Attester _attester = new(new AttesterOptions { Mode = AttestationMode.Simulate, SimulatorDirectory = SimulatorDirectory });

    public void Dispose() => _attester.Dispose();

    [Fact]
    public void DetectTeeSaysSimulatedSnp()
    {
        using var h = new AttestationHarness(GuestModules.AttestationGuest(), _attester);
        Assert.Equal("{\"supports_attestation\":true,\"tee_type\":\"AMD SEV-SNP\",\"simulated\":true}", h.CallForJson("call_detect_tee"));
    }

    [Fact]
    public void AttestVmReturnsAVerifiableToken()
    {
        using var h = new AttestationHarness(GuestModules.AttestationGuest(), _attester);
        using var json = JsonDocument.Parse(h.CallForJson("call_attest_vm"));
        var root = json.RootElement;
        Assert.True(root.GetProperty("success").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("error").ValueKind);
        Assert.Equal("AMD SEV-SNP", root.GetProperty("tee_type").GetString());
        Assert.True(root.GetProperty("simulated").GetBoolean());
        string token = root.GetProperty("token").GetString()!;

        var (p, l) = h.Put(token);
        Assert.Equal(1, h.Call("call_verify_token", p, l));
        using var verdict = JsonDocument.Parse(h.CallForJson("call_verify_token_json", p, l));
        Assert.True(verdict.RootElement.GetProperty("valid").GetBoolean());
        Assert.Equal("tee-wasm-local-verifier", verdict.RootElement.GetProperty("issuer").GetString());
        Assert.Equal("vm", verdict.RootElement.GetProperty("claims").GetProperty("sub").GetString());

        // One flipped character in the signature: rejected.
        char last = token[^2];
        var (p2, l2) = h.Put(token[..^2] + (last == 'A' ? 'B' : 'A') + token[^1]);
        Assert.Equal(0, h.Call("call_verify_token", p2, l2));
    }

    [Fact]
    public void NonceVariantsBindTheGuestsNonce()
    {
        using var h = new AttestationHarness(GuestModules.AttestationGuest(), _attester);
        byte[] nonce = [0xde, 0xad, 0xbe, 0xef];
        var (p, l) = h.Put(nonce);
        using var vm = JsonDocument.Parse(h.CallForJson("call_attest_vm_nonce", p, l));
        using var evidence = JsonDocument.Parse(vm.RootElement.GetProperty("evidence").GetString()!);
        Assert.Equal("deadbeef", evidence.RootElement.GetProperty("binding").GetProperty("nonce").GetString());
        var report = SnpReport.Parse(Convert.FromBase64String(evidence.RootElement.GetProperty("report").GetString()!));
        Assert.Equal(ReportDataBinding.Compute(_attester.ModuleHash, _attester.HostKey.PublicPoint, nonce), report.ReportData);

        using var gpu = JsonDocument.Parse(h.CallForJson("call_attest_gpu_nonce", 0, p, l));
        Assert.True(gpu.RootElement.GetProperty("success").GetBoolean());
        Assert.Equal("NVIDIA GPU", gpu.RootElement.GetProperty("tee_type").GetString());
    }

    [Fact]
    public void AttestGpuOutOfRangeIsAClearFailure()
    {
        using var h = new AttestationHarness(GuestModules.AttestationGuest(), _attester);
        using var json = JsonDocument.Parse(h.CallForJson("call_attest_gpu", 7));
        Assert.False(json.RootElement.GetProperty("success").GetBoolean());
        Assert.Equal("GPU index 7 out of range: 1 GPU(s) present", json.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public void ClearCacheForcesFreshEvidence()
    {
        using var h = new AttestationHarness(GuestModules.AttestationGuest(), _attester);
        string first = h.CallForJson("call_attest_vm");
        Assert.Equal(first, h.CallForJson("call_attest_vm"));
        h.Call("call_clear_cache");
        Assert.NotEqual(first, h.CallForJson("call_attest_vm"));
    }

    [Fact]
    public void EachResultIsANewGuestAllocationNeverAFixedOffset()
    {
        using var h = new AttestationHarness(GuestModules.AttestationGuest(), _attester);
        int a = h.Call("call_detect_tee"), b = h.Call("call_detect_tee");
        Assert.True(a >= 131072 && b > a, $"results at {a} and {b} should come from the guest's heap");
    }

    [Theory]
    [InlineData(AttestationMode.Simulate, "\"success\":true")]
    [InlineData(AttestationMode.None, "\"error\":\"No TEE attestation available.")]
    public void GuestWithTheOriginalsExactImportsRunsAndReadsResults(AttestationMode mode, string expected)
    {
        using var dir = new TempDir();
        string stdout = dir.File("out.txt");
        var result = WasmRunner.Run(Path.Combine(RepoPaths.Root, "guests", "wat", "compat_original.wat"), new RunOptions
        {
            CacheDirectory = null,
            StdoutPath = stdout,
            Attestation = new AttesterOptions { Mode = mode, SimulatorDirectory = SimulatorDirectory },
        });
        Assert.Null(result.Error); // the guest traps if the host wrote at 1024 or 1 MiB
        Assert.Equal(0, result.ExitCode);
        string[] lines = File.ReadAllLines(stdout);
        Assert.StartsWith("{\"supports_attestation\":", lines[0]);
        Assert.Contains(expected, lines[1]);
        Assert.StartsWith("{\"success\":", lines[2]);
        Assert.Equal("verify_token=0", lines[^1]); // "a.b.c" is not a token
    }
}
