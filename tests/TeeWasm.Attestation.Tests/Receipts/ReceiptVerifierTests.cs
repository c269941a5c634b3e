using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Receipts;
using TeeWasm.Attestation.Tests.Evidence;
using TeeWasm.Attestation.Tokens;
using TeeWasm.Attestation.Verification;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Receipts;

/// <summary>Receipts made as the runner makes them (launch attestation over the receipt id, log, tokens), signed, and checked.</summary>
public sealed class ReceiptVerifierTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly Attester _attester = new(TestSupport.Simulate() with { SimulatedGpuCount = 1 }) { Workload = WorkloadIdentityTests.Trainer() };

    public void Dispose()
    {
        _attester.Dispose();
        _dir.Dispose();
    }

    private static ReceiptVerifyOptions TrustSimulator => new() { Evidence = new VerifyOptions { TrustSimulator = true, SimulatorDirectory = TestSupport.SimulatorDirectory } };

    /// <summary>A run: launch attestation, a shader, a token after it, a written file.</summary>
    private (string Json, byte[] Model) Run()
    {
        byte[] id = RandomNumberGenerator.GetBytes(32);
        var log = new RuntimeMeasurementLog();
        _attester.MeasurementLog = log;
        DateTimeOffset started = DateTimeOffset.UtcNow;
        var launch = _attester.AttestAll(id);
        Assert.True(launch.Success, launch.Error);
        log.Extend(MeasurementLogEntry.Wgsl("@compute @workgroup_size(1) fn main() {}"u8));
        Assert.True(_attester.AttestVm([1]).Success); // names the log after one entry
        byte[] model = Encoding.UTF8.GetBytes("tree 0 ...");
        Directory.CreateDirectory(_dir.File("out"));
        File.WriteAllBytes(Path.Combine(_dir.File("out"), "model.txt"), model);
        var receipt = new RunReceipt
        {
            ReceiptId = id, Workload = _attester.Workload!, MeasurementLog = log.Entries, MeasurementLogValue = log.Current,
            FilesWritten = [new ReceiptFile("out", "model.txt", SHA256.HashData(model), model.Length)], FileTracking = "inotify",
            StdoutSha256 = SHA256.HashData("hello\n"u8), StdoutBytes = 6, ExitCode = 0, Started = started, Ended = DateTimeOffset.UtcNow,
            Tokens = _attester.IssuedTokens, LaunchAttestation = EvidenceDocument.Parse(launch.ToJsonUtf8()), HostKey = _attester.HostKey.PublicPoint,
        };
        return (ReceiptDocument.Sign(receipt, _attester.HostKey), model);
    }

    private static ReceiptAppraisal Verify(string json, ReceiptVerifyOptions options) =>
        ReceiptVerifier.Verify(ReceiptDocument.Parse(Encoding.UTF8.GetBytes(json)), options);

    [Fact]
    public void AReceipt_Verifies_ItsLogReplaysToTheValueInItsTokens()
    {
        var (json, _) = Run();
        File.WriteAllText(_dir.File("stdout"), "hello\n");
        ReceiptAppraisal a = Verify(json, TrustSimulator with { Directories = [new("out", _dir.File("out"))], StdoutFile = _dir.File("stdout") });
        Assert.True(a.Valid, a.Failures);
        Assert.All(a.Checks, c => Assert.Equal(CheckStatus.Pass, c.Status));
        Assert.Contains("1 entry replays to", a.Checks.Single(c => c.Name == ReceiptVerifier.LogCheck).Reason);
    }

    [Fact]
    public void AnEditedReceipt_FailsItsSignature()
    {
        var (json, _) = Run();
        JsonNode node = JsonNode.Parse(json)!;
        node["receipt"]!["exit_code"] = 1;
        Assert.Equal("signature: the signature does not verify: the receipt was changed after it was signed", Verify(node.ToJsonString(), TrustSimulator).Failures);
    }

    [Fact]
    public void AReceiptResignedByAnotherKey_IsNotBoundByTheAttestation()
    {
        var (json, _) = Run();
        SignedReceipt signed = ReceiptDocument.Parse(Encoding.UTF8.GetBytes(json));
        using var other = HostAttestationKey.Create();
        string forged = ReceiptDocument.Sign(signed.Receipt with { HostKey = other.PublicPoint }, other);
        ReceiptAppraisal a = Verify(forged, TrustSimulator);
        Assert.False(a.Valid);
        Assert.Equal("the launch attestation binds another host key than the one that signed the receipt",
            a.Checks.Single(c => c.Name == ReceiptVerifier.BindingCheck).Reason);
        Assert.Equal(CheckStatus.Fail, a.Checks.Single(c => c.Name == ReceiptVerifier.TokensCheck).Status);
    }

    [Fact]
    public void AnEditedOutputFile_IsDetected()
    {
        var (json, model) = Run();
        File.WriteAllBytes(Path.Combine(_dir.File("out"), "model.txt"), [.. model, (byte)'!']);
        Assert.Equal("files: written out/model.txt: its SHA-256 is not the receipt's (the file was changed after the run)",
            Verify(json, TrustSimulator with { Directories = [new("out", _dir.File("out"))] }).Failures);
    }

    [Fact]
    public void ALogWhoseEntriesDoNotReplayToItsValue_IsRejected()
    {
        var (json, _) = Run();
        SignedReceipt signed = ReceiptDocument.Parse(Encoding.UTF8.GetBytes(json));
        // Re-signed by the right key (a host that lies about its log): the value no longer replays, and the token's value is not on the way.
        string lying = ReceiptDocument.Sign(signed.Receipt with { MeasurementLog = [MeasurementLogEntry.Wgsl("other"u8)] }, _attester.HostKey);
        ReceiptAppraisal a = Verify(lying, TrustSimulator);
        Assert.StartsWith("the entries replay to ", a.Checks.Single(c => c.Name == ReceiptVerifier.LogCheck).Reason);
        Assert.Contains("which replaying the log does not give", a.Checks.Single(c => c.Name == ReceiptVerifier.TokensCheck).Reason);
    }
}
