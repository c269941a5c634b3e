using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Receipts;
using TeeWasm.Attestation.Verification;
using TeeWasm.Runtime.Hosting;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Runtime.Tests.Hosting;

/// <summary>
/// Runs that measure the launch and sign a receipt: a WAT guest reads in/input.txt, writes out/result.txt and stdout,
/// and attests; the receipt names what it read and wrote, and verifies.
/// </summary>
public sealed class ReceiptRunTests : IDisposable
{
    private readonly TempDir _dir = new();

    public ReceiptRunTests()
    {
        Directory.CreateDirectory(_dir.File("in"));
        Directory.CreateDirectory(_dir.File("out"));
        File.WriteAllText(Path.Combine(_dir.File("in"), "input.txt"), "the input");
        File.WriteAllText(Path.Combine(_dir.File("in"), "unread.txt"), "not read");
    }

    public void Dispose() => _dir.Dispose();

    private static string SimulatorDirectory => Path.Combine(Path.GetTempPath(), "teewasm-tests-simulator");

    private RunOptions Options(Func<RunOptions, RunOptions>? tweak = null)
    {
        var o = new RunOptions
        {
            CacheDirectory = null,
            StdoutPath = _dir.File("stdout.txt"),
            StderrPath = _dir.File("stderr.txt"),
           
            Attestation = new AttesterOptions { Mode = AttestationMode.Simulate, SimulatorDirectory = SimulatorDirectory, SimulatedGpuCount = 1 },
            Directories = [new DirectoryMapping(_dir.File("in"), "in", DirectoryAccess.ReadOnly), new DirectoryMapping(_dir.File("out"), "out")],
            Environment = [new("EPOCHS", "10")],
            Receipt = true,
        };
        return tweak is null ? o : tweak(o);
    }

    private RunResult Run(Func<RunOptions, RunOptions>? tweak = null) =>
        WasmRunner.Run(GuestModules.WriteTemp(GuestModules.ReadsWritesAttests, _dir), Options(tweak));

    private static ReceiptAppraisal Verify(string receipt, params KeyValuePair<string, string>[] dirs) =>
        ReceiptVerifier.Verify(ReceiptDocument.Parse(Encoding.UTF8.GetBytes(receipt)), new ReceiptVerifyOptions
        {
            Evidence = new VerifyOptions { TrustSimulator = true, SimulatorDirectory = SimulatorDirectory }, Directories = dirs,
        });

    [Fact]
    public void TheReceipt_NamesTheFilesReadAndWritten_StdoutAndTokens_AndVerifies()
    {
        RunResult r = Run();
        Assert.True(r.ExitCode == 0, r.Error);
        RunReceipt receipt = ReceiptDocument.Parse(Encoding.UTF8.GetBytes(r.Receipt!)).Receipt;

        Assert.Equal(r.Workload!.DigestHex, receipt.Workload.DigestHex);
        Assert.Equal(["in/input.txt"], receipt.FilesRead.Select(f => f.GuestPath)); // unread.txt was not read
        Assert.Equal(SHA256.HashData("the input"u8), receipt.FilesRead[0].Sha256);
        Assert.Equal(["out/result.txt"], receipt.FilesWritten.Select(f => f.GuestPath));
        Assert.Equal(SHA256.HashData("done\n"u8), receipt.FilesWritten[0].Sha256);
        Assert.Equal(SHA256.HashData("done\n"u8), receipt.StdoutSha256);
        Assert.Equal("inotify", receipt.FileTracking);
        Assert.Equal(0, receipt.ExitCode);
        // The launch's tokens (VM, GPU, composite) and the guest's attest_vm: each names this workload.
        Assert.Equal(4, receipt.Tokens.Count);
        Assert.All(receipt.Tokens, t => Assert.Equal(r.Workload.DigestHex, new JsonWebToken(t).GetPayloadValue<string>("workload_sha256")));

        ReceiptAppraisal a = Verify(r.Receipt!, KeyValuePair.Create("in", _dir.File("in")), KeyValuePair.Create("out", _dir.File("out")));
        Assert.True(a.Valid, a.Failures);
        Assert.Equal("2 file(s) match the receipt's digests", a.Checks.Single(c => c.Name == ReceiptVerifier.FilesCheck).Reason);
    }

    [Fact]
    public void EditingTheOutputFileOrTheReceipt_IsDetected()
    {
        RunResult r = Run();
        File.AppendAllText(Path.Combine(_dir.File("out"), "result.txt"), "!");
        Assert.Equal("files: written out/result.txt: its SHA-256 is not the receipt's (the file was changed after the run)",
            Verify(r.Receipt!, KeyValuePair.Create("out", _dir.File("out"))).Failures);

        JsonNode node = JsonNode.Parse(r.Receipt!)!;
        node["receipt"]!["files"]!["written"]![0]!["sha256"] = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(_dir.File("out"), "result.txt"))));
        Assert.StartsWith("signature: the signature does not verify", Verify(node.ToJsonString(), KeyValuePair.Create("out", _dir.File("out"))).Failures);
    }

    [Fact]
    public void ChangingOneEnvironmentVariable_ChangesTheWorkloadBoundIntoTheEvidence()
    {
        RunResult a = Run(), b = Run(o => o with { Environment = [new("EPOCHS", "20")] });
        Assert.NotEqual(a.Workload!.DigestHex, b.Workload!.DigestHex);
        Assert.Equal(["environment EPOCHS: '10' → '20'"], b.Workload.DifferencesFrom(a.Workload));
        var composite = AttestationPlatforms.ReadComposite(ReceiptDocument.Parse(Encoding.UTF8.GetBytes(b.Receipt!)).Receipt.LaunchAttestation);
        Assert.Equal(BindingScheme.TeeWasmWorkload, composite.Binding.Scheme);
        Assert.Equal(b.Workload.Digest, composite.Binding.WorkloadSha256);
        Assert.Equal("EPOCHS", composite.Binding.Workload!.Environment[0].Key);
    }

    [Fact]
    public void AReadOnlyDirectory_CannotBeWrittenByTheGuest()
    {
        // The same guest with its output directory read-only: opening result.txt for writing fails and the guest traps.
        RunResult r = Run(o => o with { Directories = [o.Directories[0], new DirectoryMapping(_dir.File("out"), "out", DirectoryAccess.ReadOnly)] });
        Assert.Equal(GuestFailure.TrapExitCode, r.ExitCode);
        Assert.False(File.Exists(Path.Combine(_dir.File("out"), "result.txt")));
        Assert.Equal(DirectoryAccess.ReadOnly, r.Workload!.Directories[1].Access);
    }

    [Fact]
    public void WithoutAnAttestableLaunch_TheGuestDoesNotStart()
    {
        RunResult r = Run(o => o with { Attestation = new AttesterOptions { Mode = AttestationMode.None } });
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("--receipt: the launch could not be attested: VM: No TEE attestation available", r.Error);
        Assert.Null(r.Receipt);
        Assert.False(File.Exists(Path.Combine(_dir.File("out"), "result.txt")));
    }
}
