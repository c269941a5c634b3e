using System.Text.Json;
using System.Text.Json.Nodes;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Cli.Tests;

/// <summary><c>tee-wasm run --receipt</c>, <c>--print-workload</c> and <c>tee-wasm verify RECEIPT</c>, as a user runs them.</summary>
public sealed class ReceiptCommandTests : IDisposable
{
    private static readonly string s_sim = Path.Combine(Path.GetTempPath(), "teewasm-tests-simulator");

    private readonly TempDir _dir = new();
    private readonly string _module;

    public ReceiptCommandTests()
    {
        Directory.CreateDirectory(_dir.File("in"));
        Directory.CreateDirectory(_dir.File("out"));
        File.WriteAllText(Path.Combine(_dir.File("in"), "input.txt"), "the input");
        _module = GuestModules.WriteTemp(GuestModules.ReadsWritesAttests, _dir, "guest.wat");
    }

    public void Dispose() => _dir.Dispose();

    private (int Code, string Stdout, string Stderr) Run(params string[] more) =>
        CliProcess.Run(["run", "--tee", "simulate", "--simulator-dir", s_sim, "--dir", _dir.File("in") + "::in::ro", "--dir", _dir.File("out") + "::out", .. more, _module]);

    [Fact]
    public void ARunsReceipt_Verifies_AndAnEditedOutputOrReceiptIsDetected()
    {
        string receipt = _dir.File("receipt.json"), bundle = _dir.File("bundle.json");
        var (code, stdout, stderr) = Run("--receipt", receipt, "--bundle", bundle);
        Assert.True(code == 0, stderr);
        Assert.Equal("done\n", stdout); // stdout still reaches the user while it is hashed
        Assert.Contains($"[tee-wasm] receipt written to {receipt} (workload sha256 ", stderr);
        File.WriteAllText(_dir.File("stdout.txt"), stdout);

        string[] check = ["verify", receipt, "--trust-simulator", s_sim, "--bundle", bundle, "--dir", _dir.File("out") + "::out", "--dir", _dir.File("in") + "::in", "--stdout", _dir.File("stdout.txt")];
        (code, stdout, stderr) = CliProcess.Run(check);
        Assert.True(code == 0, stdout + stderr);
        Assert.StartsWith("VALID: receipt of workload ", stdout);
        Assert.Contains("PASS  files            2 file(s) match the receipt's digests", stdout);
        Assert.Contains("PASS  stdout ", stdout);
        Assert.Contains("  read     in/input.txt  sha256 ", stdout);
        Assert.Contains("  written  out/result.txt  sha256 ", stdout);

        File.AppendAllText(Path.Combine(_dir.File("out"), "result.txt"), "edited");
        (code, stdout, _) = CliProcess.Run(check);
        Assert.Equal(1, code);
        Assert.StartsWith("REJECTED: receipt: files: written out/result.txt: its SHA-256 is not the receipt's (the file was changed after the run)", stdout);

        JsonNode node = JsonNode.Parse(File.ReadAllText(receipt))!;
        node["receipt"]!["exit_code"] = 0;
        node["receipt"]!["stdout"]!["bytes"] = 4;
        File.WriteAllText(receipt, node.ToJsonString());
        (code, stdout, _) = CliProcess.Run("verify", receipt, "--trust-simulator", s_sim);
        Assert.Equal(1, code);
        Assert.StartsWith("REJECTED: receipt: signature: the signature does not verify: the receipt was changed after it was signed", stdout);
    }

    [Fact]
    public void PrintWorkload_ShowsTheDocument_AndOneChangedVariableChangesItsDigest()
    {
        var (code, stdout, stderr) = Run("--print-workload", "--env", "EPOCHS=10");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal("tee-wasm-workload/1", doc.RootElement.GetProperty("format").GetString());
        Assert.Equal("read-only", doc.RootElement.GetProperty("wasi").GetProperty("preopens")[0].GetProperty("access").GetString());
        Assert.Equal("simulate", doc.RootElement.GetProperty("host").GetProperty("attestation").GetString());
        string digest = Digest(stderr);
        Assert.Matches("^[0-9a-f]{64}$", digest);
        Assert.False(File.Exists(Path.Combine(_dir.File("out"), "result.txt"))); // nothing ran

        var (_, _, other) = Run("--print-workload", "--env", "EPOCHS=20");
        Assert.NotEqual(digest, Digest(other));
        var (_, _, same) = Run("--print-workload", "--env", "EPOCHS=10");
        Assert.Equal(digest, Digest(same));
    }

    /// <summary>The digest of stderr's last line, "workload sha256: HEX" (before it: the --tee simulate warning).</summary>
    private static string Digest(string stderr) => stderr.Trim().Split('\n')[^1]["workload sha256: ".Length..];

    [Fact]
    public void ReceiptOptions_AreChecked()
    {
        var (code, _, stderr) = CliProcess.Run("run", "--tee", "none", "--receipt", _dir.File("r.json"), _module);
        Assert.Equal(2, code);
        Assert.Equal("error: --receipt needs attestation (a TEE, or --tee simulate): a receipt is signed by the attested host key\n", stderr);
        (code, _, stderr) = Run("--bundle", _dir.File("b.json"));
        Assert.Equal(2, code);
        Assert.Contains("\nerror: --bundle applies with --receipt only", stderr);
        (code, _, stderr) = CliProcess.Run("verify", Path.Combine(RepoPaths.Root, "tests", "TestData", "snp", "attestation.bin"), "--dir", _dir.Path + "::x");
        Assert.Equal(2, code);
        Assert.Equal("error: --bundle, --dir and --stdout apply to a receipt (tee-wasm run --receipt) only\n", stderr);
    }
}
