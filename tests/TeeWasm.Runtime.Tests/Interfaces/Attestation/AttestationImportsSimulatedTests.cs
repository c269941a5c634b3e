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

    /// <summary>
    /// Issue 12 item 11: wasm32 addresses are unsigned. A guest whose memory passes 2 GiB hands the host pointers ≥
    /// 0x8000_0000 (negative as i32) for its nonce and token, and its allocator returns blocks there: all are used.
    /// </summary>
    [Fact]
    public void PointersAtAndAbove2GiBAreAddresses()
    {
        const uint high = 0x8000_0000, heap = high + 0x1_0000;
        using var h = new AttestationHarness(GuestModules.AttestationGuest(pages: 32770, heapStart: heap), _attester);
        byte[] nonce = [0xde, 0xad, 0xbe, 0xef];
        var (p, l) = h.Put(nonce, at: high);
        Assert.True(p < 0);
        int result = h.Call("call_attest_vm_nonce", p, l);
        Assert.True((uint)result >= heap, $"result at {(uint)result:x}: not the guest's allocation");
        using var vm = JsonDocument.Parse(h.ReadResult(result));
        Assert.True(vm.RootElement.GetProperty("success").GetBoolean(), vm.RootElement.GetProperty("error").GetString());
        using var evidence = JsonDocument.Parse(vm.RootElement.GetProperty("evidence").GetString()!);
        Assert.Equal("deadbeef", evidence.RootElement.GetProperty("binding").GetProperty("nonce").GetString());

        var (tp, tl) = h.Put(System.Text.Encoding.UTF8.GetBytes(vm.RootElement.GetProperty("token").GetString()!), at: high + 0x100);
        Assert.Equal(1, h.Call("call_verify_token", tp, tl));
        using var verdict = JsonDocument.Parse(h.CallForJson("call_verify_token_json", tp, tl));
        Assert.True(verdict.RootElement.GetProperty("valid").GetBoolean(), verdict.RootElement.GetProperty("reason").GetString());
        Assert.DoesNotContain(h.Log, line => line.Contains("negative"));

        // Still range-checked: a range that runs past the end of memory is refused.
        Assert.Equal(0, h.Call("call_verify_token", unchecked((int)(32770u * 65536 - 8)), 16));
        Assert.Contains(h.Log, line => line.Contains("outside guest memory"));
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
