using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Bundles;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Receipts;
using TeeWasm.Attestation.Verification;
using TeeWasm.Gpu.Cpu;
using TeeWasm.Gpu.Kernels;
using TeeWasm.Runtime.Interfaces.Gpu;

namespace TeeWasm.Benchmarks;

/// <summary>
/// What issue 16 adds to a run, on the simulator: the workload digest (JCS + SHA-256), a wasi:gpu dispatch through
/// the measuring backend (a kind already logged) against its inner backend on the same buffers, <c>attest all</c> over the VM and three GPUs,
/// and verifying a bundle and a receipt of it offline.
/// </summary>
[MemoryDiagnoser]
public class WorkloadBenchmarks
{
    private static readonly string s_simulator = Path.Combine(Path.GetTempPath(), "teewasm-bench-simulator");
    private readonly WorkloadIdentity _workload = new()
    {
        ModuleSha256 = SHA256.HashData("guest"u8),
        Arguments = ["guest.wasm", "--data-key", "data-key", "--model-out", "out/model.txt"],
        Environment = [new("EPOCHS", "10"), new("LR", "0.1")],
        Directories = [new WorkloadDirectory("data", DirectoryAccess.ReadOnly), new WorkloadDirectory("out", DirectoryAccess.ReadWrite)],
        Host = new WorkloadHost { Attestation = "simulate", Gpu = "auto", KeyBroker = "http://127.0.0.1:8080/", KeyBrokerEvidence = "teewasm" },
        RuntimeVersion = "0.1.0",
    };

    private Attester _attester = null!;
    private IGpuBackend _inner = null!, _measured = null!;
    private uint _input, _output;
    private SignedBundle _bundle = null!;
    private SignedReceipt _receipt = null!;
    private VerifyOptions _trust = null!;

    [GlobalSetup]
    public void Setup()
    {
        var options = new AttesterOptions { Mode = AttestationMode.Simulate, SimulatorDirectory = s_simulator, SimulatedGpuCount = 3 };
        _attester = new Attester(options) { Workload = _workload, MeasurementLog = new RuntimeMeasurementLog() };
        _inner = new CpuBackend();
        _measured = new MeasuredGpuBackend(_inner, _attester.MeasurementLog);
        (_input, _output) = (_measured.BufferCreate(4096, BufferUsage.Storage).Value, _measured.BufferCreate(4, BufferUsage.Storage).Value);
        if (!ReduceBare().IsOk || !ReduceMeasured().IsOk)
            throw new InvalidOperationException("the benchmark's reduce fails");

        byte[] id = RandomNumberGenerator.GetBytes(32);
        CompositeAttestationResult launch = _attester.AttestAll(id);
        if (!launch.Success) throw new InvalidOperationException(launch.Error);
        _bundle = BundleDocument.Parse(Encoding.UTF8.GetBytes(BundleCollector.Bundle(launch, options, _attester.HostKey)));
        var receipt = new RunReceipt
        {
            ReceiptId = id, Workload = _workload, MeasurementLog = _attester.MeasurementLog.Entries, MeasurementLogValue = _attester.MeasurementLog.Current,
            FileTracking = "inotify", StdoutSha256 = new byte[32], StdoutBytes = 0, ExitCode = 0, Started = DateTimeOffset.UtcNow.AddSeconds(-1),
            Ended = DateTimeOffset.UtcNow, Tokens = _attester.IssuedTokens, LaunchAttestation = EvidenceDocument.Parse(launch.ToJsonUtf8()),
            HostKey = _attester.HostKey.PublicPoint,
        };
        _receipt = ReceiptDocument.Parse(Encoding.UTF8.GetBytes(ReceiptDocument.Sign(receipt, _attester.HostKey)));
        _trust = new VerifyOptions { TrustSimulator = true, SimulatorDirectory = s_simulator };
        if (!BundleVerifier.Verify(_bundle, _trust).Valid || !ReceiptVerifier.Verify(_receipt, new ReceiptVerifyOptions { Evidence = _trust }).Valid)
            throw new InvalidOperationException("the benchmark's bundle or receipt does not verify");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _measured.Dispose();
        _attester.Dispose();
    }

    /// <summary>The workload digest of a launch (a fresh identity: the digest is cached per instance).</summary>
    [Benchmark]
    public byte[] WorkloadDigest() => (_workload with { }).Digest;

    /// <summary>kernel-reduce of 1024 floats on the CPU backend, called directly (the measuring backend's inner one).</summary>
    [Benchmark(Baseline = true)]
    public GpuResult ReduceBare() => _inner.Reduce(new ReduceParams(1024, ReduceOp.Sum), _input, _output);

    /// <summary>The same through the measuring backend (the kind is logged already: a set lookup).</summary>
    [Benchmark]
    public GpuResult ReduceMeasured() => _measured.Reduce(new ReduceParams(1024, ReduceOp.Sum), _input, _output);

    /// <summary>attest all: the VM and 3 GPUs (simulated; results cached per nonce are avoided by a fresh nonce).</summary>
    [Benchmark]
    public bool AttestAllThreeGpus() => _attester.AttestAll(RandomNumberGenerator.GetBytes(16)).Success;

    /// <summary>Verifying the bundle of that attestation offline (signature, the 4 devices with its collateral, validity).</summary>
    [Benchmark]
    public bool VerifyBundle() => BundleVerifier.Verify(_bundle, _trust).Valid;

    /// <summary>Verifying a receipt of it (signature, attestation, binding, log replay, 5 tokens).</summary>
    [Benchmark]
    public bool VerifyReceipt() => ReceiptVerifier.Verify(_receipt, new ReceiptVerifyOptions { Evidence = _trust }).Valid;
}
