using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using TeeWasm.Attestation.Services;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Services;

public sealed class ItaClientTests : IDisposable
{
    private const string ApiKey = "test-api-key";
    private const string Issuer = "Intel Trust Authority";
    private readonly TestTokenAuthority _authority = new();
    private readonly LoopbackServer _server;
    private string _mode = "good";
    private int _certs;
    private JsonElement _lastAttest;

    public ItaClientTests()
    {
        _server = new LoopbackServer(app =>
        {
            app.MapGet("/certs", () => { _certs++; return Results.Text(_authority.Jwks(), "application/json"); });
            app.MapGet("/appraisal/v1/nonce", (HttpContext c) =>
                c.Request.Headers["x-api-key"] != ApiKey
                    ? Results.Json(new { message = "invalid api key" }, statusCode: 401)
                    : Results.Json(new { val = "dmFsLW5vbmNl", iat = "MjAyNi0xMS0yNQ==", signature = "c2ln" }));
            app.MapPost("/appraisal/v1/attest", (Delegate)(async (HttpContext c) =>
            {
                if (c.Request.Headers["x-api-key"] != ApiKey) return Results.Json(new { message = "invalid api key" }, statusCode: 401);
                _lastAttest = (await JsonDocument.ParseAsync(c.Request.Body)).RootElement.Clone();
                if (_mode == "refuse") return Results.Json(new { message = "quote verification failed: TCB out of date" }, statusCode: 400);
                var nonce = _lastAttest.GetProperty("verifier_nonce");
                var claims = new Dictionary<string, object>
                {
                    ["verifier_nonce"] = _mode == "wrong-nonce" ? JsonDocument.Parse("""{"val":"b3RoZXI=","iat":"x"}""").RootElement : nonce,
                    ["attester_type"] = "TDX",
                    ["attester_runtime_data"] = JsonDocument.Parse(Convert.FromBase64String(_lastAttest.GetProperty("runtime_data").GetString()!)).RootElement,
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

    private static ServiceEvidence TdxEvidence() => new()
    {
        TeeType = "TDX",
        Report = File.ReadAllBytes(RepoPaths.Vector("tdx", "tdx_prod_quote_SPR_E4.dat"))[..4935],
        RuntimeData = """{"module_sha256":"00","nonce":"aa"}"""u8.ToArray(),
        Nonce = [0xaa],
    };

    [Fact]
    public void Good_path_nonce_attest_and_verify()
    {
        using var client = Client();
        string token = client.Attest(TdxEvidence());
        Assert.Equal(4935, Convert.FromBase64String(_lastAttest.GetProperty("quote").GetString()!).Length);
        Assert.Equal("dmFsLW5vbmNl", _lastAttest.GetProperty("verifier_nonce").GetProperty("val").GetString());
        Assert.Equal("TDX", new JsonWebToken(token).GetPayloadValue<string>("attester_type"));
        var verdict = client.Verify(token);
        Assert.True(verdict.Valid, verdict.Reason);
        Assert.Equal(Issuer, verdict.Issuer);
        Assert.Equal(1, _certs);
    }

    [Fact]
    public void Wrong_nonce_is_refused()
    {
        _mode = "wrong-nonce";
        using var client = Client();
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(TdxEvidence()));
        Assert.StartsWith("Intel Trust Authority at http://127.0.0.1:", e.Message);
        Assert.Contains("another nonce (issued dmFsLW5vbmNl, token says b3RoZXI=)", e.Message);
    }

    [Theory]
    [InlineData("bad-signature", "signature does not verify")]
    [InlineData("expired", "token expired at")]
    [InlineData("refuse", "attest refused: HTTP 400: quote verification failed: TCB out of date")]
    public void Bad_answers_are_refused(string mode, string reason)
    {
        _mode = mode;
        using var client = Client();
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(TdxEvidence()));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void Wrong_api_key_is_refused_without_echoing_the_key()
    {
        using var client = Client("wrong-key");
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(TdxEvidence()));
        Assert.Equal(401, e.StatusCode);
        Assert.Contains("getting a nonce refused: HTTP 401: invalid api key", e.Message);
        Assert.DoesNotContain("wrong-key", e.Message);
    }

    [Fact]
    public void Unknown_kid_refreshes_the_key_set()
    {
        using var client = Client();
        client.Attest(TdxEvidence());
        _authority.Rotate();
        string token = client.Attest(TdxEvidence());
        Assert.Equal(2, _certs);
        Assert.True(client.Verify(token).Valid);
    }

    [Fact]
    public void Server_down_and_missing_key_are_clear_errors()
    {
        using var down = Client(endpoint: LoopbackServer.DeadAddress());
        var e = Assert.Throws<RemoteServiceException>(() => down.Attest(TdxEvidence()));
        Assert.Contains("getting a nonce: cannot connect", e.Message);
        var noKey = Assert.Throws<RemoteServiceException>(() => Client(""));
        Assert.Contains("no API key (--ita-api-key or $TEEWASM_ITA_API_KEY)", noKey.Message);
    }

    [Fact]
    public void Snp_evidence_is_not_sent()
    {
        using var client = Client();
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(TdxEvidence() with { TeeType = "AMD_SEV_SNP" }));
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
