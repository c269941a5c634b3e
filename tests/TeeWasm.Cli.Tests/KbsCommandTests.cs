using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Cli.Tests;

public sealed class KbsCommandTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly byte[] _secret = RandomNumberGenerator.GetBytes(32);
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _serverStderr = new();

    public KbsCommandTests()
    {
        string d = Directory.CreateDirectory(Path.Combine(_dir.Path, "secrets", "default", "secret")).FullName;
        File.WriteAllBytes(Path.Combine(d, "demo"), _secret);
    }

    public void Dispose() => _dir.Dispose();

    private static string GetSecretGuest => Path.Combine(RepoPaths.Root, "guests", "wat", "get_secret.wat");

    /// <summary>Starts `tee-wasm kbs serve` on a free loopback port; returns the process and its URL.</summary>
    private (Process Process, string Url) Serve(string? policyJson, string listen = "127.0.0.1:0", params string[] extra)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "tee-wasm.dll"));
        foreach (string a in new[] { "kbs", "serve", "--listen", listen, "--secrets", Path.Combine(_dir.Path, "secrets"),
                     "--audit-log", _dir.File("kbs-audit.jsonl") })
            psi.ArgumentList.Add(a);
        if (policyJson is not null)
        {
            File.WriteAllText(_dir.File("policy.json"), policyJson);
            psi.ArgumentList.Add("--policy");
            psi.ArgumentList.Add(_dir.File("policy.json"));
        }
        foreach (string a in extra) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        // Its request log goes to stderr: read it as it comes, so a full pipe never stalls the broker.
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) _serverStderr.Enqueue(e.Data); };
        p.BeginErrorReadLine();
        var line = p.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(60)) || line.Result is null)
        {
            p.Kill(true);
            throw new InvalidOperationException("kbs serve did not start: " + string.Join("\n", _serverStderr));
        }
        return (p, "http://127.0.0.1:" + Regex.Match(line.Result, @"http://[^:]+:(\d+)").Groups[1].Value);
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
    public void EncryptWritesNonceCiphertextTagIntoADirectoryItMakes()
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        File.WriteAllBytes(_dir.File("k"), key);
        File.WriteAllText(_dir.File("data.csv"), "a,b\n1,2\n");
        string output = Path.Combine(_dir.Path, "enc", "sub", "data.csv.enc"); // before: "Could not find a part of the path"
        var (code, stdout, stderr) = CliProcess.Run("kbs", "encrypt", "--key-file", _dir.File("k"), "--in", _dir.File("data.csv"), "--out", output);
        Assert.True(code == 0, stderr);
        Assert.Contains("8 bytes encrypted, 36 bytes written", stdout);
        byte[] file = File.ReadAllBytes(output);
        byte[] plain = new byte[file.Length - 28];
        using (var gcm = new AesGcm(key, 16)) gcm.Decrypt(file[..12], file[12..^16], file[^16..], plain);
        Assert.Equal("a,b\n1,2\n", System.Text.Encoding.UTF8.GetString(plain));
    }

    [Fact]
    public void EncryptRefusesAKeyFileTheBrokerCouldNotServeAsAKey()
    {
        // The documented recipe before: `openssl rand -hex 32 > K` — encrypt took the hex, the broker served 65 bytes, the guest failed.
        File.WriteAllText(_dir.File("k.hex"), Convert.ToHexString(RandomNumberGenerator.GetBytes(32)) + "\n");
        File.WriteAllText(_dir.File("data.csv"), "a,b\n1,2\n");
        var (code, stdout, stderr) = CliProcess.Run("kbs", "encrypt", "--key-file", _dir.File("k.hex"), "--in", _dir.File("data.csv"), "--out", _dir.File("x.enc"));
        Assert.Equal(2, code); // a key file that is no key is a wrong command line (docs/cli.md, "Exit codes")
        Assert.Equal("", stdout);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"error: --key-file: key file '{_dir.File("k.hex")}' is not a data key: a data key file is exactly 32 raw bytes, which the broker serves as they "
            + $"are and the guest uses as its AES-256 key; it holds 65 bytes of text: 64 hex digits. Convert it with `xxd -r -p {_dir.File("k.hex")} > KEY`, "
            + "or make a key with `tee-wasm kbs keygen KEY`", line);
        Assert.False(File.Exists(_dir.File("x.enc")));

        var (missing, _, missingErr) = CliProcess.Run("kbs", "encrypt", "--key-file", _dir.File("nope"), "--in", _dir.File("data.csv"), "--out", _dir.File("x.enc"));
        Assert.Equal(2, missing);
        Assert.Equal($"error: --key-file: file '{_dir.File("nope")}' not found (usage: tee-wasm help kbs encrypt)\n", missingErr);
    }

    [Fact]
    public void KeygenWritesARawOwnerOnlyKeyAndKeepsAnExistingOne()
    {
        string path = Path.Combine(_dir.Path, "new", "secrets", "default", "secret", "data-key");
        var (code, stdout, stderr) = CliProcess.Run("kbs", "keygen", path);
        Assert.True(code == 0, stderr);
        Assert.Equal($"wrote {path} (32-byte AES-256 data key, raw)\n", stdout);
        byte[] key = File.ReadAllBytes(path);
        Assert.Equal(32, key.Length);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));

        var (again, _, err) = CliProcess.Run("kbs", "keygen", path);
        Assert.Equal(2, again);
        Assert.Equal($"error: '{path}' exists; a new key would make what it encrypted unreadable (--force replaces it)\n", err);
        Assert.Equal(key, File.ReadAllBytes(path));
        Assert.Equal(0, CliProcess.Run("kbs", "keygen", path, "--force").ExitCode);
        Assert.NotEqual(key, File.ReadAllBytes(path));
    }

    [Fact]
    public void GetAttestsThisHostAndPrintsOrWritesTheSecret()
    {
        var (server, url) = Serve("""{"default":{"allow_simulated":true}}""");
        try
        {
            var (code, stdout, stderr) = CliProcess.Run("kbs", "get", "demo", "--url", url, "--tee", "simulate", "--audit-log", _dir.File("get-audit.jsonl"));
            Assert.True(code == 0, stderr);
            Assert.Equal(Convert.ToBase64String(_secret) + "\n", stdout);

            string output = Path.Combine(_dir.Path, "got", "demo.key");
            (code, stdout, stderr) = CliProcess.Run("kbs", "get", "default/secret/demo", "--url", url, "--tee", "simulate", "--kbs-evidence", "trustee", "--out", output);
            Assert.True(code == 0, stderr);
            Assert.Equal($"wrote {output} (32 bytes: secret 'default/secret/demo' from Key broker (KBS) at {url})\n", stdout);
            Assert.Equal(_secret, File.ReadAllBytes(output));
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(output));
        }
        finally
        {
            Stop(server);
        }
        string audit = File.ReadAllText(_dir.File("get-audit.jsonl"));
        Assert.Contains("\"secret_released\"", audit);
        Assert.DoesNotContain(Convert.ToBase64String(_secret), audit);
    }

    [Fact]
    public void GetRefusedIsExit1WithTheBrokersReasonAndAWrongCommandLineIsExit2()
    {
        var (server, url) = Serve(null); // the default policy: never the simulator
        try
        {
            var (code, stdout, stderr) = CliProcess.Run("kbs", "get", "demo", "--url", url, "--tee", "simulate");
            Assert.Equal(1, code);
            Assert.Equal("", stdout);
            Assert.EndsWith($"\nerror: Key broker (KBS) at {url}: attestation refused (HTTP 401): simulated platform refused: this broker's policy allows no simulated platform\n", stderr);
        }
        finally
        {
            Stop(server);
        }
        var (badName, _, nameErr) = CliProcess.Run("kbs", "get", "../../etc/passwd", "--url", "http://127.0.0.1:1");
        Assert.Equal(2, badName);
        Assert.Equal("error: '../../etc/passwd' is not a secret name: REPOSITORY/TYPE/TAG or a bare TAG (letters, digits, . _ -)\n", nameErr);
        var (badUrl, _, urlErr) = CliProcess.Run("kbs", "get", "demo", "--url", "ftp://kbs");
        Assert.Equal(2, badUrl);
        Assert.Equal("error: --url 'ftp://kbs': expected an absolute http(s) URL\n", urlErr);

        // No TEE to attest (--tee none): said without a round trip to the broker (nothing listens on this URL).
        var (noTee, _, noTeeErr) = CliProcess.Run("kbs", "get", "demo", "--url", "http://127.0.0.1:1", "--tee", "none");
        Assert.Equal(1, noTee);
        Assert.Equal("error: host attestation for the key broker failed: No TEE attestation available. Not running in a Confidential VM (Intel TDX or AMD SEV-SNP)?\n", noTeeErr);
    }

    [Fact]
    public async Task ServeRefusesPlainHttpBeyondLoopbackUnlessAllowedAndThenWarns()
    {
        var (code, stdout, stderr) = CliProcess.Run("kbs", "serve", "--listen", "0.0.0.0:0", "--secrets", Path.Combine(_dir.Path, "secrets"));
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal("error: --listen 0.0.0.0:0 would serve plain HTTP beyond loopback: session cookies and tokens would cross the network in clear "
            + "(secrets stay encrypted to the TEE key). Listen on 127.0.0.1 behind a TLS proxy, use https:// with a certificate, or allow it explicitly (--insecure-http)\n", stderr);

        var (server, url) = Serve("""{"default":{"allow_simulated":true}}""", "0.0.0.0:0", "--insecure-http");
        try
        {
            using var http = new HttpClient();
            Assert.Equal("""{"status":"ok"}""", await http.GetStringAsync(url + "/health"));
        }
        finally
        {
            Stop(server);
        }
        Assert.Contains(_serverStderr, l => l.EndsWith(" warn: kbs[3] serving plain HTTP beyond loopback on 0.0.0.0:0 (allowed explicitly): session cookies and tokens cross the network in clear", StringComparison.Ordinal));
    }

    [Fact]
    public void ServeLogsEachRequestOnStderrAndNeverTheSecret()
    {
        var (server, url) = Serve("""{"default":{"allow_simulated":true}}""");
        try
        {
            var (code, _, stderr) = CliProcess.Run("kbs", "get", "demo", "--url", url, "--tee", "simulate");
            Assert.True(code == 0, stderr);
        }
        finally
        {
            Stop(server);
        }
        string[] lines = [.. _serverStderr];
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info: kbs\[1\] POST /kbs/v0/auth 200 \d+\.\d ms 127\.0\.0\.1$"));
        Assert.Contains(lines, l => Regex.IsMatch(l, @" info: kbs\[1\] POST /kbs/v0/attest 200 \d+\.\d ms 127\.0\.0\.1$"));
        Assert.Contains(lines, l => Regex.IsMatch(l, @" info: kbs\[1\] GET /kbs/v0/resource/default/secret/demo 200 \d+\.\d ms 127\.0\.0\.1$"));
        Assert.DoesNotContain(Convert.ToBase64String(_secret), string.Join("\n", lines));
    }

    [Fact]
    public async Task TheDocumentedDataKeyRecipeRunsAsPrinted()
    {
        // docs/services.md, "Encrypted data sets": the sh block as printed, from the repository root, tee-wasm on the PATH.
        string doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "services.md"));
        string section = doc[doc.IndexOf("### Encrypted data sets", StringComparison.Ordinal)..];
        string block = Regex.Matches(section, "```sh\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value)
            .Single(b => b.Contains("tee-wasm kbs serve", StringComparison.Ordinal));
        Assert.Contains("tee-wasm kbs keygen", block);
        string bin = Directory.CreateDirectory(_dir.File("bin")).FullName;
        string wrapper = Path.Combine(bin, "tee-wasm");
        File.WriteAllText(wrapper, $"#!/bin/sh\nexec dotnet '{Path.Combine(AppContext.BaseDirectory, "tee-wasm.dll")}' \"$@\"\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // Around it: stop the broker however the block ends; its mktemp -d under this test's directory.
        var psi = new ProcessStartInfo("bash", ["-euo", "pipefail", "-c", "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n" + block])
        {
            WorkingDirectory = RepoPaths.Root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        psi.Environment["XDG_CACHE_HOME"] = Path.Combine(Path.GetTempPath(), "teewasm-cli-tests-cache");
        psi.Environment["TMPDIR"] = _dir.Path;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        try
        {
            await p.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
        }
        string output = await stdout, errors = await stderr;
        Assert.True(p.HasExited && p.ExitCode == 0, $"the recipe failed or ran past 4 minutes\n{output}\n{errors}");
        Assert.Contains("[DATA] Key 'data-key': released by the key broker (32 bytes)", output);
        Assert.Contains("data/diabetes_train.csv.enc: decrypted, tag verified (353 samples)", output);
        Assert.Contains("Benchmark completed successfully", output);
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
