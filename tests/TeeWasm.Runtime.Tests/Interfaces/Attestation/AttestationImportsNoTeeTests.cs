using System.Text.Json;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Linux;
using TeeWasm.Attestation.Platforms.Nvidia;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Tests.Shared;
namespace TeeWasm.Runtime.Tests.Interfaces.Attestation;

/// <summary>The host functions on a machine with no TEE, and against hostile or broken guests.</summary>
public sealed class AttestationImportsNoTeeTests : IDisposable
{
    private readonly TempDir _empty = new();
    private readonly Attester _attester;

    public AttestationImportsNoTeeTests()
    {
        // Auto mode with every probe pointed at an empty directory: a machine without any TEE.
        var probe = new TeeProbeOptions
        {
            TsmReportRoot = _empty.File("tsm"),
            SevGuestDevice = _empty.File("sev-guest"),
            TdxGuestDevices = [_empty.File("tdx_guest")],
            SevFirmwareDirectory = _empty.File("sev"),
            TpmDevice = _empty.File("tpmrm0"),
            NvmlLibrary = "libnvidia-ml-absent.so.1",
        };
        _attester = new Attester(new AttesterOptions { Mode = AttestationMode.Auto, Probe = probe });
    }

    public void Dispose()
    {
        _attester.Dispose();
        _empty.Dispose();
    }

    [Theory]
    [InlineData("wasmtime_attestation")]
    [InlineData("wasmtime:attestation")]
    public void AttestVmWithoutTeeGivesTheExactNoTeeResult(string module)
    {
        using var h = new AttestationHarness(GuestModules.AttestationGuest(module), _attester);
        string json = h.CallForJson("call_attest_vm");
        long ts = JsonDocument.Parse(json).RootElement.GetProperty("timestamp").GetInt64();
        Assert.Equal(
            "{\"success\":false,\"token\":null,\"evidence\":null,\"error\":\"No TEE attestation available. Not running in a Confidential VM (Intel TDX or AMD SEV-SNP)?\",\"timestamp\":" + ts + "}",
            json);
        Assert.InRange(ts, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
    }

    [Fact]
    public void DetectTeeWithoutTee()
    {
        using var h = new AttestationHarness(GuestModules.AttestationGuest(), _attester);
        Assert.Equal("{\"supports_attestation\":false,\"tee_type\":\"None\"}", h.CallForJson("call_detect_tee"));
    }

    [Fact]
    public void AttestGpuWithoutGpuFailsClearly()
    {
        using var h = new AttestationHarness(GuestModules.AttestationGuest(), _attester);
        var root = JsonDocument.Parse(h.CallForJson("call_attest_gpu", 0)).RootElement;
        Assert.False(root.GetProperty("success").GetBoolean());
        Assert.Equal("GPU attestation failed: no NVIDIA GPU found", root.GetProperty("error").GetString());
    }

    [Fact]
    public void VerifyTokenRejectsThreeDotsAndGarbage()
    {
        using var h = new AttestationHarness(GuestModules.AttestationGuest(), _attester);
        foreach (var token in new[] { "a.b.c", "..", "x", "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0." })
        {
            var (p, l) = h.Put(token);
            Assert.Equal(0, h.Call("call_verify_token", p, l));
        }
    }

    [Fact]
    public void VerifyTokenJsonSaysWhy()
    {
        using var h = new AttestationHarness(GuestModules.AttestationGuest(), _attester);
        var (p, l) = h.Put("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpc3MiOiJ0ZWUtd2FzbS1sb2NhbC12ZXJpZmllciJ9.");
        var root = JsonDocument.Parse(h.CallForJson("call_verify_token_json", p, l)).RootElement;
        Assert.False(root.GetProperty("valid").GetBoolean());
        Assert.Equal("unsigned token (alg none) rejected", root.GetProperty("reason").GetString());
        Assert.Equal("tee-wasm-local-verifier", root.GetProperty("issuer").GetString());
    }

    /// <summary>
    /// Issue 12 item 2: tokens that made <c>verify_token_json</c> trap the guest (a 5-segment token whose header is JSON,
    /// a payload that is JSON followed by extra bytes) get <c>{"valid":false,"reason":…}</c>.
    /// </summary>
    [Theory]
    [InlineData("e30.e30.e30.e30.e30")]
    [InlineData("eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ0ZWUtd2FzbS1sb2NhbC12ZXJpZmllciJ9eA.c2ln")]
    [InlineData("eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0gW10.c2ln")]
    public void VerifyTokenJsonAnswersHostileTokensWithoutTrapping(string token)
    {
        using var h = new AttestationHarness(GuestModules.AttestationGuest(), _attester);
        var (p, l) = h.Put(token);
        Assert.Equal(0, h.Call("call_verify_token", p, l));
        var root = JsonDocument.Parse(h.CallForJson("call_verify_token_json", p, l)).RootElement;
        Assert.False(root.GetProperty("valid").GetBoolean());
        Assert.StartsWith("malformed token", root.GetProperty("reason").GetString());
    }

    [Theory]
    [InlineData(-1, 10)]
    [InlineData(10, -1)]
    [InlineData(int.MaxValue, 10)]
    [InlineData(262100, 100)]          // crosses the end of the 4-page memory
    [InlineData(0, int.MaxValue)]      // huge length
    public void HostileTokenPointersReturnZero(int ptr, int len)
    {
        using var h = new AttestationHarness(GuestModules.AttestationGuest(), _attester);
        Assert.Equal(0, h.Call("call_verify_token", ptr, len));
        Assert.NotEmpty(h.Log);
        var root = JsonDocument.Parse(h.CallForJson("call_verify_token_json", ptr, len)).RootElement;
        Assert.False(root.GetProperty("valid").GetBoolean());
        Assert.Equal(0, h.Call("call_attest_vm_nonce", ptr, len));
    }

    [Fact]
    public void InvalidUtf8TokenReturnsZero()
    {
        using var h = new AttestationHarness(GuestModules.AttestationGuest(), _attester);
        var (p, l) = h.Put([0xff, 0xfe, 0x2e, 0x2e]);
        Assert.Equal(0, h.Call("call_verify_token", p, l));
        Assert.Contains(h.Log, line => line.Contains("not valid UTF-8"));
    }

    [Fact]
    public void GuestWithoutCabiReallocGetsTheNoTeeResultInTheHostsArea()
    {
        using var h = new AttestationHarness(GuestModules.AttestationGuest(withRealloc: false), _attester);
        long size = h.Instance.GetMemory("memory")!.GetLength();
        int ptr = h.Call("call_attest_vm");
        Assert.Equal(size, ptr);
        Assert.Contains(AttestationResult.NoTeeError, h.ReadResult(ptr));
        Assert.Equal("{\"supports_attestation\":false,\"tee_type\":\"None\"}", h.CallForJson("call_detect_tee"));
        Assert.Empty(h.Log);
    }

    [Fact]
    public void GuestWithoutMemoryExportGetsZero()
    {
        using var h = new AttestationHarness(GuestModules.AttestationGuest(withMemory: false), _attester);
        Assert.Equal(0, h.Call("call_attest_vm"));
        Assert.Contains(h.Log, line => line.Contains("guest exports no 'memory'"));
    }

    [Theory]
    [InlineData("(i32.const 0)")]            // null
    [InlineData("(i32.const -8)")]           // past 2 GiB
    [InlineData("(i32.const 262140)")]       // block would cross the end of memory
    public void BadAllocatorResultIsNeverWrittenThrough(string returned)
    {
        using var h = new AttestationHarness(GuestModules.AttestationGuest(reallocBody: returned), _attester);
        var memory = h.Instance.GetMemory("memory")!;
        byte[] before = memory.GetSpan(0, (int)memory.GetLength()).ToArray();
        Assert.Equal(0, h.Call("call_attest_vm"));
        Assert.True(before.AsSpan().SequenceEqual(memory.GetSpan(0, (int)memory.GetLength())), "guest memory changed");
        Assert.Contains(h.Log, line => line.Contains("cabi_realloc returned"));
    }

    [Fact]
    public void TrappingAllocatorTrapsTheGuestNotTheHost()
    {
        using var h = new AttestationHarness(GuestModules.AttestationGuest(reallocBody: "unreachable"), _attester);
        var e = Assert.ThrowsAny<Wasmtime.WasmtimeException>(() => h.Call("call_attest_vm"));
        Assert.Contains("unreachable", e.Message);
    }

    [Fact]
    public void TooLongNonceIsRefusedWithZero()
    {
        using var h = new AttestationHarness(GuestModules.AttestationGuest(), _attester);
        var (p, _) = h.Put(new byte[65]);
        Assert.Equal(0, h.Call("call_attest_vm_nonce", p, 65));
    }
}
