using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

using TeeWasm.Tests.Shared;

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
            // Like Azure Attestation: report_data must begin with SHA-256 of the runtime data.
            byte[] runtimeData = Base64UrlEncoder.DecodeBytes(body.GetProperty("runtimeData").GetProperty("data").GetString()!);
            var bundle = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(body.GetProperty("report").GetString()!)).RootElement;
            byte[] report = Base64UrlEncoder.DecodeBytes(bundle.GetProperty("SnpReport").GetString()!);
            if (!SHA256.HashData(runtimeData).AsSpan().SequenceEqual(report.AsSpan(0x50, 32)))
                return Results.Json(new { error = new { code = "InvalidParameter", message = "Report data does not match the SHA-256 hash of the runtime data" } }, statusCode: 400);
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

    private static readonly string s_sim = Path.Combine(Path.GetTempPath(), "teewasm-tests-simulator");

    private static (int Code, string Out) Verify(string file)
    {
        var o = new StringWriter();
        int code = TeeWasmCli.Run(["verify", file, "--trust-simulator", s_sim], o, new StringWriter());
        return (code, o.ToString());
    }

    [Fact]
    public void AttestedMaaEvidenceVerifies_AndTamperedBindingsAreRejected()
    {
        using var tmp = new TempDir();
        string file = Path.Combine(tmp.Path, "maa.json");
        var (code, _, stderr) = CliProcess.Run("attest", "vm", "--tee", "simulate", "--simulator-dir", s_sim, "--maa-endpoint", _url, "--nonce", "0a0b", "--out", file);
        Assert.True(code == 0, stderr);
        var good = Verify(file);
        Assert.True(good.Code == 0, good.Out);
        Assert.Contains("report_data matches the binding", good.Out);

        string Tampered(Action<JsonObject> edit)
        {
            var result = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
            var evidence = JsonNode.Parse(result["evidence"]!.GetValue<string>())!.AsObject();
            Assert.Equal("maa", evidence["binding"]!["scheme"]!.GetValue<string>());
            edit(evidence["binding"]!.AsObject());
            result["evidence"] = evidence.ToJsonString();
            string path = Path.Combine(tmp.Path, Guid.NewGuid().ToString("N") + ".json");
            File.WriteAllText(path, result.ToJsonString());
            return path;
        }
        static string Runtime(JsonObject b) => Encoding.UTF8.GetString(Convert.FromBase64String(b["runtime_data"]!.GetValue<string>()));
        static void SetRuntime(JsonObject b, string json) => b["runtime_data"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(json));
        string otherModule = Convert.ToHexStringLower(SHA256.HashData("other"u8));

        var cases = new (string What, Action<JsonObject> Edit, string Reason)[]
        {
            ("runtime-data byte", b => SetRuntime(b, Runtime(b).Replace("{\"", "{ \"")), "REJECTED: REPORT_DATA differs from the expected value"),
            ("module hash", b => { SetRuntime(b, Runtime(b).Replace(b["module_sha256"]!.GetValue<string>(), otherModule)); b["module_sha256"] = otherModule; },
                "REJECTED: REPORT_DATA differs from the expected value"),
            ("nonce", b => b["nonce"] = "0a0c", "REJECTED: evidence binding rejected: binding (maa): runtime data names another nonce than the binding"),
            ("nonce in both", b => { SetRuntime(b, Runtime(b).Replace("\"nonce\":\"0a0b\"", "\"nonce\":\"0a0c\"")); b["nonce"] = "0a0c"; },
                "REJECTED: REPORT_DATA differs from the expected value"),
            ("scheme", b => b["scheme"] = "maa2", "REJECTED: evidence binding rejected: unknown binding scheme 'maa2' (known: teewasm, maa, ita)"),
        };
        foreach (var (what, edit, reason) in cases)
        {
            var r = Verify(Tampered(edit));
            Assert.True(r.Code == 1, $"{what}: {r.Out}");
            Assert.True(r.Out.StartsWith(reason, StringComparison.Ordinal), $"{what}: {r.Out}");
        }
    }

    [Fact]
    public void RequireAttestation_WithMaa_SeesTheMaaBinding()
    {
        // The policy gate recomputes report_data by the evidence's scheme: with MAA configured the report is bound by it.
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("g.wat"), """
            (module
              (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
              (memory (export "memory") 1)
              (func (export "_start") (call $exit (i32.const 42))))
            """);
        File.WriteAllText(tmp.File("p.json"), "{\"allow_simulated\": true, \"require_report_data_binding\": true}");
        var o = new StringWriter();
        var e = new StringWriter();
        int code = TeeWasmCli.Run(["run", "--no-cache", "--tee", "simulate", "--simulator-dir", s_sim, "--maa-endpoint", _url,
            "--require-attestation", "--policy", tmp.File("p.json"), tmp.File("g.wat")], o, e);
        Assert.True(code == 42, e.ToString());
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
