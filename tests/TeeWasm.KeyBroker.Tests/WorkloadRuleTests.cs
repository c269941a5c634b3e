using System.Security.Cryptography;
using System.Text.Json;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Http;
using TeeWasm.Attestation.Services.Kbs;
using TeeWasm.Attestation.Tests;
using TeeWasm.KeyBroker.Appraisers;
using TeeWasm.Tests.Shared;

namespace TeeWasm.KeyBroker.Tests;

/// <summary>
/// <c>workload_digests</c> rules, through the real broker over loopback: the allowed launch gets its secret; the same
/// module launched with one environment variable changed is refused, and the refusal names the difference.
/// </summary>
public sealed class WorkloadRuleTests : IDisposable
{
    private static readonly ServiceCallOptions s_fast = new() { Timeout = TimeSpan.FromSeconds(30), MaxAttempts = 2, RetryDelay = TimeSpan.FromMilliseconds(10) };
    private static readonly byte[] s_module = SHA256.HashData("trainer.wasm"u8);
    private readonly TempDir _dir = new();
    private readonly byte[] _secret = RandomNumberGenerator.GetBytes(32);

    public WorkloadRuleTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir.Path, "secrets", "default", "secret"));
        File.WriteAllBytes(Path.Combine(_dir.Path, "secrets", "default", "secret", "data-key"), _secret);
    }

    public void Dispose() => _dir.Dispose();

    private static WorkloadIdentity Launch(string epochs) => new()
    {
        ModuleSha256 = s_module,
        Arguments = ["trainer.wasm", "--data-key", "data-key"],
        Environment = [new("EPOCHS", epochs)],
        Directories = [new WorkloadDirectory("data", DirectoryAccess.ReadOnly)],
        Host = new WorkloadHost { Attestation = "simulate", Gpu = "auto", KeyBroker = "http://127.0.0.1/", KeyBrokerEvidence = "teewasm" },
        RuntimeVersion = "0.1.0+test",
    };

    private Task<KeyBrokerServer> Broker(WorkloadIdentity allowed, bool knowsIt) =>
        KeyBrokerServer.StartAsync(new KeyBrokerOptions
        {
            Listen = "127.0.0.1:0",
            SecretsDirectory = Path.Combine(_dir.Path, "secrets"),
            Policy = SecretPolicy.Parse($$$"""{"default":{"allow_simulated":true,"workload_digests":["{{{allowed.DigestHex}}}"]}}"""),
            SimulatorDirectory = TestSupport.SimulatorDirectory,
            Workloads = knowsIt ? [allowed] : [],
        });

    private static SecretResult Ask(KeyBrokerServer broker, WorkloadIdentity launch)
    {
        using var attester = new Attester(TestSupport.Simulate()) { Workload = launch };
        using var client = new KbsClient(new KbsClientOptions { Endpoint = broker.Address, Calls = s_fast }, attester);
        return client.GetSecret("data-key");
    }

    [Fact]
    public async Task TheAllowedLaunch_GetsTheSecret_AndOneChangedVariable_IsRefusedNamingIt()
    {
        WorkloadIdentity allowed = Launch("10");
        await using var broker = await Broker(allowed, knowsIt: true);

        SecretResult ok = Ask(broker, allowed);
        Assert.True(ok.Success, ok.Error);
        Assert.Equal(_secret, ok.Secret);

        SecretResult refused = Ask(broker, Launch("20"));
        Assert.False(refused.Success);
        Assert.Contains($"workload {Launch("20").DigestHex[..16]}… not in the policy's workload_digests: it differs from allowed workload {allowed.DigestHex[..16]}… in environment EPOCHS: '10' → '20'",
            refused.Error);
    }

    [Fact]
    public async Task ABrokerThatDoesNotKnowTheAllowedDocument_SaysSo()
    {
        await using var broker = await Broker(Launch("10"), knowsIt: false);
        SecretResult refused = Ask(broker, Launch("20"));
        Assert.False(refused.Success);
        Assert.Contains("none of the allowed workloads' documents is known to the broker, so the difference cannot be named: give kbs serve --workloads DIR", refused.Error);
    }

    [Fact]
    public void ARuleWithWorkloadDigests_RefusesEvidenceThatBindsNoWorkload_AndTrusteeEvidence()
    {
        var rule = JsonSerializer.Deserialize<SecretRule>($$"""{"allow_simulated":true,"workload_digests":["{{Launch("10").DigestHex}}"]}""")!;
        var bound = new AppraisedEvidence { Platform = "AMD SEV-SNP", Simulated = true, Measurement = "00", ModuleHash = "00", Debug = false, Note = "" };
        Assert.Equal("policy lists workload_digests but the evidence binds no workload (its report_data binds only the module)", rule.Check(bound));
        Assert.Equal(SecretRule.WorkloadNotBound, rule.Check(bound with { BindsModule = false }));
        Assert.Null(rule.Check(bound with { WorkloadSha256 = Launch("10").DigestHex }));
    }
}
