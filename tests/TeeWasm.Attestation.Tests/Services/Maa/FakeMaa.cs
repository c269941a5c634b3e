using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;

namespace TeeWasm.Attestation.Tests.Services.Maa;

/// <summary>
/// A loopback Azure Attestation instance: <c>/certs</c>, <c>/attest/SevSnpVm</c>, <c>/attest/TdxVm</c>. Like the real
/// service it refuses (HTTP 400) evidence whose report_data does not begin with SHA-256 of the runtime data (SNP report
/// field at 0x50, or the TDX quote's REPORTDATA); it does not check AMD or Intel signatures.
/// </summary>
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

    /// <summary>Requests whose runtime data matched the report's report_data.</summary>
    public int BindingsConfirmed { get; private set; }

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
        byte[] runtimeData = Base64UrlEncoder.DecodeBytes(LastRequest.GetProperty("runtimeData").GetProperty("data").GetString()!);
        if (ReportData(LastRequest, type) is not { } reportData)
            return Results.Json(new { error = new { code = "InvalidParameter", message = $"{type}: the report could not be parsed" } }, statusCode: 400);
        if (!SHA256.HashData(runtimeData).AsSpan().SequenceEqual(reportData.AsSpan(0, 32)))
            return Results.Json(new { error = new { code = "InvalidParameter", message = "Report data does not match the SHA-256 hash of the runtime data" } }, statusCode: 400);
        BindingsConfirmed++;
        string nonce = LastRequest.GetProperty("nonce").GetString()!;
        var runtime = JsonDocument.Parse(runtimeData).RootElement;
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

    /// <summary>report_data of the SNP report (inside the <c>report</c> JSON) or TDX quote a request carries, or null.</summary>
    private static byte[]? ReportData(JsonElement request, string type)
    {
        try
        {
            if (type == "tdxvm")
                return TdxQuote.TryParse(Base64UrlEncoder.DecodeBytes(request.GetProperty("quote").GetString()!), out var quote) ? quote.Body.ReportData.ToArray() : null;
            var report = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(request.GetProperty("report").GetString()!)).RootElement;
            byte[] snp = Base64UrlEncoder.DecodeBytes(report.GetProperty("SnpReport").GetString()!);
            return snp.Length >= SnpReport.Size ? snp.AsSpan(SnpReport.ReportDataOffset, 64).ToArray() : null;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        _server.Dispose();
        Authority.Dispose();
    }
}
