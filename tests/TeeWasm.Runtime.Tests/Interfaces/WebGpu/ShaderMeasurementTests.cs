using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Receipts;
using TeeWasm.Attestation.Verification;
using TeeWasm.Runtime.Hosting;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Runtime.Tests.Interfaces.WebGpu;

/// <summary>
/// A guest that compiles a WGSL shader (real Dawn), then attests and asks for the measurement log: the log records the
/// shader, the token names the log's value, and verifying the receipt replays the log to the value in the token.
/// </summary>
public sealed class ShaderMeasurementTests : IDisposable
{
    internal const string Wgsl = "@group(0) @binding(0) var<storage, read_write> d: array<f32>;\n@compute @workgroup_size(1) fn main() { d[0] = 2.0 * d[0]; }\n";

    private static string Guest => $$"""
        (module
          (import "wasi:webgpu" "create-instance" (func $instance (result i32)))
          (import "wasi:webgpu" "request-adapter" (func $adapter (param i32 i32) (result i32)))
          (import "wasi:webgpu" "request-device" (func $device (param i32) (result i32)))
          (import "wasi:webgpu" "create-shader-module" (func $shader (param i32 i32 i32) (result i32)))
          (import "wasmtime_attestation" "attest_vm" (func $attest (result i32)))
          (import "wasmtime_attestation" "measurement_log" (func $log (result i32)))
          (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 4)
          (global $heap (mut i32) (i32.const 131072))
          (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
            (local $p i32)
            (local.set $p (global.get $heap))
            (global.set $heap (i32.add (global.get $heap) (i32.and (i32.add (local.get 3) (i32.const 7)) (i32.const -8))))
            (local.get $p))
          (data (i32.const 1024) "{{Wgsl.Replace("\n", "\\n")}}")
          (func (export "_start")
            (local $p i32)
            (if (i32.eqz (call $shader (call $device (call $adapter (call $instance) (i32.const 0))) (i32.const 1024) (i32.const {{Encoding.UTF8.GetByteCount(Wgsl)}})))
              (then unreachable))
            (drop (call $attest))
            (local.set $p (call $log))
            (i32.store (i32.const 300) (i32.add (local.get $p) (i32.const 4)))
            (i32.store (i32.const 304) (i32.load (local.get $p)))
            (drop (call $write (i32.const 1) (i32.const 300) (i32.const 1) (i32.const 308)))))
        """;

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string SimulatorDirectory => Path.Combine(Path.GetTempPath(), "teewasm-tests-simulator");

    [Fact]
    public void TheLogRecordsTheShader_AndVerifyReplaysItToTheValueInTheToken()
    {
        RunResult r = WasmRunner.Run(GuestModules.WriteTemp(Guest, _dir), new RunOptions
        {
            CacheDirectory = null, StdoutPath = _dir.File("stdout"), StderrPath = _dir.File("stderr"),
            Attestation = new AttesterOptions { Mode = AttestationMode.Simulate, SimulatorDirectory = SimulatorDirectory, SimulatedGpuCount = 0 },
            Receipt = true,
        });
        Assert.True(r.ExitCode == 0, r.Error + File.ReadAllText(_dir.File("stderr")));
        RunReceipt receipt = ReceiptDocument.Parse(Encoding.UTF8.GetBytes(r.Receipt!)).Receipt;

        MeasurementLogEntry entry = Assert.Single(receipt.MeasurementLog);
        Assert.Equal(MeasurementKind.WgslShader, entry.Kind);
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(Wgsl)), entry.Sha256);

        // What the guest was told (measurement_log) is the receipt's value, after one entry.
        using var told = JsonDocument.Parse(File.ReadAllText(_dir.File("stdout")));
        Assert.Equal(receipt.MeasurementLogValue.Hex, told.RootElement.GetProperty("value").GetString());
        Assert.Equal(1, told.RootElement.GetProperty("length").GetInt32());
        Assert.Equal(r.Workload!.DigestHex, told.RootElement.GetProperty("workload_sha256").GetString());

        // The guest's token (after the shader) names the value after one entry; the launch's, before it.
        var guestToken = new JsonWebToken(receipt.Tokens[^1]);
        Assert.Equal(RuntimeMeasurementLog.Replay(receipt.MeasurementLog)[1].Hex, guestToken.GetPayloadValue<string>("measurement_log"));
        Assert.Equal(1, guestToken.GetPayloadValue<int>("measurement_log_length"));
        Assert.Equal(0, new JsonWebToken(receipt.Tokens[0]).GetPayloadValue<int>("measurement_log_length"));

        ReceiptAppraisal a = ReceiptVerifier.Verify(ReceiptDocument.Parse(Encoding.UTF8.GetBytes(r.Receipt!)),
            new ReceiptVerifyOptions { Evidence = new VerifyOptions { TrustSimulator = true, SimulatorDirectory = SimulatorDirectory } });
        Assert.True(a.Valid, a.Failures);
        Assert.Equal(CheckStatus.Pass, a.Checks.Single(c => c.Name == ReceiptVerifier.TokensCheck).Status);
    }
}
