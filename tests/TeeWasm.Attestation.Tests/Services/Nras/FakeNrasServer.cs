using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace TeeWasm.Attestation.Tests.Services.Nras;

/// <summary>
/// A real HTTP server on 127.0.0.1 (Kestrel, on a port the OS chose and the server holds) speaking NRAS's protocol: POST
/// /v3/attest/gpu answers a detached EAT signed ES384 with a test P-384 key, GET /.well-known/jwks.json serves that key.
/// Misbehaviours are switched on per test.
/// </summary>
public sealed class FakeNrasServer : IDisposable
{
    public const string Issuer = "https://nras.test.local";
    private readonly LoopbackServer _server;
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
    private readonly ECDsa _otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);

    public FakeNrasServer()
    {
        _server = new LoopbackServer(app =>
        {
            app.MapGet("/.well-known/jwks.json", () =>
            {
                Interlocked.Increment(ref JwksCalls);
                return Results.Text(Jwks(), "application/json");
            });
            app.MapPost("/v3/attest/gpu", (Delegate)((HttpContext c) => AttestAsync(c)));
            app.MapPost("/v4/attest/gpu", (Delegate)((HttpContext c) => AttestAsync(c)));
        });
    }

    public string BaseUrl => _server.Url;
    public Uri Endpoint => new(BaseUrl + "/v3/attest/gpu");
    public Uri JwksUrl => new(BaseUrl + "/.well-known/jwks.json");
    public Uri V4Endpoint => new(BaseUrl + "/v4/attest/gpu");
    public bool JwksAsX5c { get; set; }

    public string Kid { get; set; } = "test-kid-1";
    public string? NonceOverride { get; set; }
    public bool SignWithOtherKey { get; set; }
    public bool Expired { get; set; }
    public string Measres { get; set; } = "success";
    public bool OverallResult { get; set; } = true;
    public int FailFirstRequests { get; set; }
    public int StatusCode { get; set; } = 200;
    public TimeSpan Delay { get; set; }

    /// <summary>Rewrites each signed token (another spelling of it); null leaves them as signed.</summary>
    public Func<string, string>? Respell { get; set; }

    public int AttestCalls;
    public int JwksCalls;
    public string? LastAuthorization { get; private set; }
    public JsonNode? LastRequest { get; private set; }

    private async Task<IResult> AttestAsync(HttpContext ctx)
    {
        int n = Interlocked.Increment(ref AttestCalls);
        LastAuthorization = ctx.Request.Headers.Authorization.Count > 0 ? ctx.Request.Headers.Authorization.ToString() : null;
        using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
        LastRequest = JsonNode.Parse(await reader.ReadToEndAsync());
        if (Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(Delay, ctx.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return Results.Empty;
            }
        }
        if (n <= FailFirstRequests) return Results.Text("{\"error\":\"temporarily unavailable\"}", "application/json", statusCode: 503);
        if (StatusCode != 200) return Results.Text("{\"error\":\"refused\"}", "application/json", statusCode: StatusCode);
        return Results.Text(DetachedEat(LastRequest!), "application/json");
    }

    public string Jwks()
    {
        ECParameters p = _key.ExportParameters(false);
        var jwk = new JsonObject { ["kty"] = "EC", ["crv"] = "P-384", ["alg"] = "ES384", ["kid"] = Kid };
        if (JwksAsX5c)
        {
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=Test NRAS signer", _key, HashAlgorithmName.SHA384);
            using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            jwk["x5c"] = new JsonArray(Convert.ToBase64String(cert.RawData));
        }
        else
        {
            jwk["x"] = Base64Url.EncodeToString(p.Q.X);
            jwk["y"] = Base64Url.EncodeToString(p.Q.Y);
        }
        return new JsonObject { ["keys"] = new JsonArray(jwk) }.ToJsonString();
    }

    public string DetachedEat(JsonNode request)
    {
        string nonce = NonceOverride ?? request["nonce"]!.GetValue<string>();
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - (Expired ? 7200 : 0);
        int gpus = request["evidence_list"]!.AsArray().Count;
        var submods = new JsonObject();
        var tokens = new JsonObject();
        for (int i = 0; i < gpus; i++)
        {
            var claims = new JsonObject
            {
                ["iss"] = Issuer, ["iat"] = now.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["nbf"] = now.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["exp"] = (now + 3600).ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["eat_nonce"] = nonce, ["measres"] = Measres, ["hwmodel"] = "GH100 A01 GSP BROM",
                ["x-nvidia-gpu-driver-version"] = "550.90.07",
            };
            string jwt = Sign(claims);
            tokens[$"GPU-{i}"] = jwt;
            submods[$"GPU-{i}"] = new JsonArray("DIGEST", new JsonArray("SHA-256", Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(jwt)))));
        }
        var overall = new JsonObject
        {
            ["iss"] = Issuer, ["iat"] = now, ["nbf"] = now, ["exp"] = now + 3600, ["eat_nonce"] = nonce,
            ["x-nvidia-overall-att-result"] = OverallResult, ["x-nvidia-ver"] = "3.0", ["submods"] = submods,
        };
        return new JsonArray(new JsonArray("JWT", Sign(overall)), tokens).ToJsonString();
    }

    private string Sign(JsonObject claims)
    {
        string header = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(new JsonObject { ["alg"] = "ES384", ["kid"] = Kid }.ToJsonString()));
        string payload = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        byte[] signature = (SignWithOtherKey ? _otherKey : _key).SignData(Encoding.ASCII.GetBytes(header + "." + payload), HashAlgorithmName.SHA384);
        string token = header + "." + payload + "." + Base64Url.EncodeToString(signature);
        return Respell is { } respell ? respell(token) : token;
    }

    public void Dispose()
    {
        _server.Dispose();
        _key.Dispose();
        _otherKey.Dispose();
    }
}
