using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Cli.Tests;

/// <summary>The tests of this collection run alone: one of them watches the whole process for network use.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NoNetworkCollection
{
    public const string Name = "no network";
}

/// <summary><c>tee-wasm attest all</c> (the VM and every GPU, one token) and <c>attest --bundle</c> / <c>verify BUNDLE --offline</c>.</summary>
[Collection(NoNetworkCollection.Name)]
public sealed class AttestAllAndBundleTests : IDisposable
{
    private static readonly string s_sim = Path.Combine(Path.GetTempPath(), "teewasm-tests-simulator");
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static (int Code, string Stdout, string Stderr) Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = TeeWasmCli.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private string AttestAll(params string[] more)
    {
        string file = _dir.File("all.json");
        var (code, stdout, stderr) = Cli(["attest", "all", "--tee", "simulate", "--simulator-dir", s_sim, "--simulated-gpus", "3", "--nonce", "abcd", "--out", file, .. more]);
        Assert.True(code == 0, stderr);
        Assert.Contains("attestation OK: the VM and 3 GPUs, one token: wrote " + file, stdout);
        return file;
    }

    [Fact]
    public void ThreeSimulatedGpus_OneToken_ThreeGpuClaimSets_OneNonce()
    {
        string file = AttestAll();
        using var result = JsonDocument.Parse(File.ReadAllText(file));
        JsonElement root = result.RootElement;
        Assert.Equal("composite", root.GetProperty("tee_type").GetString());
        string token = root.GetProperty("token").GetString()!;
        using var claims = JsonDocument.Parse(Base64Url(token.Split('.')[1]));
        Assert.Equal("abcd", claims.RootElement.GetProperty("nonce").GetString());
        var gpus = claims.RootElement.GetProperty("devices").EnumerateArray().Where(d => d.TryGetProperty("uuid", out _)).ToList();
        Assert.Equal(3, gpus.Count);
        using var evidence = JsonDocument.Parse(root.GetProperty("evidence").GetString()!);
        Assert.Equal(3, evidence.RootElement.GetProperty("gpus").GetArrayLength());
        Assert.Equal("abcd", evidence.RootElement.GetProperty("binding").GetProperty("nonce").GetString());

        var (code, stdout, _) = Cli("verify", file, "--trust-simulator", s_sim);
        Assert.Equal(0, code);
        Assert.StartsWith("VALID: the VM and 3 GPUs verify, all over one nonce and one host key\n", stdout);
    }

    [Fact]
    public void OneGpusEvidenceCorrupted_TheVerdictNamesThatGpu()
    {
        string file = AttestAll();
        JsonNode result = JsonNode.Parse(File.ReadAllText(file))!;
        JsonNode evidence = JsonNode.Parse(result["evidence"]!.GetValue<string>())!;
        byte[] report = Convert.FromBase64String(evidence["gpus"]![1]!["report"]!.GetValue<string>());
        report[^5] ^= 0x01;
        evidence["gpus"]![1]!["report"] = Convert.ToBase64String(report);
        result["evidence"] = evidence.ToJsonString();
        File.WriteAllText(file, result.ToJsonString());
        string uuid = result["devices"]![2]!["uuid"]!.GetValue<string>();

        var (code, stdout, _) = Cli("verify", file, "--trust-simulator", s_sim);
        Assert.Equal(1, code);
        Assert.StartsWith($"REJECTED: GPU 1 ({uuid}): GPU attestation report signature does not verify", stdout);
        Assert.Contains($"GPU 0 (", stdout);
        Assert.Contains("GPU 2 (", stdout);
    }

    [Fact]
    public void ABundle_VerifiesWithTheNetworkUnused_AndAChangedPieceIsRejected()
    {
        string bundle = _dir.File("bundle.json");
        AttestAll("--bundle", bundle);

        using var network = new NetworkWatch();
        network.ProveItSeesAConnection();
        var (code, stdout, stderr) = Cli("verify", bundle, "--offline", "--trust-simulator", s_sim);
        Assert.Empty(network.Events);
        Assert.True(code == 0, stdout + stderr);
        Assert.Matches(@"^VALID: bundle of a composite result \(the VM and every GPU\), verified with its own collateral as of ", stdout);
        Assert.Contains("\n  stale at ", stdout);
        Assert.EndsWith(": none\n", stdout);

        JsonNode node = JsonNode.Parse(File.ReadAllText(bundle))!;
        JsonNode piece = node["bundle"]!["collateral"]![0]!;
        byte[] data = Convert.FromBase64String(piece["data"]!.GetValue<string>());
        data[^3] ^= 0x01;
        piece["data"] = Convert.ToBase64String(data);
        File.WriteAllText(bundle, node.ToJsonString());
        (code, stdout, _) = Cli("verify", bundle, "--offline", "--trust-simulator", s_sim);
        Assert.Equal(1, code);
        Assert.StartsWith($"REJECTED: bundle of a composite result (the VM and every GPU): bundle signature: collateral amd-certificate '{piece["name"]!.GetValue<string>()}' was changed after the bundle was made", stdout);
    }

    [Fact]
    public void BundleOptions_AreChecked()
    {
        Assert.Equal(2, Cli("attest", "gpu", "--all", "--tee", "simulate", "--simulator-dir", s_sim, "--bundle", _dir.File("b.json")).Code);
        Assert.Equal(2, Cli("attest", "vm", "--tee", "simulate", "--simulator-dir", s_sim, "--rim", _dir.Path).Code);
        string bundle = _dir.File("vm-bundle.json");
        var (code, stdout, stderr) = Cli("attest", "vm", "--tee", "simulate", "--simulator-dir", s_sim, "--bundle", bundle);
        Assert.True(code == 0, stderr);
        Assert.StartsWith("wrote bundle " + bundle, stdout);
        (code, _, stderr) = Cli("verify", bundle, "--offline", "--trust-simulator", s_sim, "--collateral", _dir.Path);
        Assert.Equal(2, code);
        Assert.StartsWith("error: --collateral: a bundle carries its own collateral", stderr);
        // Fetching does not mix with a bundle's own collateral either; --offline alone applies to a bundle only.
        (code, _, stderr) = Cli("verify", bundle, "--trust-simulator", s_sim, "--fetch", "--collateral-cache", _dir.File("cache"));
        Assert.Equal(2, code);
        Assert.StartsWith("error: --fetch: a bundle carries its own collateral", stderr);
        (code, _, stderr) = Cli("verify", RepoPaths.Vector("snp", "attestation.bin"), "--offline");
        Assert.Equal(2, code);
        Assert.Contains("--offline applies only with --fetch", stderr);
        (code, stdout, _) = Cli("verify", bundle, "--offline", "--trust-simulator", s_sim);
        Assert.Equal(0, code);
        Assert.StartsWith("VALID: bundle of SNP report evidence, verified with its own collateral", stdout);
    }

    private static string Base64Url(string s)
    {
        s = s.Replace('-', '+').Replace('_', '/');
        return Encoding.UTF8.GetString(Convert.FromBase64String(s + new string('=', (4 - s.Length % 4) % 4)));
    }
}
