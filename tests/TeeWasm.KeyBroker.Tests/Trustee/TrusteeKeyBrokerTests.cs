using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Audit;
using TeeWasm.Attestation.Http;
using TeeWasm.Attestation.Services.Kbs;
using TeeWasm.Attestation.Services.Kbs.Trustee;
using TeeWasm.Attestation.Tests;
using TeeWasm.Attestation.Tests.Platforms.Tdx;
using TeeWasm.Tests.Shared;

namespace TeeWasm.KeyBroker.Tests.Trustee;

/// <summary>KbsClient with Trustee evidence ↔ the embedded broker, and hand-made Trustee Attestation messages it must refuse.</summary>
public sealed class TrusteeKeyBrokerTests : IDisposable
{
    private static readonly ServiceCallOptions s_fast = new() { Timeout = TimeSpan.FromSeconds(30), MaxAttempts = 2, RetryDelay = TimeSpan.FromMilliseconds(10) };
    private const string AllowSimulated = """{"default":{"allow_simulated":true}}""";
    private readonly TempDir _dir = new();
    private readonly byte[] _secret = RandomNumberGenerator.GetBytes(32);

    public TrusteeKeyBrokerTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir.Path, "secrets", "default", "secret"));
        File.WriteAllBytes(Path.Combine(_dir.Path, "secrets", "default", "secret", "demo"), _secret);
    }

    public void Dispose() => _dir.Dispose();

    private Task<KeyBrokerServer> Broker(string policy, IAttestationAuditLog? audit = null, TimeProvider? time = null) =>
        KeyBrokerServer.StartAsync(new KeyBrokerOptions
        {
            Listen = "127.0.0.1:0",
            SecretsDirectory = Path.Combine(_dir.Path, "secrets"),
            Policy = JsonSerializer.Deserialize<SecretPolicy>(policy)!,
            SimulatorDirectory = TestSupport.SimulatorDirectory,
            AuditLog = audit ?? NullAuditLog.Instance,
            Time = time ?? TimeProvider.System,
        });

    private static Attester SimulatedAttester() => new(TestSupport.Simulate()) { ModuleHash = Attester.HashModule("guest"u8) };

    private static KbsClient Client(KeyBrokerServer broker, Attester attester, KbsEvidenceFormat format = KbsEvidenceFormat.Trustee) =>
        new(new KbsClientOptions { Endpoint = broker.Address, Calls = s_fast, Evidence = format }, attester);

    [Fact]
    public async Task Trustee_evidence_from_the_client_gets_the_secret_and_the_broker_records_it_as_trustee_evidence()
    {
        using var serverLog = new JsonLinesAuditLog(_dir.File("server.jsonl"));
        await using var broker = await Broker(AllowSimulated, serverLog);
        using var attester = SimulatedAttester();
        using var client = Client(broker, attester);

        var result = client.GetSecret("demo");
        Assert.True(result.Success, result.Error);
        Assert.Equal(_secret, result.Secret);
        string log = File.ReadAllText(_dir.File("server.jsonl"));
        Assert.Contains("SNP report chained to the simulator root (Trustee evidence)", log);
        Assert.DoesNotContain(Convert.ToHexStringLower(attester.ModuleHash), log); // Trustee evidence binds no module
    }

    [Fact]
    public async Task Module_hash_rule_refuses_trustee_evidence_with_that_reason_but_releases_to_teewasm_evidence()
    {
        string module = Convert.ToHexStringLower(Attester.HashModule("guest"u8));
        await using var broker = await Broker("""{"secrets":{"default/secret/demo":{"allow_simulated":true,"module_hashes":["MODULE"]}}}""".Replace("MODULE", module));
        using var attester = SimulatedAttester();
        using var trustee = Client(broker, attester);
        var refused = trustee.GetSecret("demo");
        Assert.False(refused.Success);
        Assert.Contains($"secret 'default/secret/demo' refused (HTTP 403): secret 'default/secret/demo' refused: {SecretRule.ModuleNotBound}", refused.Error);

        using var teewasm = Client(broker, attester, KbsEvidenceFormat.TeeWasm);
        Assert.True(teewasm.GetSecret("demo").Success);
    }

    [Fact]
    public async Task Hand_made_trustee_attestation_is_released_and_decrypts_with_the_tee_key()
    {
        await using var broker = await Broker(AllowSimulated);
        using var attester = SimulatedAttester();
        using var session = new RawSession(broker.Address);
        string nonce = await session.AuthAsync("snp");
        using var key = RSA.Create(2048);
        var (status, detail) = await session.AttestAsync(Message(attester, "snp", nonce, key));
        Assert.True(status == HttpStatusCode.OK, detail);

        using var response = await session.Http.GetAsync(new Uri(broker.Address, "/kbs/v0/resource/default/secret/demo"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(_secret, JweEnvelope.Decrypt(await response.Content.ReadAsStringAsync(), key));
    }

    [Fact]
    public async Task A_flipped_report_byte_is_refused_by_the_signature_check()
    {
        await using var broker = await Broker(AllowSimulated);
        using var attester = SimulatedAttester();
        using var session = new RawSession(broker.Address);
        string nonce = await session.AuthAsync("snp");
        using var key = RSA.Create(2048);
        var message = Message(attester, "snp", nonce, key);
        var measurement = message["tee-evidence"]!["primary_evidence"]!["attestation_report"]!["measurement"]!;
        measurement[5] = (byte)(measurement[5]!.GetValue<byte>() ^ 0x01);

        var (status, detail) = await session.AttestAsync(message);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.StartsWith("SNP report rejected (SignatureInvalid): report signature does not verify", detail);
    }

    [Fact]
    public async Task Report_data_bound_to_another_tee_key_is_refused()
    {
        await using var broker = await Broker(AllowSimulated);
        using var attester = SimulatedAttester();
        using var session = new RawSession(broker.Address);
        string nonce = await session.AuthAsync("snp");
        using var bound = RSA.Create(2048);
        using var substituted = RSA.Create(2048);
        var message = Message(attester, "snp", nonce, bound);
        message["runtime-data"]!["tee-pubkey"] = Jwk(substituted); // the report still binds the first key

        var (status, detail) = await session.AttestAsync(message);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("SNP report rejected (ReportDataMismatch): REPORT_DATA differs from the expected value", detail);
    }

    [Fact]
    public async Task Evidence_for_a_stale_challenge_is_refused()
    {
        await using var broker = await Broker(AllowSimulated);
        using var attester = SimulatedAttester();
        using var first = new RawSession(broker.Address);
        using var second = new RawSession(broker.Address);
        string oldNonce = await first.AuthAsync("snp");
        await second.AuthAsync("snp");
        using var key = RSA.Create(2048);

        var (status, detail) = await second.AttestAsync(Message(attester, "snp", oldNonce, key));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("runtime-data nonce is not this session's challenge (stale or replayed evidence)", detail);
    }

    [Fact]
    public async Task Evidence_of_another_tee_than_the_session_asked_for_is_refused()
    {
        await using var broker = await Broker(AllowSimulated);
        using var attester = SimulatedAttester();
        using var session = new RawSession(broker.Address);
        string nonce = await session.AuthAsync("tdx");
        using var key = RSA.Create(2048);

        var (status, detail) = await session.AttestAsync(Message(attester, "snp", nonce, key)); // snp evidence, tdx session
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.StartsWith("primary_evidence is not Trustee tdx evidence (quote, cc_eventlog):", detail);
    }

    [Fact]
    public async Task Device_evidence_and_init_data_are_refused_as_unsupported()
    {
        await using var broker = await Broker(AllowSimulated);
        using var attester = SimulatedAttester();
        using var key = RSA.Create(2048);

        using var withDevices = new RawSession(broker.Address);
        var message = Message(attester, "snp", await withDevices.AuthAsync("snp"), key);
        message["tee-evidence"]!["additional_evidence"] = """{"nvidia":{}}""";
        var (status, detail) = await withDevices.AttestAsync(message);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("additional_evidence (device attesters) is not supported by this broker", detail);

        using var withInitData = new RawSession(broker.Address);
        message = Message(attester, "snp", await withInitData.AuthAsync("snp"), key);
        message["init-data"] = new JsonObject { ["format"] = "toml", ["body"] = "version = \"0.1.0\"" };
        (status, detail) = await withInitData.AttestAsync(message);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.StartsWith("init-data is not supported by this broker", detail);
    }

    [Fact]
    public async Task Real_tdx_quote_in_trustee_format_is_verified_then_refused_for_its_report_data()
    {
        // A genuine Intel quote (valid DCAP chain in Feb 2026) whose report_data is not Trustee's binding of this session.
        await using var broker = await Broker("""{"default":{}}""", time: new ManualTimeProvider(TdxTestData.Feb2026));
        byte[] quote = TdxTestData.Quote(TdxTestData.SprV4);
        using var key = RSA.Create(2048);

        using var session = new RawSession(broker.Address);
        string nonce = await session.AuthAsync("tdx");
        var message = new JsonObject
        {
            ["runtime-data"] = TrusteeKbs.RuntimeData(nonce, Jwk(key)),
            ["tee-evidence"] = new JsonObject { ["primary_evidence"] = TrusteeTdxEvidence.Write(quote), ["additional_evidence"] = "" },
        };
        var (status, detail) = await session.AttestAsync(message);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("TDX quote report_data does not bind runtime-data (nonce and tee-pubkey)", detail);

        quote[200] ^= 0x01; // inside the signed TD report body
        using var again = new RawSession(broker.Address);
        message["runtime-data"] = TrusteeKbs.RuntimeData(await again.AuthAsync("tdx"), Jwk(key));
        message["tee-evidence"]!["primary_evidence"] = TrusteeTdxEvidence.Write(quote);
        (status, detail) = await again.AttestAsync(message);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.StartsWith("TDX quote rejected (", detail);
    }

    [Fact]
    public async Task Ec_p256_tee_key_like_guest_components_default_gets_an_ecdh_es_a256kw_jwe()
    {
        await using var broker = await Broker(AllowSimulated);
        using var attester = SimulatedAttester();
        using var ec = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var q = ec.ExportParameters(false).Q;
        var jwk = new JsonObject { ["kty"] = "EC", ["crv"] = "P-256", ["alg"] = "ECDH-ES+A256KW", ["x"] = Base64UrlEncoder.Encode(q.X), ["y"] = Base64UrlEncoder.Encode(q.Y) };

        using var session = new RawSession(broker.Address);
        var (status, detail) = await session.AttestAsync(Message(attester, "snp", await session.AuthAsync("snp"), jwk));
        Assert.True(status == HttpStatusCode.OK, detail);
        using var response = await session.Http.GetAsync(new Uri(broker.Address, "/kbs/v0/resource/default/secret/demo"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(_secret, JweEnvelope.Decrypt(await response.Content.ReadAsStringAsync(), ec));

        using var direct = new RawSession(broker.Address);
        jwk["alg"] = "ECDH-ES";
        (status, detail) = await direct.AttestAsync(Message(attester, "snp", await direct.AuthAsync("snp"), jwk));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("tee-pubkey alg 'ECDH-ES' not supported for EC (ECDH-ES+A256KW)", detail);
    }

    private static JsonObject Jwk(RSA key)
    {
        var p = key.ExportParameters(false);
        return TrusteeKbs.RsaPublicKey(JweEnvelope.RsaOaep256, Base64UrlEncoder.Encode(p.Modulus), Base64UrlEncoder.Encode(p.Exponent));
    }

    private static JsonObject Message(Attester attester, string tee, string nonce, RSA key) => Message(attester, tee, nonce, Jwk(key));

    private static JsonObject Message(Attester attester, string tee, string nonce, JsonObject jwk)
    {
        var collected = attester.CollectVmEvidence(TrusteeKbs.ReportData(nonce, jwk, "", HashAlgorithmName.SHA384));
        return TrusteeAttestationMessage.Create(tee, nonce, jwk, collected.Evidence);
    }

    /// <summary>One KBS session over a cookie-keeping HttpClient, speaking Trustee 0.4.0 by hand.</summary>
    internal sealed class RawSession(Uri broker) : IDisposable
    {
        public HttpClient Http { get; } = new(new HttpClientHandler { CookieContainer = new CookieContainer() }) { Timeout = TimeSpan.FromSeconds(30) };

        public async Task<string> AuthAsync(string tee)
        {
            string request = $$"""{"version":"{{TrusteeKbs.Version}}","tee":"{{tee}}","extra-params":""}""";
            using var response = await Http.PostAsync(new Uri(broker, KbsProtocol.AuthPath), new StringContent(request, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("nonce").GetString()!;
        }

        public async Task<(HttpStatusCode Status, string Detail)> AttestAsync(JsonObject message)
        {
            using var response = await Http.PostAsync(new Uri(broker, KbsProtocol.AttestPath),
                new StringContent(message.ToJsonString(), Encoding.UTF8, "application/json"));
            string body = await response.Content.ReadAsStringAsync();
            var root = JsonDocument.Parse(body).RootElement;
            return (response.StatusCode, root.TryGetProperty("detail", out var d) ? d.GetString()! : body);
        }

        public void Dispose() => Http.Dispose();
    }
}
