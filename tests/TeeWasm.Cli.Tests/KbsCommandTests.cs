using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Cli.Tests;

public sealed class KbsCommandTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly byte[] _secret = RandomNumberGenerator.GetBytes(32);

    public KbsCommandTests()
    {
        string d = Directory.CreateDirectory(Path.Combine(_dir.Path, "secrets", "default", "secret")).FullName;
        File.WriteAllBytes(Path.Combine(d, "demo"), _secret);
    }

    public void Dispose() => _dir.Dispose();

    private static string GetSecretGuest => Path.Combine(RepoPaths.Root, "guests", "wat", "get_secret.wat");

    /// <summary>Starts `tee-wasm kbs serve` on a free loopback port; returns the process and its URL.</summary>
    private (Process Process, string Url) Serve(string? policyJson)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "tee-wasm.dll"));
        foreach (string a in new[] { "kbs", "serve", "--listen", "127.0.0.1:0", "--secrets", Path.Combine(_dir.Path, "secrets"),
                     "--audit-log", _dir.File("kbs-audit.jsonl") })
            psi.ArgumentList.Add(a);
        if (policyJson is not null)
        {
            File.WriteAllText(_dir.File("policy.json"), policyJson);
            psi.ArgumentList.Add("--policy");
            psi.ArgumentList.Add(_dir.File("policy.json"));
        }
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

    [Fact]
    public void GuestGetsTheSecretWhenThePolicyAllowsSimulatedPlatforms()
    {
        var (server, url) = Serve("""{"default":{"allow_simulated":true}}""");
        try
        {
            var (code, stdout, stderr) = CliProcess.Run("run", "--tee", "simulate", "--kbs", url, "--audit-log", _dir.File("run-audit.jsonl"), GetSecretGuest);
            Assert.True(code == 0, stderr);
            Assert.Equal("secret length: 32\n", stdout);
        }
        finally
        {
            Stop(server);
        }
        string b64 = Convert.ToBase64String(_secret);
        foreach (string log in new[] { "run-audit.jsonl", "kbs-audit.jsonl" })
        {
            string text = File.ReadAllText(_dir.File(log));
            Assert.Contains("\"secret_released\"", text);
            Assert.DoesNotContain(b64, text);
        }
    }

    [Fact]
    public void TrusteeEvidenceGetsTheSecretAndHelpExplainsBothFormats()
    {
        var (server, url) = Serve("""{"default":{"allow_simulated":true}}""");
        try
        {
            var (code, stdout, stderr) = CliProcess.Run("run", "--tee", "simulate", "--kbs", url, "--kbs-evidence", "trustee", GetSecretGuest);
            Assert.True(code == 0, stderr);
            Assert.Equal("secret length: 32\n", stdout);
        }
        finally
        {
            Stop(server);
        }
        Assert.Contains("(Trustee evidence)", File.ReadAllText(_dir.File("kbs-audit.jsonl")));

        var (bad, _, err) = CliProcess.Run("run", "--tee", "simulate", "--kbs", "http://127.0.0.1:1", "--kbs-evidence", "maa", GetSecretGuest);
        Assert.Equal(2, bad);
        Assert.Contains("error: --kbs-evidence 'maa': expected teewasm or trustee", err);
        var (help, helpOut, _) = CliProcess.Run("run", "--help");
        Assert.Equal(0, help);
        Assert.Matches(@"--kbs-evidence[\s\S]*teewasm[\s\S]*trustee \(Trustee KBS protocol 0\.4\.0", helpOut);
    }

    [Fact]
    public void RsaTeeKeyStillGetsTheSecretAndABadKeyKindIsAUsageError()
    {
        var (server, url) = Serve("""{"default":{"allow_simulated":true}}""");
        try
        {
            var (code, stdout, stderr) = CliProcess.Run("run", "--tee", "simulate", "--kbs", url, "--kbs-key", "rsa-2048", GetSecretGuest);
            Assert.True(code == 0, stderr);
            Assert.Equal("secret length: 32\n", stdout);
        }
        finally
        {
            Stop(server);
        }
        var (bad, _, err) = CliProcess.Run("run", "--tee", "simulate", "--kbs", "http://127.0.0.1:1", "--kbs-key", "rsa-1024", GetSecretGuest);
        Assert.Equal(2, bad);
        Assert.Contains("error: --kbs-key 'rsa-1024': expected ec-p256 or rsa-2048", err);
        var (help, helpOut, _) = CliProcess.Run("run", "--help");
        Assert.Equal(0, help);
        Assert.Matches(@"--kbs-key[\s\S]*ec-p256 \(ECDH-ES\+A256KW[\s\S]*rsa-2048 \(RSA-OAEP-256", helpOut);
    }

    [Fact]
    public void BrokerRefusesSimulatedPlatformsByDefault()
    {
        var (server, url) = Serve(null);
        try
        {
            var (code, stdout, _) = CliProcess.Run("run", "--tee", "simulate", "--kbs", url, GetSecretGuest);
            Assert.Equal(1, code);
            Assert.Contains("get_secret refused: ", stdout);
            Assert.Contains("simulated platform refused", stdout);
        }
        finally
        {
            Stop(server);
        }
    }

    [Fact]
    public void WithoutKbsGetSecretSaysSo()
    {
        var (code, stdout, _) = CliProcess.Run("run", "--tee", "simulate", GetSecretGuest);
        Assert.Equal(1, code);
        Assert.Contains("no key broker configured (tee-wasm run --kbs URL)", stdout);
    }

    [Fact]
    public void EncryptWritesNonceCiphertextTag()
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        File.WriteAllText(_dir.File("k.hex"), Convert.ToHexString(key) + "\n");
        File.WriteAllText(_dir.File("data.csv"), "a,b\n1,2\n");
        var (code, stdout, stderr) = CliProcess.Run("kbs", "encrypt", "--key-file", _dir.File("k.hex"), "--in", _dir.File("data.csv"), "--out", _dir.File("data.csv.enc"));
        Assert.True(code == 0, stderr);
        Assert.Contains("8 bytes encrypted, 36 bytes written", stdout);
        byte[] file = File.ReadAllBytes(_dir.File("data.csv.enc"));
        byte[] plain = new byte[file.Length - 28];
        using (var gcm = new AesGcm(key, 16)) gcm.Decrypt(file[..12], file[12..^16], file[^16..], plain);
        Assert.Equal("a,b\n1,2\n", System.Text.Encoding.UTF8.GetString(plain));

        File.WriteAllText(_dir.File("short.key"), "abc");
        var (bad, _, err) = CliProcess.Run("kbs", "encrypt", "--key-file", _dir.File("short.key"), "--in", _dir.File("data.csv"), "--out", _dir.File("x.enc"));
        Assert.Equal(2, bad); // a key file that is no key is a wrong command line (docs/cli.md, "Exit codes")
        Assert.Contains("error: --key-file: key file '", err);
        Assert.Contains("must hold a 32-byte key", err);
    }

    [Fact]
    public void ServeWithAnUnknownKeyInARulesAttestationPolicyIsAOneLineUsageError()
    {
        File.WriteAllText(_dir.File("bad.json"), """{"default":{"attestation":{"snp":{"min_tbc":{"snp":8}}}}}""");
        var (code, stdout, stderr) = CliProcess.Run("kbs", "serve", "--listen", "127.0.0.1:0", "--secrets", Path.Combine(_dir.Path, "secrets"),
            "--policy", _dir.File("bad.json"));
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"error: --policy: policy '{_dir.File("bad.json")}': $.default.attestation: unknown key 'snp.min_tbc' (line 1); did you mean 'snp.min_tcb'?", line);
    }

    [Fact]
    public void ServeWithoutSecretsDirIsAClearError()
    {
        var (code, _, stderr) = CliProcess.Run("kbs", "serve", "--listen", "127.0.0.1:0", "--secrets", _dir.File("nope"));
        Assert.Equal(2, code);
        Assert.Equal($"error: --secrets: directory '{_dir.File("nope")}' not found (usage: tee-wasm help kbs serve)\n", stderr);
    }
}
