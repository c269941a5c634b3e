using System.Text.Json;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Runtime.Tests.Interfaces.Attestation;

/// <summary>The imports <c>attest_all</c> and <c>measurement_log</c>, called as a guest calls them.</summary>
public sealed class CompositeImportTests : IDisposable
{
    private static string Guest => """
        (module
          (import "wasmtime:attestation" "attest_all" (func $attest_all (param i32 i32) (result i32)))
          (import "wasmtime:attestation" "measurement_log" (func $log (result i32)))
          (memory (export "memory") 4)
          (global $heap (mut i32) (i32.const 131072))
          (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
            (local $p i32) (local.set $p (global.get $heap))
            (global.set $heap (i32.add (global.get $heap) (i32.and (i32.add (local.get 3) (i32.const 7)) (i32.const -8)))) (local.get $p))
          (func (export "_start"))
          (func (export "call_attest_all") (param i32 i32) (result i32) (call $attest_all (local.get 0) (local.get 1)))
          (func (export "call_measurement_log") (result i32) (call $log)))
        """;

    private readonly Attester _attester = new(new AttesterOptions
    {
        Mode = AttestationMode.Simulate, SimulatorDirectory = AttestationImportsSimulatedTests.SimulatorDirectory, SimulatedGpuCount = 3,
    });

    public void Dispose() => _attester.Dispose();

    [Fact]
    public void AttestAll_GivesTheGuestOneResultForTheVmAndEveryGpu()
    {
        using var h = new AttestationHarness(Guest, _attester);
        var (p, l) = h.Put([1, 2, 3]);
        using var json = JsonDocument.Parse(h.CallForJson("call_attest_all", p, l));
        JsonElement root = json.RootElement;
        Assert.True(root.GetProperty("success").GetBoolean(), root.GetProperty("error").ToString());
        Assert.Equal("composite", root.GetProperty("tee_type").GetString());
        Assert.Equal(["VM", "GPU 0", "GPU 1", "GPU 2"], root.GetProperty("devices").EnumerateArray().Select(d => d.GetProperty("device").GetString()));
        Assert.True(_attester.VerifyToken(root.GetProperty("token").GetString()!).Valid);
        using var evidence = JsonDocument.Parse(root.GetProperty("evidence").GetString()!);
        Assert.Equal("010203", evidence.RootElement.GetProperty("binding").GetProperty("nonce").GetString());
    }

    [Fact]
    public void AttestAll_RefusesANonceLongerThan64Bytes_AndABadPointer()
    {
        using var h = new AttestationHarness(Guest, _attester);
        Assert.Equal(0, h.Call("call_attest_all", AttestationHarness.InputArea, 65));
        Assert.Equal(0, h.Call("call_attest_all", -1, 4));
        Assert.Contains(h.Log, line => line.StartsWith("attest_all: length 65 exceeds the limit of 64 bytes", StringComparison.Ordinal));
    }

    [Fact]
    public void MeasurementLog_GivesTheCurrentValue()
    {
        using var h = new AttestationHarness(Guest, _attester);
        Assert.Equal($"{{\"algorithm\":\"sha256\",\"value\":\"{new string('0', 64)}\",\"length\":0,\"workload_sha256\":null}}", h.CallForJson("call_measurement_log"));
        var log = new RuntimeMeasurementLog();
        _attester.MeasurementLog = log;
        log.Extend(MeasurementLogEntry.GpuKernel("matmul", "cpu"));
        using var json = JsonDocument.Parse(h.CallForJson("call_measurement_log"));
        Assert.Equal(log.Current.Hex, json.RootElement.GetProperty("value").GetString());
        Assert.Equal(1, json.RootElement.GetProperty("length").GetInt32());
    }
}
