using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using TeeWasm.Attestation.Services;
using TeeWasm.Attestation.Tdx;

namespace TeeWasm.Attestation.Tests.Services;

public sealed class ItaClientTests : IDisposable
{
    private const string ApiKey = "test-api-key";
    private const string Issuer = "Intel Trust Authority";
    private static readonly byte[] s_module = Attester.HashModule("guest"u8);
    private static readonly byte[] s_hostKey = [0x04, .. new byte[64]];
    private readonly TestTokenAuthority _authority = new();
    private readonly LoopbackServer _server;
    private readonly Dictionary<string, (string Iat, DateTimeOffset Issued)> _issued = [];
    private readonly List<string> _events = [];
    private string _mode = "good";
    private TimeSpan _nonceLifetime = TimeSpan.FromMinutes(5);
    private int _certs;
    private int _bindingsConfirmed;
    private JsonElement _lastAttest;

    // Like the real service: nonces it issued (and not expired) only, and report_data = SHA-512(val ‖ iat ‖ runtime_data).
    public ItaClientTests()
    {
        _server = new LoopbackServer(app =>
        {
            app.MapGet("/certs", () => { _certs++; return Results.Text(_authority.Jwks(), "application/json"); });
            app.MapGet("/appraisal/v1/nonce", (HttpContext c) =>
            {
                if (c.Request.Headers["x-api-key"] != ApiKey) return Results.Json(new { message = "invalid api key" }, statusCode: 401);
                string val = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
                string iat = Convert.ToBase64String(Encoding.UTF8.GetBytes(DateTimeOffset.UtcNow.ToString("O")));
                lock (_events) { _issued[val] = (iat, DateTimeOffset.UtcNow); _events.Add("nonce"); }
                return Results.Json(new { val, iat, signature = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)) });
            });
            app.MapPost("/appraisal/v1/attest", (Delegate)(async (HttpContext c) =>
            {
                if (c.Request.Headers["x-api-key"] != ApiKey) return Results.Json(new { message = "invalid api key" }, statusCode: 401);
                _lastAttest = (await JsonDocument.ParseAsync(c.Request.Body)).RootElement.Clone();
                lock (_events) _events.Add("attest");
                if (_mode == "refuse") return Results.Json(new { message = "quote verification failed: TCB out of date" }, statusCode: 400);
                var nonce = _lastAttest.GetProperty("verifier_nonce");
                string val = nonce.GetProperty("val").GetString()!, iat = nonce.GetProperty("iat").GetString()!;
                if (!_issued.TryGetValue(val, out var issued) || issued.Iat != iat)
                    return Results.Json(new { message = "verifier nonce was not issued by this service" }, statusCode: 400);
                if (DateTimeOffset.UtcNow - issued.Issued >= _nonceLifetime)
                    return Results.Json(new { message = "verifier nonce expired" }, statusCode: 400);
                byte[] runtimeData = Convert.FromBase64String(_lastAttest.GetProperty("runtime_data").GetString()!);
                if (!TdxQuote.TryParse(Convert.FromBase64String(_lastAttest.GetProperty("quote").GetString()!), out var quote))
                    return Results.Json(new { message = "quote could not be parsed" }, statusCode: 400);
                byte[] expected = SHA512.HashData([.. Convert.FromBase64String(val), .. Convert.FromBase64String(iat), .. runtimeData]);
                if (!quote.Body.ReportData.Span.SequenceEqual(expected))
                    return Results.Json(new { message = "report data does not match SHA-512(nonce.val || nonce.iat || runtime_data)" }, statusCode: 400);
                _bindingsConfirmed++;
                var claims = new Dictionary<string, object>
                {
                    ["verifier_nonce"] = _mode == "wrong-nonce" ? JsonDocument.Parse("""{"val":"b3RoZXI=","iat":"x"}""").RootElement : nonce,
                    ["attester_type"] = "TDX",
                    ["attester_runtime_data"] = JsonDocument.Parse(runtimeData).RootElement,
                };
                string token = _mode switch
                {
                    "expired" => _authority.Sign(Issuer, claims, TimeSpan.FromMinutes(5), DateTime.UtcNow.AddHours(-1)),
                    "bad-signature" => _authority.Sign(Issuer, claims, with: (_authority.Current.Kid, _authority.AddKey(publish: false).Key, _authority.Current.Cert)),
                    _ => _authority.Sign(Issuer, claims),
                };
                return Results.Json(new { token });
            }));
        });
    }

    public void Dispose()
    {
        _server.Dispose();
        _authority.Dispose();
    }

    private ItaClient Client(string apiKey = ApiKey, Uri? endpoint = null) => new(new ItaOptions
    {
        Endpoint = endpoint ?? _server.Uri,
        ApiKey = apiKey,
        Calls = new ServiceCallOptions { Timeout = TimeSpan.FromSeconds(30), MaxAttempts = 2, RetryDelay = TimeSpan.FromMilliseconds(10) },
        KeyRefreshInterval = TimeSpan.Zero,
    });

    // What the Attester does: the service's nonce first, then a quote over the binding's report_data.
    private static ServiceEvidence TdxEvidence(ItaClient client, byte[]? nonce = null)
    {
        nonce ??= [0xaa];
        var binding = client.Bind(s_module, s_hostKey, nonce);
        return new ServiceEvidence
        {
            TeeType = "TDX",
            Report = TestQuotes.TdxWithReportData(binding.ReportData),
            RuntimeData = binding.RuntimeData!,
            ItaNonce = binding.ItaNonce,
            Nonce = nonce,
        };
    }

    private Attester TdxAttester(ItaClient client, TdxShapedEvidenceSource source)
    {
        string dir = TestSupport.NewTempDir();
        File.WriteAllText(Path.Combine(dir, "tdx_guest"), "");
        var options = new AttesterOptions { Probe = TestSupport.NoTeeProbe(dir) with { TdxGuestDevices = [Path.Combine(dir, "tdx_guest")] }, VmTokenService = client };
        return new Attester(options, null, _ => source, null) { ModuleHash = s_module };
    }

    [Fact]
    public void Good_path_nonce_attest_and_verify()
    {
        using var client = Client();
        var evidence = TdxEvidence(client);
        string token = client.Attest(evidence);
        Assert.Equal(4935, Convert.FromBase64String(_lastAttest.GetProperty("quote").GetString()!).Length);
        Assert.Equal(evidence.ItaNonce!.Val, _lastAttest.GetProperty("verifier_nonce").GetProperty("val").GetString());
        Assert.Equal(evidence.ItaNonce.Iat, _lastAttest.GetProperty("verifier_nonce").GetProperty("iat").GetString());
        Assert.Equal(evidence.ItaNonce.Signature, _lastAttest.GetProperty("verifier_nonce").GetProperty("signature").GetString());
        Assert.Equal(1, _bindingsConfirmed);
        Assert.Equal("TDX", new JsonWebToken(token).GetPayloadValue<string>("attester_type"));
        var verdict = client.Verify(token);
        Assert.True(verdict.Valid, verdict.Reason);
        Assert.Equal(Issuer, verdict.Issuer);
        Assert.Equal(1, _certs);
    }

    [Fact]
    public void Attester_gets_the_nonce_before_the_quote_and_ITA_confirms_the_binding()
    {
        using var client = Client();
        var source = new TdxShapedEvidenceSource(_events);
        using var attester = TdxAttester(client, source);
        var result = attester.AttestVm("rp"u8);
        Assert.True(result.Success, result.Error);
        Assert.Equal(["nonce", "quote", "attest"], _events);
        Assert.Equal(1, _bindingsConfirmed);

        // The evidence records scheme ita, the runtime data and the ITA nonce; report_data is SHA-512(val ‖ iat ‖ runtime data).
        var binding = JsonDocument.Parse(result.Evidence!).RootElement.GetProperty("binding");
        Assert.Equal("ita", binding.GetProperty("scheme").GetString());
        byte[] runtimeData = Convert.FromBase64String(binding.GetProperty("runtime_data").GetString()!);
        var runtime = JsonDocument.Parse(runtimeData).RootElement;
        Assert.Equal(Convert.ToHexStringLower(s_module), runtime.GetProperty("module_sha256").GetString());
        Assert.Equal(Convert.ToHexStringLower(attester.HostKey.PublicPoint), runtime.GetProperty("host_key").GetString());
        Assert.Equal(Convert.ToHexStringLower("rp"u8), runtime.GetProperty("nonce").GetString());
        string val = binding.GetProperty("ita_nonce").GetProperty("val").GetString()!, iat = binding.GetProperty("ita_nonce").GetProperty("iat").GetString()!;
        Assert.Equal(val, _lastAttest.GetProperty("verifier_nonce").GetProperty("val").GetString());
        Assert.Equal(SHA512.HashData([.. Convert.FromBase64String(val), .. Convert.FromBase64String(iat), .. runtimeData]), source.LastReportData);
        Assert.Equal(val, new JsonWebToken(result.Token).GetPayloadValue<JsonElement>("verifier_nonce").GetProperty("val").GetString());
    }

    [Fact]
    public void Stale_nonce_is_refused()
    {
        _nonceLifetime = TimeSpan.Zero;
        using var client = Client();
        using var attester = TdxAttester(client, new TdxShapedEvidenceSource(_events));
        var result = attester.AttestVm("rp"u8);
        Assert.False(result.Success);
        Assert.Contains("Intel Trust Authority at http://127.0.0.1:", result.Error);
        Assert.Contains("attest refused: HTTP 400: verifier nonce expired", result.Error);
        Assert.Null(result.Token);
    }

    [Fact]
    public void Quote_bound_to_another_nonce_is_refused()
    {
        using var client = Client();
        var first = TdxEvidence(client);
        var other = client.Bind(s_module, s_hostKey, [0xaa]).ItaNonce;
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(first with { ItaNonce = other }));
        Assert.Contains("attest refused: HTTP 400: report data does not match SHA-512(nonce.val || nonce.iat || runtime_data)", e.Message);
        Assert.Equal(0, _bindingsConfirmed);
    }

    [Fact]
    public void Nonce_the_service_did_not_issue_is_refused()
    {
        using var client = Client();
        var evidence = TdxEvidence(client);
        var forged = evidence.ItaNonce! with { Val = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) };
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(evidence with { ItaNonce = forged }));
        Assert.Contains("verifier nonce was not issued by this service", e.Message);
    }

    [Fact]
    public void Evidence_without_an_ITA_nonce_is_not_sent()
    {
        using var client = Client();
        var unbound = TdxEvidence(client) with { ItaNonce = null };
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(unbound));
        Assert.Contains("evidence is not bound to a nonce of this service", e.Message);
        Assert.DoesNotContain("attest", _events);
    }

    [Fact]
    public void Wrong_nonce_is_refused()
    {
        _mode = "wrong-nonce";
        using var client = Client();
        var evidence = TdxEvidence(client);
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(evidence));
        Assert.StartsWith("Intel Trust Authority at http://127.0.0.1:", e.Message);
        Assert.Contains($"another nonce (issued {evidence.ItaNonce!.Val}, token says b3RoZXI=)", e.Message);
    }

    [Theory]
    [InlineData("bad-signature", "signature does not verify")]
    [InlineData("expired", "token expired at")]
    [InlineData("refuse", "attest refused: HTTP 400: quote verification failed: TCB out of date")]
    public void Bad_answers_are_refused(string mode, string reason)
    {
        _mode = mode;
        using var client = Client();
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(TdxEvidence(client)));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void Wrong_api_key_is_refused_without_echoing_the_key()
    {
        using var client = Client("wrong-key");
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(TdxEvidence(client)));
        Assert.Equal(401, e.StatusCode);
        Assert.Contains("getting a nonce refused: HTTP 401: invalid api key", e.Message);
        Assert.DoesNotContain("wrong-key", e.Message);
    }

    [Fact]
    public void Unknown_kid_refreshes_the_key_set()
    {
        using var client = Client();
        client.Attest(TdxEvidence(client));
        _authority.Rotate();
        string token = client.Attest(TdxEvidence(client));
        Assert.Equal(2, _certs);
        Assert.True(client.Verify(token).Valid);
    }

    [Fact]
    public void Server_down_and_missing_key_are_clear_errors()
    {
        using var down = Client(endpoint: LoopbackServer.DeadAddress());
        var e = Assert.Throws<RemoteServiceException>(() => down.Bind(s_module, s_hostKey, []));
        Assert.Contains("getting a nonce: cannot connect", e.Message);
        var noKey = Assert.Throws<RemoteServiceException>(() => Client(""));
        Assert.Contains("no API key (--ita-api-key or $TEEWASM_ITA_API_KEY)", noKey.Message);
    }

    [Fact]
    public void Snp_evidence_is_not_sent()
    {
        using var client = Client();
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(TdxEvidence(client) with { TeeType = "AMD_SEV_SNP" }));
        Assert.Contains("attests TDX quotes here", e.Message);
    }

    [Fact]
    public void Default_jwks_address_is_the_portal_for_the_public_api()
    {
        var o = new ItaOptions { Endpoint = new Uri("https://api.trustauthority.intel.com"), ApiKey = "k" };
        Assert.Equal("https://portal.trustauthority.intel.com/certs", o.ResolveJwksUri().ToString());
        Assert.Equal("http://127.0.0.1:1/ita/certs", (o with { Endpoint = new Uri("http://127.0.0.1:1/ita") }).ResolveJwksUri().ToString());
    }
}
