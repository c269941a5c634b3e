using System.Security.Cryptography;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Audit;
using TeeWasm.Attestation.Http;
using TeeWasm.Attestation.Platforms.Simulator;
using TeeWasm.Attestation.Services.Kbs;
using TeeWasm.Attestation.Tests;
using TeeWasm.Tests.Shared;

namespace TeeWasm.KeyBroker.Tests;

/// <summary>
/// The broker's per-secret <c>attestation</c> rules (the policy language of docs/policy.md) end to end: Kestrel on
/// loopback, the real <see cref="KbsClient"/> attesting with the simulator, both evidence formats.
/// </summary>
public sealed class KeyBrokerAttestationPolicyTests : IDisposable
{
    private static readonly ServiceCallOptions s_fast = new() { Timeout = TimeSpan.FromSeconds(30), MaxAttempts = 2, RetryDelay = TimeSpan.FromMilliseconds(10) };
    private static readonly SnpTcbJson s_simTcb = new(SimulatorAuthority.Tcb.Bootloader, SimulatorAuthority.Tcb.Tee, SimulatorAuthority.Tcb.Snp, SimulatorAuthority.Tcb.Microcode);
    private static readonly string s_simMeasurement = Convert.ToHexStringLower(SimulatedSnpEvidenceSource.Measurement);
    private readonly TempDir _dir = new();

    public KeyBrokerAttestationPolicyTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir.Path, "secrets", "default", "secret"));
        File.WriteAllBytes(Path.Combine(_dir.Path, "secrets", "default", "secret", "demo"), RandomNumberGenerator.GetBytes(32));
        File.WriteAllBytes(Path.Combine(_dir.Path, "secrets", "default", "secret", "other"), RandomNumberGenerator.GetBytes(32));
    }

    public void Dispose() => _dir.Dispose();

    private sealed record SnpTcbJson(int Bootloader, int Tee, int Snp, int Microcode)
    {
        public string Json => $$"""{"bootloader":{{Bootloader}},"tee":{{Tee}},"snp":{{Snp}},"microcode":{{Microcode}}}""";
    }

    private Task<KeyBrokerServer> Broker(string policyJson, IAttestationAuditLog? audit = null, TimeProvider? time = null) =>
        KeyBrokerServer.StartAsync(new KeyBrokerOptions
        {
            Listen = "127.0.0.1:0",
            SecretsDirectory = Path.Combine(_dir.Path, "secrets"),
            Policy = SecretPolicy.Parse(policyJson),
            SimulatorDirectory = TestSupport.SimulatorDirectory,
            AuditLog = audit ?? NullAuditLog.Instance,
            Time = time ?? TimeProvider.System,
        });

    private static string SnpRule(string snp) => """{"default":{"allow_simulated":true,"attestation":{"snp":""" + snp + "}}}";

    private static SecretResult GetDemo(KeyBrokerServer broker, KbsEvidenceFormat format = KbsEvidenceFormat.TeeWasm)
    {
        using var attester = new Attester(TestSupport.Simulate()) { ModuleHash = Attester.HashModule("guest"u8) };
        using var client = new KbsClient(new KbsClientOptions { Endpoint = broker.Address, Calls = s_fast, Evidence = format }, attester);
        return client.GetSecret("demo");
    }

    private const string Refused = "secret 'default/secret/demo' refused (HTTP 403): secret 'default/secret/demo' refused: attestation policy: ";

    [Theory]
    [InlineData(KbsEvidenceFormat.TeeWasm)]
    [InlineData(KbsEvidenceFormat.Trustee)]
    public async Task Simulated_snp_meeting_min_tcb_measurement_guest_svn_and_vmpl_gets_the_secret(KbsEvidenceFormat format)
    {
        await using var broker = await Broker(SnpRule(
            $$"""{"min_tcb":{{s_simTcb.Json}},"allowed_measurements":["{{s_simMeasurement}}"],"min_guest_svn":1,"max_vmpl":0}"""));
        var result = GetDemo(broker, format);
        Assert.True(result.Success, result.Error);
        Assert.Equal(32, result.Secret!.Length);
    }

    [Theory]
    [InlineData(KbsEvidenceFormat.TeeWasm)]
    [InlineData(KbsEvidenceFormat.Trustee)]
    public async Task Min_tcb_above_the_simulators_is_refused_naming_the_component_in_the_detail_and_the_audit_log(KbsEvidenceFormat format)
    {
        using var log = new JsonLinesAuditLog(_dir.File("server.jsonl"));
        await using var broker = await Broker(SnpRule($$"""{"min_tcb":{{(s_simTcb with { Snp = s_simTcb.Snp + 1 }).Json}}}"""), log);
        var result = GetDemo(broker, format);
        Assert.False(result.Success);
        Assert.Null(result.Secret);
        string violation = $"SEV-SNP reported TCB snp SPL {s_simTcb.Snp} is below snp.min_tcb.snp {s_simTcb.Snp + 1}";
        Assert.Contains(Refused + violation, result.Error);
        Assert.Single(File.ReadAllLines(_dir.File("server.jsonl")), l => l.Contains("\"secret_refused\"") && l.Contains(violation));
    }

    [Fact]
    public async Task Measurement_not_in_allowed_measurements_is_refused()
    {
        string other = new('a', 96);
        await using var broker = await Broker(SnpRule($$"""{"allowed_measurements":["{{other}}"]}"""));
        var result = GetDemo(broker);
        Assert.Contains(Refused + $"SEV-SNP measurement {s_simMeasurement} is not in snp.allowed_measurements", result.Error);
    }

    [Fact]
    public async Task Guest_svn_below_min_guest_svn_is_refused()
    {
        await using var broker = await Broker(SnpRule("""{"min_guest_svn":2}"""));
        var result = GetDemo(broker);
        Assert.Contains(Refused + "SEV-SNP guest_svn 1 is below snp.min_guest_svn 2", result.Error);
    }

    [Fact]
    public async Task Several_violations_are_all_named()
    {
        await using var broker = await Broker(SnpRule($$"""{"min_tcb":{{(s_simTcb with { Microcode = 255 }).Json}},"min_guest_svn":9}"""));
        var result = GetDemo(broker);
        Assert.Contains(Refused + $"SEV-SNP reported TCB microcode SPL {s_simTcb.Microcode} is below snp.min_tcb.microcode 255; SEV-SNP guest_svn 1 is below snp.min_guest_svn 9", result.Error);
    }

    [Fact]
    public async Task Simulated_platforms_pass_only_a_rule_that_allows_them_here_or_in_its_attestation_policy()
    {
        await using var broker = await Broker("""
            {"secrets":{
              "default/secret/demo":{"attestation":{"allow_simulated":true,"snp":{"min_guest_svn":1}}},
              "default/secret/other":{"attestation":{"snp":{"min_guest_svn":1}}}}}
            """);
        Assert.True(broker.AcceptsSimulated); // attestation.allow_simulated makes the broker trust the simulator root
        using var attester = new Attester(TestSupport.Simulate()) { ModuleHash = Attester.HashModule("guest"u8) };
        using var client = new KbsClient(new KbsClientOptions { Endpoint = broker.Address, Calls = s_fast }, attester);
        Assert.True(client.GetSecret("demo").Success);
        Assert.Contains("secret 'default/secret/other' refused: policy forbids simulated platforms", client.GetSecret("other").Error);
    }

    [Fact]
    public async Task A_broker_whose_attestation_rules_do_not_allow_the_simulator_refuses_it_at_attestation()
    {
        await using var broker = await Broker(SnpRule("""{"min_guest_svn":1}""").Replace("\"allow_simulated\":true,", ""));
        Assert.False(broker.AcceptsSimulated);
        Assert.Contains("attestation refused (HTTP 401): simulated platform refused: this broker's policy allows no simulated platform", GetDemo(broker).Error);
    }

    [Fact]
    public async Task Max_evidence_age_counts_from_the_attestation_to_the_secret_request()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var broker = await Broker("""{"default":{"allow_simulated":true,"attestation":{"max_evidence_age_seconds":60}}}""", time: clock);
        using var attester = new Attester(TestSupport.Simulate()) { ModuleHash = Attester.HashModule("guest"u8) };
        using var client = new KbsClient(new KbsClientOptions { Endpoint = broker.Address, Calls = s_fast }, attester);
        Assert.True(client.GetSecret("demo").Success);
        clock.Advance(TimeSpan.FromSeconds(120)); // the session (5 minutes) is still open
        Assert.Contains("secret 'default/secret/other' refused: attestation policy: evidence is 120 s old; at most 60 s allowed", client.GetSecret("other").Error);
    }
}
