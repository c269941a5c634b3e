using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Audit;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Http;
using TeeWasm.Attestation.Services.Kbs;
using TeeWasm.Attestation.Tests;
using TeeWasm.Attestation.Tests.Services;
using TeeWasm.Tests.Shared;

namespace TeeWasm.KeyBroker.Tests;

public sealed class KeyBrokerServerTests : IDisposable
{
    private static readonly ServiceCallOptions s_fast = new() { Timeout = TimeSpan.FromSeconds(30), MaxAttempts = 2, RetryDelay = TimeSpan.FromMilliseconds(10) };
    private readonly TempDir _dir = new();
    private readonly byte[] _secret = RandomNumberGenerator.GetBytes(32);

    public KeyBrokerServerTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir.Path, "secrets", "default", "secret"));
        File.WriteAllBytes(Path.Combine(_dir.Path, "secrets", "default", "secret", "demo"), _secret);
        File.WriteAllBytes(Path.Combine(_dir.Path, "secrets", "default", "secret", "other"), _secret);
    }

    public void Dispose() => _dir.Dispose();

    private static SecretPolicy Policy(string json) => JsonSerializer.Deserialize<SecretPolicy>(json)!;

    private Task<KeyBrokerServer> Broker(SecretPolicy policy, IAttestationAuditLog? audit = null, TimeProvider? time = null) =>
        KeyBrokerServer.StartAsync(new KeyBrokerOptions
        {
            Listen = "127.0.0.1:0",
            SecretsDirectory = Path.Combine(_dir.Path, "secrets"),
            Policy = policy,
            SimulatorDirectory = TestSupport.SimulatorDirectory,
            AuditLog = audit ?? NullAuditLog.Instance,
            Time = time ?? TimeProvider.System,
        });

    private static Attester SimulatedAttester(IAttestationAuditLog? audit = null) =>
        new(TestSupport.Simulate() with { AuditLog = audit ?? NullAuditLog.Instance }) { ModuleHash = Attester.HashModule("guest"u8) };

    private const string AllowSimulated = """{"default":{"allow_simulated":true}}""";

    [Fact]
    public async Task Good_path_releases_the_secret_encrypted_to_the_TEE_key_and_logs_no_secret()
    {
        using var clientLog = new JsonLinesAuditLog(_dir.File("client.jsonl"));
        using var serverLog = new JsonLinesAuditLog(_dir.File("server.jsonl"));
        await using var broker = await Broker(Policy(AllowSimulated), serverLog);
        using var attester = SimulatedAttester(clientLog);
        using var client = new KbsClient(new KbsClientOptions { Endpoint = broker.Address, Calls = s_fast }, attester);

        var result = client.GetSecret("demo");
        Assert.True(result.Success, result.Error);
        Assert.Equal(_secret, result.Secret);
        var json = JsonDocument.Parse(result.ToJsonUtf8()).RootElement;
        Assert.Equal(Convert.ToBase64String(_secret), json.GetProperty("secret").GetString());
        Assert.Equal(32, json.GetProperty("length").GetInt32());
        Assert.True(client.GetSecret("default/secret/other").Success); // same session, no new attestation

        string client_ = File.ReadAllText(_dir.File("client.jsonl")), server = File.ReadAllText(_dir.File("server.jsonl"));
        foreach (string text in new[] { client_, server })
        {
            Assert.DoesNotContain(Convert.ToBase64String(_secret), text);
            Assert.DoesNotContain(Convert.ToHexString(_secret), text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("eyJ", text);
        }
        Assert.Equal(2, client_.Split('\n').Count(l => l.Contains("\"secret_released\"")));
        Assert.Contains("\"event\":\"verify\"", server);
        Assert.Equal(2, server.Split('\n').Count(l => l.Contains("\"secret_released\"")));
        Assert.Single(client_.Split('\n'), l => l.Contains("\"event\":\"attest\"")); // one attestation for both secrets
    }

    /// <summary>
    /// The example of the TeeWasm.Attestation.Services package README (packaging/readme/TeeWasm.Attestation.Services.md),
    /// compiled and run against this broker: its body with the broker's address and a simulated attester filled in.
    /// </summary>
    [Fact]
    public async Task ServicesPackageReadmeExample_GetsTheSecret_AndNamesARefusal()
    {
        await using var broker = await Broker(Policy("""{"secrets":{"default/secret/demo":{"allow_simulated":true}}}"""));
        var console = new StringWriter();
        foreach (string name in new[] { "default/secret/demo", "default/secret/other" })
        {
            // packaging/readme/TeeWasm.Attestation.Services.md
            using var attester = new Attester(TestSupport.Simulate()) { ModuleHash = Attester.HashModule("guest"u8) };
            using var kbs = new KbsClient(new KbsClientOptions { Endpoint = broker.Address }, attester);
            SecretResult result = kbs.GetSecret(name);
            console.WriteLine(result.Success ? $"released: {result.Secret!.Length} bytes" : $"refused: {result.Error}");
            // end of the example
        }
        string[] lines = console.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("released: 32 bytes", lines[0]);
        Assert.StartsWith("refused: Key broker (KBS) at http://127.0.0.1:", lines[1]);
        Assert.Contains("default/secret/other", lines[1]);
    }

    [Fact]
    public async Task Broker_without_a_simulated_rule_refuses_simulated_platforms_at_attestation()
    {
        await using var broker = await Broker(Policy("""{"default":{}}"""));
        Assert.False(broker.AcceptsSimulated);
        using var attester = SimulatedAttester();
        using var client = new KbsClient(new KbsClientOptions { Endpoint = broker.Address, Calls = s_fast }, attester);
        var result = client.GetSecret("demo");
        Assert.False(result.Success);
        Assert.Contains("Key broker (KBS) at http://127.0.0.1:", result.Error);
        Assert.Contains("attestation refused (HTTP 401): simulated platform refused: this broker's policy allows no simulated platform", result.Error);
        Assert.Null(result.Secret);
    }

    [Fact]
    public async Task Per_secret_policy_refuses_what_it_does_not_allow()
    {
        string module = Convert.ToHexStringLower(Attester.HashModule("guest"u8));
        await using var broker = await Broker(Policy(
            """{"secrets":{"default/secret/demo":{"allow_simulated":true,"module_hashes":["MODULE"]},"default/secret/other":{"allow_simulated":false}}}"""
                .Replace("MODULE", module)));
        using var attester = SimulatedAttester();
        using var client = new KbsClient(new KbsClientOptions { Endpoint = broker.Address, Calls = s_fast }, attester);
        Assert.True(client.GetSecret("demo").Success);
        var other = client.GetSecret("other");
        Assert.Contains("secret 'default/secret/other' refused (HTTP 403): secret 'default/secret/other' refused: policy forbids simulated platforms", other.Error);
        var unlisted = client.GetSecret("default/secret/nope");
        Assert.Contains("no policy rule for 'default/secret/nope' and no default", unlisted.Error);

        using var wrongModule = new Attester(TestSupport.Simulate()) { ModuleHash = Attester.HashModule("another guest"u8) };
        using var client2 = new KbsClient(new KbsClientOptions { Endpoint = broker.Address, Calls = s_fast }, wrongModule);
        Assert.Contains("not in the policy's module_hashes", client2.GetSecret("demo").Error);
    }

    [Fact]
    public async Task Missing_secret_bad_name_and_server_down_are_clear_errors()
    {
        await using var broker = await Broker(Policy(AllowSimulated));
        using var attester = SimulatedAttester();
        using var client = new KbsClient(new KbsClientOptions { Endpoint = broker.Address, Calls = s_fast }, attester);
        Assert.Contains("no secret 'default/secret/absent' (HTTP 404)", client.GetSecret("absent").Error);
        Assert.Contains("is not a secret name", client.GetSecret("../../etc/passwd").Error);
        Assert.Contains("is not a secret name", client.GetSecret("a/b").Error);

        using var closed = new ClosedPort();
        using var down = new KbsClient(new KbsClientOptions { Endpoint = closed.Uri, Calls = s_fast }, attester);
        var r = down.GetSecret("demo");
        Assert.False(r.Success);
        Assert.Matches(@"Key broker \(KBS\) at http://127\.0\.0\.1:\d+: auth: cannot connect", r.Error);
    }

    [Fact]
    public async Task Expired_session_is_renewed_with_a_new_attestation()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var broker = await Broker(Policy(AllowSimulated), time: clock);
        using var attester = SimulatedAttester();
        using var client = new KbsClient(new KbsClientOptions { Endpoint = broker.Address, Calls = s_fast }, attester);
        Assert.True(client.GetSecret("demo").Success);
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.True(client.GetSecret("demo").Success);
    }

    [Fact]
    public async Task Evidence_for_another_challenge_or_key_is_refused()
    {
        await using var broker = await Broker(Policy(AllowSimulated));
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = true }) { BaseAddress = broker.Address };
        var auth = await http.PostAsJsonAsync("/kbs/v0/auth", new Dictionary<string, string> { ["version"] = "0.1.0", ["tee"] = "snp", ["extra-params"] = "" });
        auth.EnsureSuccessStatusCode();
        string nonce = (await auth.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("nonce").GetString()!;
        using var key = RSA.Create(2048);
        var p = key.ExportParameters(false);
        string n = Base64UrlEncoder.Encode(p.Modulus), e = Base64UrlEncoder.Encode(p.Exponent);
        using var attester = SimulatedAttester();

        // Bound to a stale nonce: refused.
        var stale = attester.AttestVm(KbsProtocol.BindingNonce("old-nonce", n, e));
        var r1 = await http.PostAsync("/kbs/v0/attest", Attestation(n, e, stale.Evidence!));
        Assert.Equal(HttpStatusCode.Unauthorized, r1.StatusCode);
        Assert.Contains("not bound to this challenge", await r1.Content.ReadAsStringAsync());

        // Bound to this nonce but another key than the one sent: refused.
        using var other = RSA.Create(2048);
        var q = other.ExportParameters(false);
        var swapped = attester.AttestVm(KbsProtocol.BindingNonce(nonce, Base64UrlEncoder.Encode(q.Modulus), e));
        var r2 = await http.PostAsync("/kbs/v0/attest", Attestation(n, e, swapped.Evidence!));
        Assert.Equal(HttpStatusCode.Unauthorized, r2.StatusCode);

        // A tampered report: refused by the SNP verifier.
        var good = attester.AttestVm(KbsProtocol.BindingNonce(nonce, n, e));
        var ev = System.Text.Json.Nodes.JsonNode.Parse(good.Evidence!)!;
        byte[] report = Convert.FromBase64String(ev["report"]!.GetValue<string>());
        report[0x90] ^= 1; // inside the measurement
        ev["report"] = Convert.ToBase64String(report);
        var r3 = await http.PostAsync("/kbs/v0/attest", Attestation(n, e, ev.ToJsonString()));
        Assert.Equal(HttpStatusCode.Unauthorized, r3.StatusCode);
        Assert.Contains("SNP report rejected", await r3.Content.ReadAsStringAsync());

        // No resource without a successful attestation.
        var r4 = await http.GetAsync("/kbs/v0/resource/default/secret/demo");
        Assert.Equal(HttpStatusCode.Unauthorized, r4.StatusCode);

        // The right evidence: accepted, then the resource decrypts with the TEE key.
        var r5 = await http.PostAsync("/kbs/v0/attest", Attestation(n, e, good.Evidence!));
        Assert.Equal(HttpStatusCode.OK, r5.StatusCode);
        var r6 = await http.GetAsync("/kbs/v0/resource/default/secret/demo");
        Assert.Equal(_secret, JweEnvelope.Decrypt(await r6.Content.ReadAsStringAsync(), key));
    }

    [Theory]
    [InlineData(TeeKeyKind.EcP256, "EC")]
    [InlineData(TeeKeyKind.Rsa2048, "RSA")]
    public async Task Either_tee_key_kind_gets_the_secret_with_teewasm_evidence(TeeKeyKind kind, string kty)
    {
        await using var broker = await Broker(Policy(AllowSimulated));
        using var attester = SimulatedAttester();
        var recorder = new AttestRecorder();
        using var client = new KbsClient(new KbsClientOptions { Endpoint = broker.Address, Calls = s_fast with { Handler = recorder }, TeeKey = kind }, attester);
        var result = client.GetSecret("demo");
        Assert.True(result.Success, result.Error);
        Assert.Equal(_secret, result.Secret);
        Assert.Equal(kty, recorder.Attestation.GetProperty("tee-pubkey").GetProperty("kty").GetString());
    }

    /// <summary>Passes requests on to the broker and keeps the body of the attest request.</summary>
    private sealed class AttestRecorder() : DelegatingHandler(new SocketsHttpHandler { UseCookies = false })
    {
        public JsonElement Attestation { get; private set; }

        // The client's calls are synchronous (host functions are), so this is the path they take.
        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri!.AbsolutePath == KbsProtocol.AttestPath)
                Attestation = JsonDocument.Parse(request.Content!.ReadAsStream(cancellationToken)).RootElement.Clone();
            return base.Send(request, cancellationToken);
        }
    }

    [Fact]
    public async Task Teewasm_evidence_bound_to_another_ec_key_is_refused()
    {
        await using var broker = await Broker(Policy(AllowSimulated));
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = true }) { BaseAddress = broker.Address };
        var auth = await http.PostAsJsonAsync("/kbs/v0/auth", new Dictionary<string, string> { ["version"] = "0.1.0", ["tee"] = "snp", ["extra-params"] = "" });
        string nonce = (await auth.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("nonce").GetString()!;
        using var sent = TeeKeyPair.Create(TeeKeyKind.EcP256);
        using var bound = TeeKeyPair.Create(TeeKeyKind.EcP256);
        using var attester = SimulatedAttester();

        var swapped = attester.AttestVm(KbsProtocol.BindingNonce(nonce, bound.Jwk));
        var refused = await http.PostAsync("/kbs/v0/attest", JsonContent.Create(new Dictionary<string, object>
        {
            ["tee-pubkey"] = sent.Jwk, ["tee-evidence"] = JsonDocument.Parse(swapped.Evidence!).RootElement,
        }));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("not bound to this challenge and TEE key", await refused.Content.ReadAsStringAsync());

        var good = attester.AttestVm(KbsProtocol.BindingNonce(nonce, sent.Jwk));
        var accepted = await http.PostAsync("/kbs/v0/attest", JsonContent.Create(new Dictionary<string, object>
        {
            ["tee-pubkey"] = sent.Jwk, ["tee-evidence"] = JsonDocument.Parse(good.Evidence!).RootElement,
        }));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var resource = await http.GetAsync("/kbs/v0/resource/default/secret/demo");
        Assert.Equal(_secret, sent.Decrypt(await resource.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task Auth_refuses_other_protocol_versions_and_tees_naming_those_it_takes()
    {
        await using var broker = await Broker(Policy("""{"default":{}}"""));
        using var http = new HttpClient { BaseAddress = broker.Address };
        var bad = await http.PostAsJsonAsync("/kbs/v0/auth", new Dictionary<string, string> { ["version"] = "9.0", ["tee"] = "snp" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("protocol version '9.0' not supported (0.x)", await TestBroker.DetailAsync(bad));
        var tee = await http.PostAsJsonAsync("/kbs/v0/auth", new Dictionary<string, string> { ["version"] = "0.1.0", ["tee"] = "sgx" });
        Assert.Equal(HttpStatusCode.BadRequest, tee.StatusCode);
        Assert.Equal("tee 'sgx' not supported (snp, tdx, az-snp-vtpm, az-tdx-vtpm)", await TestBroker.DetailAsync(tee));
        foreach (string name in new[] { "snp", "tdx", "amd-sev-snp", "intel-tdx", "az-snp-vtpm", "az-tdx-vtpm" })
            Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("/kbs/v0/auth", new Dictionary<string, string> { ["version"] = "0.1.0", ["tee"] = name })).StatusCode);
    }

    private static StringContent Attestation(string n, string e, string evidenceJson) => new(
        $$"""{"tee-pubkey":{"kty":"RSA","alg":"RSA-OAEP-256","n":"{{n}}","e":"{{e}}"},"tee-evidence":{{evidenceJson}}}""",
        Encoding.UTF8, "application/json");

    [Fact]
    public void Jwe_round_trips_and_detects_tampering_and_wrong_keys()
    {
        using var key = RSA.Create(2048);
        string jwe = JweEnvelope.Encrypt("hello"u8, key);
        Assert.Equal("hello"u8.ToArray(), JweEnvelope.Decrypt(jwe, key));
        var node = System.Text.Json.Nodes.JsonNode.Parse(jwe)!;
        byte[] ct = Base64UrlEncoder.DecodeBytes(node["ciphertext"]!.GetValue<string>());
        ct[0] ^= 1;
        node["ciphertext"] = Base64UrlEncoder.Encode(ct);
        Assert.Throws<AttestationException>(() => JweEnvelope.Decrypt(node.ToJsonString(), key));
        using var other = RSA.Create(2048);
        Assert.Throws<AttestationException>(() => JweEnvelope.Decrypt(jwe, other));
        Assert.Equal("x"u8.ToArray(), JweEnvelope.Decrypt(JweEnvelope.Encrypt("x"u8, key, JweEnvelope.RsaOaep), key));
    }

    [Fact]
    public void Secret_file_format_is_nonce_ciphertext_tag()
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        byte[] data = Encoding.UTF8.GetBytes("age,bmi\n50,31.2\n");
        byte[] file = SecretFile.Encrypt(key, data);
        Assert.Equal(12 + data.Length + 16, file.Length);
        // Independent decryption with the documented layout.
        byte[] plain = new byte[data.Length];
        using (var gcm = new AesGcm(key, 16)) gcm.Decrypt(file[..12], file[12..^16], file[^16..], plain);
        Assert.Equal(data, plain);
        Assert.Equal(data, SecretFile.Decrypt(key, file));
        file[20] ^= 1;
        Assert.Contains("wrong key or altered", Assert.Throws<AttestationException>(() => SecretFile.Decrypt(key, file)).Message);
    }
}
