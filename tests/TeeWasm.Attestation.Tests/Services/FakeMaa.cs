using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;

namespace TeeWasm.Attestation.Tests.Services;

/// <summary>A loopback Azure Attestation instance: <c>/certs</c>, <c>/attest/SevSnpVm</c>, <c>/attest/TdxVm</c>.</summary>
internal sealed class FakeMaa : IDisposable
{
    public enum Behaviour { Good, WrongNonce, BadSignature, Expired, WrongIssuer, Refuse, Error500 }

    private readonly LoopbackServer _server;

    public FakeMaa()
    {
        _server = new LoopbackServer(app =>
        {
            app.MapGet("/certs", () => { CertsRequests++; return Results.Text(Authority.Jwks(), "application/json"); });
            app.MapPost("/attest/SevSnpVm", (Delegate)((HttpContext c) => Attest(c, "sevsnpvm")));
            app.MapPost("/attest/TdxVm", (Delegate)((HttpContext c) => Attest(c, "tdxvm")));
        });
    }

    public TestTokenAuthority Authority { get; } = new();

    public Behaviour Mode { get; set; }

    public int CertsRequests { get; private set; }

    public int AttestRequests { get; private set; }

    public JsonElement LastRequest { get; private set; }

    public Uri Uri => _server.Uri;

    public string Issuer => _server.Url;

    private async Task<IResult> Attest(HttpContext context, string type)
    {
        AttestRequests++;
        var body = await JsonDocument.ParseAsync(context.Request.Body);
        LastRequest = body.RootElement.Clone();
        if (context.Request.Query["api-version"].Count == 0)
            return Results.Json(new { error = new { code = "InvalidParameter", message = "api-version missing" } }, statusCode: 400);
        switch (Mode)
        {
            case Behaviour.Refuse:
                return Results.Json(new { error = new { code = "PolicyEvaluationError", message = "Attestation policy rejected the evidence" } }, statusCode: 400);
            case Behaviour.Error500:
                return Results.StatusCode(503);
        }
        string nonce = LastRequest.GetProperty("nonce").GetString()!;
        var runtime = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(LastRequest.GetProperty("runtimeData").GetProperty("data").GetString()!)).RootElement;
        var claims = new Dictionary<string, object>
        {
            ["nonce"] = Mode == Behaviour.WrongNonce ? "0badc0de" : nonce,
            ["x-ms-attestation-type"] = type,
            ["x-ms-runtime"] = runtime,
            ["x-ms-ver"] = "1.0",
        };
        string issuer = Mode == Behaviour.WrongIssuer ? "https://evil.attest.azure.net" : Issuer;
        string token = Mode switch
        {
            Behaviour.Expired => Authority.Sign(issuer, claims, TimeSpan.FromHours(1), DateTime.UtcNow.AddHours(-3)),
            Behaviour.BadSignature => Authority.Sign(issuer, claims, with: (Authority.Current.Kid, Authority.AddKey(publish: false).Key, Authority.Current.Cert)),
            _ => Authority.Sign(issuer, claims),
        };
        return Results.Json(new { token });
    }

    public void Dispose()
    {
        _server.Dispose();
        Authority.Dispose();
    }
}
