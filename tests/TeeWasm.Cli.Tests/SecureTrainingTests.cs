using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Cli.Tests;

/// <summary>
/// The random-forest guests (built by scripts/build-guests.sh) with <c>--data-key</c>: the data set encrypted
/// (nonce ‖ AES-256-GCM ciphertext ‖ tag), the key held by `tee-wasm kbs serve`, the guest run under
/// <c>--tee simulate --kbs URL</c>, end to end as scripts/demo-secure-training.sh does.
/// </summary>
public sealed class SecureTrainingTests : IDisposable
{
    private const string AllowSimulated = """{"default":{"allow_simulated":false},"secrets":{"default/secret/data-key":{"allow_simulated":true}}}""";
    private const string ForbidSimulated = """{"default":{"allow_simulated":false}}""";

    private readonly TempDir _dir = new();
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    public SecureTrainingTests()
    {
        string secrets = Directory.CreateDirectory(Path.Combine(_dir.Path, "secrets", "default", "secret")).FullName;
        File.WriteAllBytes(Path.Combine(secrets, "data-key"), _key);
        string enc = Directory.CreateDirectory(_dir.File("enc")).FullName;
        foreach (string f in new[] { "diabetes_train.csv", "diabetes_test.csv" })
            File.WriteAllBytes(Path.Combine(enc, f + ".enc"), Encrypt(File.ReadAllBytes(Path.Combine(RepoPaths.Root, "data", f))));
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>The `tee-wasm kbs encrypt` format.</summary>
    private byte[] Encrypt(byte[] plain)
    {
        byte[] nonce = RandomNumberGenerator.GetBytes(12), ct = new byte[plain.Length], tag = new byte[16];
        using (var gcm = new AesGcm(_key, 16)) gcm.Encrypt(nonce, plain, ct, tag);
        return [.. nonce, .. ct, .. tag];
    }

    private static string Guest(string name)
    {
        string path = Path.Combine(RepoPaths.Root, "artifacts", "guests", name);
        Assert.True(File.Exists(path), $"{path} is missing: run scripts/build-guests.sh (the test script does) before the tests");
        return path;
    }

    private (Process Process, string Url) Serve(string policyJson)
    {
        File.WriteAllText(_dir.File("policy.json"), policyJson);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "tee-wasm.dll"));
        foreach (string a in new[] { "kbs", "serve", "--listen", "127.0.0.1:0", "--secrets", Path.Combine(_dir.Path, "secrets"), "--policy", _dir.File("policy.json") })
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        var line = p.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(60)) || line.Result is null)
        {
            p.Kill(true);
            throw new InvalidOperationException("kbs serve did not start: " + p.StandardError.ReadToEnd());
        }
        return (p, Regex.Match(line.Result, @"http://127\.0\.0\.1:\d+").Value);
    }

    private static void Stop(Process p)
    {
        p.Kill(entireProcessTree: true);
        p.WaitForExit(10_000);
        p.Dispose();
    }

    /// <summary>Runs <paramref name="guest"/> against a broker with <paramref name="policy"/> (CPU path: the data flow is under test).</summary>
    private (int Code, string Stdout, string Stderr) RunGuest(string guest, string policy, string[]? runOptions = null, string[]? guestArgs = null)
    {
        var (server, url) = Serve(policy);
        try
        {
            return CliProcess.Run(["run", "--tee", "simulate", "--kbs", url, "--dir", _dir.File("enc") + "::data", .. runOptions ?? [], Guest(guest),
                "--", "--cpu", "--seed", "7", "--data-key", "data-key", .. guestArgs ?? []]);
        }
        finally
        {
            Stop(server);
        }
    }

    /// <summary>
    /// The demo's last step: the run signs a receipt — this model file was produced by this module from these encrypted
    /// inputs in an attested TEE with these GPUs — which verifies; editing the model or the receipt is detected.
    /// </summary>
    [Fact]
    public void TheTrainingRunsReceipt_VerifiesAndAnEditedModelOrReceiptIsDetected()
    {
        string outDir = Directory.CreateDirectory(_dir.File("out")).FullName, receipt = _dir.File("receipt.json");
        var (code, stdout, stderr) = RunGuest("wasm-ml-benchmark.wasm", AllowSimulated, ["--dir", outDir + "::out", "--receipt", receipt], ["--model-out", "out/model.txt"]);
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("[TRAIN] Model written to out/model.txt", stdout);

        string[] verify = ["verify", receipt, "--trust-simulator", "--dir", outDir + "::out", "--dir", _dir.File("enc") + "::data"];
        var (vcode, vout, verr) = CliProcess.Run(verify);
        Assert.True(vcode == 0, vout + verr);
        Assert.Contains("  written  out/model.txt  sha256 ", vout);
        Assert.Contains("  read     data/diabetes_train.csv.enc  sha256 ", vout);
        Assert.Contains("  read     data/diabetes_test.csv.enc  sha256 ", vout);
        Assert.Contains("the VM and 1 GPU verify", vout);

        File.AppendAllText(Path.Combine(outDir, "model.txt"), "0 0 -1 1.0 0 0\n");
        (vcode, vout, _) = CliProcess.Run(verify);
        Assert.Equal(1, vcode);
        Assert.Contains("written out/model.txt: its SHA-256 is not the receipt's", vout);

        File.WriteAllText(receipt, File.ReadAllText(receipt).Replace("\"exit_code\": 0", "\"exit_code\": 1"));
        (vcode, vout, _) = CliProcess.Run("verify", receipt, "--trust-simulator");
        Assert.Equal(1, vcode);
        Assert.StartsWith("REJECTED: receipt: signature:", vout);
    }

    [Theory]
    [InlineData("wasm-ml-benchmark.wasm")]
    [InlineData("wasmwebgpu-ml-benchmark.wasm")]
    public void BrokerReleasesTheKeyAndTheGuestTrainsOnTheDecryptedSet(string guest)
    {
        var (code, stdout, stderr) = RunGuest(guest, AllowSimulated);
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("[DATA] Key 'data-key': released by the key broker (32 bytes)", stdout);
        Assert.Contains("data/diabetes_train.csv.enc: decrypted, tag verified (353 samples)", stdout);
        Assert.Contains("data/diabetes_test.csv.enc: decrypted, tag verified (89 samples)", stdout);
        double mse = double.Parse(Regex.Match(stdout, @"^\[INFER\] MSE: ([0-9.]+)$", RegexOptions.Multiline).Groups[1].Value,
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(mse, 2700, 3100);
        Assert.Contains("Benchmark completed successfully", stdout);
    }

    [Theory]
    [InlineData("wasm-ml-benchmark.wasm")]
    [InlineData("wasmwebgpu-ml-benchmark.wasm")]
    public void BrokerRefusingSimulatedPlatformsStopsTheGuestBeforeTraining(string guest)
    {
        var (code, stdout, stderr) = RunGuest(guest, ForbidSimulated);
        Assert.Equal(1, code);
        Assert.Contains("[DATA] Key 'data-key': REFUSED", stdout);
        Assert.Contains("did not release the data key 'data-key': ", stderr);
        Assert.Contains("simulated platform refused", stderr);
        Assert.DoesNotContain("=== TRAINING ===", stdout);
    }

    [Theory]
    [InlineData("wasm-ml-benchmark.wasm")]
    [InlineData("wasmwebgpu-ml-benchmark.wasm")]
    public void TamperedFileFailsTheTagCheck(string guest)
    {
        string path = Path.Combine(_dir.File("enc"), "diabetes_train.csv.enc");
        byte[] file = File.ReadAllBytes(path);
        file[500] ^= 0x01;
        File.WriteAllBytes(path, file);

        var (code, stdout, stderr) = RunGuest(guest, AllowSimulated);
        Assert.Equal(1, code);
        Assert.Contains("released by the key broker", stdout);
        Assert.Contains("data/diabetes_train.csv.enc: authentication tag mismatch", stderr);
        Assert.DoesNotContain("=== TRAINING ===", stdout);
    }
}
