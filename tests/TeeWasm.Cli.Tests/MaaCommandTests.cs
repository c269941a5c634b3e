using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace TeeWasm.Cli.Tests;

/// <summary><c>tee-wasm attest vm --maa-endpoint</c> against a loopback Azure Attestation stand-in.</summary>
public sealed class MaaCommandTests : IAsyncLifetime
{
    private readonly RSA _key = RSA.Create(2048);
    private X509Certificate2 _cert = null!;
    private WebApplication _app = null!;
    private string _url = "";

    public async Task InitializeAsync()
    {
        _cert = new CertificateRequest("CN=maa test", _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapGet("/certs", () => Results.Json(new { keys = new[] { new { kid = "k1", kty = "RSA", x5c = new[] { Convert.ToBase64String(_cert.RawData) } } } }));
        _app.MapPost("/attest/SevSnpVm", (Delegate)(async (HttpContext c) =>
        {
            var body = (await JsonDocument.ParseAsync(c.Request.Body)).RootElement;
            string token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Issuer = _url,
                Expires = DateTime.UtcNow.AddHours(1),
                Claims = new Dictionary<string, object> { ["nonce"] = body.GetProperty("nonce").GetString()!, ["x-ms-attestation-type"] = "sevsnpvm" },
                SigningCredentials = new SigningCredentials(new RsaSecurityKey(_key) { KeyId = "k1" }, SecurityAlgorithms.RsaSha256),
            });
            return Results.Json(new { token });
        }));
        await _app.StartAsync();
        _url = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).GetLeftPart(UriPartial.Authority);
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _cert.Dispose();
        _key.Dispose();
    }

    [Fact]
    public void AttestVmHandsOutTheMaaToken()
    {
        var (code, stdout, stderr) = CliProcess.Run("attest", "vm", "--tee", "simulate", "--maa-endpoint", _url, "--nonce", "0a0b");
        Assert.True(code == 0, stderr);
        var result = JsonDocument.Parse(stdout).RootElement;
        var jwt = new JsonWebToken(result.GetProperty("token").GetString());
        Assert.Equal(_url, jwt.Issuer);
        Assert.Equal("0a0b", jwt.GetPayloadValue<string>("nonce"));
        Assert.Equal("sevsnpvm", jwt.GetPayloadValue<string>("x-ms-attestation-type"));
    }
}
