using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TeeWasm.Attestation.Tests.Services;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Cli.Tests;

/// <summary>
/// Issue 18 item 4: <c>tee-wasm verify TOKEN --jwks FILE|URL [--issuer] [--at]</c> on a token of each service's shape —
/// Azure Attestation (RS256, a key set of x5c-only keys as MAA's /certs), Intel Trust Authority (PS384, n/e keys), an
/// NVIDIA NRAS detached EAT (ES384, submodule digests), TeeWasm's local verifier (ES256, report_data binding) — each
/// against its key set, and the ways a token is rejected.
/// </summary>
public sealed class VerifyTokenTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("teewasm-verify-token-").FullName;

    public void Dispose() => Directory.Delete(_tmp, true);

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        return (TeeWasmCli.Run(args, o, e), o.ToString(), e.ToString());
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_tmp, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static Dictionary<string, object> ClaimsOf(string token)
    {
        var claims = new Dictionary<string, object>();
        using var doc = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(token.Split('.')[1]));
        foreach (JsonProperty p in doc.RootElement.EnumerateObject())
            if (p.Name is not ("iss" or "iat" or "exp" or "nbf")) claims[p.Name] = JsonSerializer.Deserialize<object>(p.Value.GetRawText())!;
        return claims;
    }

    private static string Sign(SecurityKey key, string alg, string issuer, IDictionary<string, object> claims, DateTime issued, TimeSpan lifetime) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer, IssuedAt = issued, NotBefore = issued, Expires = issued + lifetime, Claims = claims,
            SigningCredentials = new SigningCredentials(key, alg),
        });

    [Fact]
    public void MaaShapedToken_VerifiesAgainstAnX5cOnlyKeySet_AndTheRealOneIsAnUnknownKid()
    {
        using RSA rsa = RSA.Create(2048);
        using X509Certificate2 cert = new CertificateRequest("CN=Test MAA signing", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.Parse("2023-01-01Z"), DateTimeOffset.Parse("2030-01-01Z"));
        string kid = Base64UrlEncoder.Encode(SHA256.HashData(cert.RawData));
        string jwks = Write("maa-certs.json", JsonSerializer.Serialize(new { keys = new[] { new { kid, kty = "RSA", x5c = new[] { Convert.ToBase64String(cert.RawData) } } } }));
        string real = File.ReadAllText(RepoPaths.Vector("jwt", "maa-azurevm-sevsnp-sharedweu.jwt")).Trim();
        const string Issuer = "https://sharedweu.weu.attest.azure.net";
        string token = Write("maa.jwt", Sign(new RsaSecurityKey(rsa) { KeyId = kid }, SecurityAlgorithms.RsaSha256, Issuer, ClaimsOf(real),
            new DateTime(2023, 3, 30, 10, 49, 34, DateTimeKind.Utc), TimeSpan.FromHours(8)));

        var (code, o, e) = Cli("verify", token, "--jwks", jwks, "--issuer", Issuer, "--at", "2023-03-30T12:00:00Z");
        Assert.True(code == 0, o + e);
        Assert.StartsWith($"VALID: Azure Attestation (MAA) token, signed by key '{kid}' (certificate 'CN=Test MAA signing'", o);
        Assert.Contains("  PASS  issuer     'https://sharedweu.weu.attest.azure.net' as required", o);
        Assert.Contains("\"x-ms-isolation-tee\"", o);

        var realToken = Cli("verify", Write("real-maa.jwt", real), "--jwks", jwks, "--at", "2023-03-30T12:00:00Z", "--json");
        Assert.Equal(1, realToken.Code);
        using var doc = JsonDocument.Parse(realToken.Out);
        Assert.Equal("UnknownSigningKey", doc.RootElement.GetProperty("reason").GetString());
        Assert.Contains("is not in " + jwks + " (unknown kid)", realToken.Out);
        Assert.Contains("its jku https://sharedweu.weu.attest.azure.net/certs is not followed", realToken.Out);

        var later = Cli("verify", token, "--jwks", jwks, "--at", "2023-04-01");
        Assert.Equal(1, later.Code);
        Assert.Contains("FAIL  lifetime   expired at 2023-03-30 18:49:34Z", later.Out);
        var other = Cli("verify", token, "--jwks", jwks, "--issuer", "https://evil.attest.azure.net", "--at", "2023-03-30T12:00:00Z");
        Assert.Contains("the token is issued by 'https://sharedweu.weu.attest.azure.net', not 'https://evil.attest.azure.net'", other.Out);
    }

    [Fact]
    public void ItaShapedToken_VerifiesAgainstAnRsaKeySet_FromAUrl()
    {
        using RSA rsa = RSA.Create(3072);
        var key = new RsaSecurityKey(rsa) { KeyId = "ita-test-key" };
        JsonWebKey jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(false)) { KeyId = "ita-test-key" });
        string keySet = JsonSerializer.Serialize(new { keys = new[] { new { kid = jwk.Kid, kty = "RSA", n = jwk.N, e = jwk.E, alg = "PS384" } } });
        var claims = new Dictionary<string, object>
        {
            ["tdx"] = new Dictionary<string, object> { ["tdx_mrtd"] = new string('a', 96), ["tdx_is_debuggable"] = false },
            ["attester_type"] = "TDX", ["verifier_instance_ids"] = new[] { "7c0f6d4e" },
        };
        string token = Write("ita.jwt", Sign(key, SecurityAlgorithms.RsaSsaPssSha384, "https://portal.trustauthority.intel.com", claims, DateTime.UtcNow.AddMinutes(-1), TimeSpan.FromMinutes(5)));
        using var server = new LoopbackServer(app => app.MapGet("/certs", () => Results.Text(keySet, "application/json")));
        var (code, o, e) = Cli("verify", token, "--jwks", server.Url + "/certs", "--issuer", "https://portal.trustauthority.intel.com");
        Assert.True(code == 0, o + e);
        Assert.StartsWith("VALID: Intel Trust Authority token, signed by key 'ita-test-key' (RSA 3072)", o);
        Assert.Contains("PASS  algorithm  PS384 is allowed", o);
    }

    [Fact]
    public void NrasDetachedEat_EveryTokenAndTheSubmoduleDigestsAreChecked()
    {
        using ECDsa ec = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var key = new ECDsaSecurityKey(ec) { KeyId = "nras-test-key" };
        JsonWebKey jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(key);
        string jwks = Write("nras-jwks.json", JsonSerializer.Serialize(new { keys = new[] { new { kid = jwk.Kid, kty = "EC", crv = "P-384", x = jwk.X, y = jwk.Y } } }));
        JsonArray real = JsonNode.Parse(File.ReadAllText(RepoPaths.Vector("jwt", "nras-gpu-detached-eat.json")))!.AsArray();
        string realOverall = real[0]![1]!.GetValue<string>(), realGpu = real[1]!["GPU-0"]!.GetValue<string>();
        var issued = new DateTime(2025, 6, 11, 0, 30, 58, DateTimeKind.Utc);
        const string Iss = "https://nras.attestation.nvidia.com";
        string gpu = Sign(key, SecurityAlgorithms.EcdsaSha384, Iss, ClaimsOf(realGpu), issued, TimeSpan.FromHours(1));
        Dictionary<string, object> overallClaims = ClaimsOf(realOverall);
        overallClaims["submods"] = new Dictionary<string, object> { ["GPU-0"] = new object[] { "DIGEST", new object[] { "SHA-256", Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(gpu))) } } };
        string overall = Sign(key, SecurityAlgorithms.EcdsaSha384, Iss, overallClaims, issued, TimeSpan.FromHours(1));
        string eat = Write("nras.json", new JsonArray(new JsonArray("JWT", overall), new JsonObject { ["GPU-0"] = gpu }).ToJsonString());

        var (code, o, e) = Cli("verify", eat, "--jwks", jwks, "--issuer", Iss, "--at", "2025-06-11T00:45:00Z");
        Assert.True(code == 0, o + e);
        Assert.StartsWith("VALID: NVIDIA NRAS detached EAT, signed by key 'nras-test-key' (EC P-384)", o);
        Assert.Contains("PASS  submodules  the overall token's submods binds GPU-0 by their SHA-256", o);
        Assert.Contains("\nGPU-0: VALID\n", o);

        string other = Sign(key, SecurityAlgorithms.EcdsaSha384, Iss, ClaimsOf(realGpu), issued.AddSeconds(1), TimeSpan.FromHours(1));
        string swapped = Write("nras-swapped.json", new JsonArray(new JsonArray("JWT", overall), new JsonObject { ["GPU-0"] = other }).ToJsonString());
        var bad = Cli("verify", swapped, "--jwks", jwks, "--at", "2025-06-11T00:45:00Z", "--json");
        Assert.Equal(1, bad.Code);
        using var doc = JsonDocument.Parse(bad.Out);
        Assert.Equal("SubmoduleDigestMismatch", doc.RootElement.GetProperty("reason").GetString());
        Assert.True(doc.RootElement.GetProperty("submodules").GetProperty("GPU-0").GetProperty("verdict").GetString() == "valid");

        var realEat = Cli("verify", RepoPaths.Vector("jwt", "nras-gpu-detached-eat.json"), "--jwks", jwks, "--at", "2025-06-11T00:45:00Z");
        Assert.Equal(1, realEat.Code);
        Assert.Contains("(unknown kid)", realEat.Out);
    }

    [Fact]
    public void TeeWasmLocalToken_VerifiesWithItsHostKey_AndItsBinding()
    {
        string sim = Path.Combine(_tmp, "sim"), result = Path.Combine(_tmp, "result.json");
        var (attested, _, err) = Cli("attest", "vm", "--tee", "simulate", "--simulator-dir", sim, "--nonce", "0a0b", "--out", result);
        Assert.True(attested == 0, err);
        string token;
        using (var doc = JsonDocument.Parse(File.ReadAllText(result))) token = doc.RootElement.GetProperty("token").GetString()!;
        var jwt = new JsonWebToken(token);
        byte[] point = Base64UrlEncoder.DecodeBytes(jwt.GetPayloadValue<string>("host_key"));
        string jwks = Write("host-key.json", JsonSerializer.Serialize(new { keys = new[] { new { kid = jwt.Kid, kty = "EC", crv = "P-256",
            x = Base64UrlEncoder.Encode(point[1..33]), y = Base64UrlEncoder.Encode(point[33..]) } } }));
        string file = Write("local.jwt", token);
        var (code, o, e) = Cli("verify", file, "--jwks", jwks, "--issuer", "tee-wasm-local-verifier");
        Assert.True(code == 0, o + e);
        Assert.StartsWith("VALID: TeeWasm local verifier token", o);
        Assert.Contains("PASS  binding    report_data = SHA-512(module_hash ‖ host_key ‖ nonce), host_key is the signing key", o);

        using ECDsa stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        ECParameters p = stranger.ExportParameters(false);
        string wrongKeys = Write("wrong.json", JsonSerializer.Serialize(new { keys = new[] { new { kid = jwt.Kid, kty = "EC", crv = "P-256", x = Base64UrlEncoder.Encode(p.Q.X!), y = Base64UrlEncoder.Encode(p.Q.Y!) } } }));
        var wrong = Cli("verify", file, "--jwks", wrongKeys);
        Assert.Equal(1, wrong.Code);
        Assert.Contains($"FAIL  signature  the signature does not verify with key '{jwt.Kid}' of {wrongKeys}", wrong.Out);
    }

    [Fact]
    public void AlgNone_AndBadInputs()
    {
        string none = Write("none.jwt", Base64UrlEncoder.Encode("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + Base64UrlEncoder.Encode("{\"iss\":\"x\",\"exp\":9999999999}") + ".");
        string jwks = Write("k.json", "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"k\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}");
        var (code, o, _) = Cli("verify", none, "--jwks", jwks);
        Assert.Equal(1, code);
        Assert.Contains("FAIL  algorithm  algorithm 'none' is not allowed", o);

        Assert.Contains("a token needs its signing keys: --jwks FILE|URL", Cli("verify", none).Err);
        Assert.Contains("not a JWKS", Cli("verify", none, "--jwks", Write("bad.json", "{\"x\":1}")).Err);
        Assert.Contains("--cert applies to evidence; this file is a token", Cli("verify", none, "--jwks", jwks, "--cert", jwks).Err);
        Assert.Contains("--jwks and --issuer apply to tokens; this file is evidence", Cli("verify", RepoPaths.Vector("snp", "attestation.bin"), "--jwks", jwks).Err);
    }
}
