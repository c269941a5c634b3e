using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace TeeWasm.Attestation.Tests.Services.Nras;

/// <summary>
/// A real HTTP server on 127.0.0.1 speaking NRAS's protocol: POST /v3/attest/gpu answers a detached EAT signed ES384 with a
/// test P-384 key, GET /.well-known/jwks.json serves that key. Misbehaviours are switched on per test.
/// </summary>
public sealed class FakeNrasServer : IDisposable
{
    public const string Issuer = "https://nras.test.local";
    private HttpListener _listener = null!;
    private readonly Task _loop;
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
    private readonly ECDsa _otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);

    public FakeNrasServer()
    {
        for (int tries = 0; ; tries++)
        {
            int port = FreePort();
            BaseUrl = $"http://127.0.0.1:{port}";
            var listener = new HttpListener();
            listener.Prefixes.Add(BaseUrl + "/");
            try
            {
                listener.Start();
                _listener = listener;
                break;
            }
            catch (HttpListenerException) when (tries < 10)
            {
                // Another test took the port between probing and binding: try another.
                try { listener.Abort(); } catch (HttpListenerException) { }
            }
        }
        _loop = Task.Run(ServeAsync);
    }

    public string BaseUrl { get; }
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
    public int AttestCalls;
    public int JwksCalls;
    public string? LastAuthorization { get; private set; }
    public JsonNode? LastRequest { get; private set; }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(ctx));
        }
    }

    private async Task HandleAsync(HttpListenerContext ctx)
    {
        try
        {
            string path = ctx.Request.Url!.AbsolutePath;
            if (ctx.Request.HttpMethod == "GET" && path == "/.well-known/jwks.json")
            {
                Interlocked.Increment(ref JwksCalls);
                await WriteAsync(ctx, 200, Jwks());
                return;
            }
            if (ctx.Request.HttpMethod == "POST" && path is "/v3/attest/gpu" or "/v4/attest/gpu")
            {
                int n = Interlocked.Increment(ref AttestCalls);
                LastAuthorization = ctx.Request.Headers["Authorization"];
                using var reader = new StreamReader(ctx.Request.InputStream, Encoding.UTF8);
                LastRequest = JsonNode.Parse(await reader.ReadToEndAsync());
                if (Delay > TimeSpan.Zero) await Task.Delay(Delay);
                if (n <= FailFirstRequests)
                {
                    await WriteAsync(ctx, 503, "{\"error\":\"temporarily unavailable\"}");
                    return;
                }
                if (StatusCode != 200)
                {
                    await WriteAsync(ctx, StatusCode, "{\"error\":\"refused\"}");
                    return;
                }
                await WriteAsync(ctx, 200, DetachedEat(LastRequest!));
                return;
            }
            await WriteAsync(ctx, 404, "");
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
        }
    }

    private static async Task WriteAsync(HttpListenerContext ctx, int status, string body)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength64 = bytes.Length;
        await ctx.Response.OutputStream.WriteAsync(bytes);
        ctx.Response.Close();
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
        return header + "." + payload + "." + Base64Url.EncodeToString(signature);
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        int port = ((IPEndPoint)socket.LocalEndpoint).Port;
        socket.Stop();
        return port;
    }

    public void Dispose()
    {
        try
        {
            _listener.Stop();
            _listener.Close();
        }
        catch (HttpListenerException)
        {
        }
        try { _loop.Wait(TimeSpan.FromSeconds(2)); } catch (AggregateException) { }
        _key.Dispose();
        _otherKey.Dispose();
    }
}
