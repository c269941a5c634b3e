using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;
using TeeWasm.Attestation.Http;
using TeeWasm.Attestation.Services.Kbs;

namespace TeeWasm.Attestation.Tests.Services.Kbs;

/// <summary>
/// KbsClient with Trustee evidence against a loopback server that checks the messages the way Trustee 0.4.0 does
/// (kbs/src/attestation/backend.rs): exact version, runtime-data nonce, report_data = HASH of the hand-written sorted
/// runtime data — written here independently of the client's canonicalizer — and a JWE built by hand.
/// </summary>
public sealed class TrusteeKbsClientTests
{
    private static readonly ServiceCallOptions s_fast = new() { Timeout = TimeSpan.FromSeconds(30), MaxAttempts = 1, RetryDelay = TimeSpan.FromMilliseconds(10) };

    private sealed class FakeTrustee
    {
        public string Nonce { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        public string? SelectedHash { get; init; }
        public byte[] Secret { get; } = RandomNumberGenerator.GetBytes(32);
        public JsonElement Request { get; private set; }
        public JsonElement Attestation { get; private set; }
        public string? Failure { get; private set; }
        public RSA? TeeKey { get; private set; }
        public ECDiffieHellman? EcTeeKey { get; private set; }

        public void Routes(WebApplication app)
        {
            app.MapPost("/kbs/v0/auth", async (HttpContext c) =>
            {
                Request = (await JsonDocument.ParseAsync(c.Request.Body)).RootElement.Clone();
                if (Request.GetProperty("version").GetString() != "0.4.0")
                    return Results.Json(new { type = "https://github.com/confidential-containers/kbs/errors/AttestationError", detail = "KBS Client Protocol Version Mismatch" }, statusCode: 401);
                c.Response.Headers.SetCookie = "kbs-session-id=abc123; Path=/kbs";
                object extra = SelectedHash is null ? "" : new Dictionary<string, string> { ["selected-hash-algorithm"] = SelectedHash };
                return Results.Json(new Dictionary<string, object> { ["nonce"] = Nonce, ["extra-params"] = extra });
            });
            app.MapPost("/kbs/v0/attest", async (HttpContext c) =>
            {
                Attestation = (await JsonDocument.ParseAsync(c.Request.Body)).RootElement.Clone();
                Failure = Check(c.Request.Cookies["kbs-session-id"]);
                return Failure is null
                    ? Results.Json(new { token = "e30.e30.sig" })
                    : Results.Json(new { type = "https://github.com/confidential-containers/kbs/errors/AttestationError", detail = Failure }, statusCode: 401);
            });
            app.MapGet("/kbs/v0/resource/default/secret/demo", () => Results.Text(Jwe(), "application/json"));
        }

        private string? Check(string? cookie)
        {
            if (cookie != "abc123") return "cookie not found";
            var runtime = Attestation.GetProperty("runtime-data");
            if (runtime.GetProperty("nonce").GetString() != Nonce) return "nonce differs";
            var jwk = runtime.GetProperty("tee-pubkey");
            string Member(string name) => jwk.GetProperty(name).GetString()!;
            // Trustee re-serializes the typed key (kbs-types TeePubKey) and hashes the canonical JSON: keys sorted.
            string key = Member("kty") switch
            {
                "RSA" when Member("alg") == "RSA-OAEP-256" =>
                    $"{{\"alg\":\"{Member("alg")}\",\"e\":\"{Member("e")}\",\"kty\":\"RSA\",\"n\":\"{Member("n")}\"}}",
                "EC" when Member("alg") == "ECDH-ES+A256KW" && Member("crv") == "P-256" =>
                    $"{{\"alg\":\"{Member("alg")}\",\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{Member("x")}\",\"y\":\"{Member("y")}\"}}",
                _ => "",
            };
            if (key == "") return "unexpected tee-pubkey";
            var composite = Attestation.GetProperty("tee-evidence");
            if (composite.GetProperty("additional_evidence").GetString() != "") return "unexpected additional evidence";
            string material = "{\"additional-evidence\":\"\",\"nonce\":\"" + Nonce + "\",\"tee-pubkey\":" + key + "}";
            byte[] digest = SelectedHash == "sha512" ? SHA512.HashData(Encoding.UTF8.GetBytes(material)) : SHA384.HashData(Encoding.UTF8.GetBytes(material));
            byte[] expected = new byte[64];
            digest.CopyTo(expected, 0);
            byte[] reportData = composite.GetProperty("primary_evidence").GetProperty("attestation_report").GetProperty("report_data")
                .EnumerateArray().Select(b => b.GetByte()).ToArray();
            if (!reportData.AsSpan().SequenceEqual(expected)) return "Report Data Mismatch";
            if (Member("kty") == "EC")
            {
                EcTeeKey = ECDiffieHellman.Create(new ECParameters
                {
                    Curve = ECCurve.NamedCurves.nistP256,
                    Q = new ECPoint { X = Base64UrlEncoder.DecodeBytes(Member("x")), Y = Base64UrlEncoder.DecodeBytes(Member("y")) },
                });
                return null;
            }
            TeeKey = RSA.Create();
            TeeKey.ImportParameters(new RSAParameters { Modulus = Base64UrlEncoder.DecodeBytes(Member("n")), Exponent = Base64UrlEncoder.DecodeBytes(Member("e")) });
            return null;
        }

        private string Jwe()
        {
            // ECDH-ES+A256KW (Trustee's ec_p256 path) is checked against RFC vectors in JweEnvelopeTests; the RSA JWE is built by hand.
            if (EcTeeKey is not null) return JweEnvelope.Encrypt(Secret, EcTeeKey);
            // As trustee kbs/src/jwe/mod.rs rsa_oaep256 builds it: header {"alg":"RSA-OAEP-256","enc":"A256GCM"}, AAD = base64url(header).
            string header = Base64UrlEncoder.Encode("""{"alg":"RSA-OAEP-256","enc":"A256GCM"}""");
            byte[] cek = RandomNumberGenerator.GetBytes(32), iv = RandomNumberGenerator.GetBytes(12), ct = new byte[Secret.Length], tag = new byte[16];
            using (var gcm = new AesGcm(cek, 16)) gcm.Encrypt(iv, Secret, ct, tag, Encoding.ASCII.GetBytes(header));
            return new JsonObject
            {
                ["protected"] = header,
                ["encrypted_key"] = Base64UrlEncoder.Encode(TeeKey!.Encrypt(cek, RSAEncryptionPadding.OaepSHA256)),
                ["iv"] = Base64UrlEncoder.Encode(iv),
                ["ciphertext"] = Base64UrlEncoder.Encode(ct),
                ["tag"] = Base64UrlEncoder.Encode(tag),
            }.ToJsonString();
        }
    }

    [Theory]
    [InlineData(null, TeeKeyKind.Rsa2048)]
    [InlineData("sha512", TeeKeyKind.Rsa2048)]
    [InlineData(null, TeeKeyKind.EcP256)]
    [InlineData("sha512", TeeKeyKind.EcP256)]
    public void Client_speaks_trustee_0_4_0_and_decrypts_its_jwe(string? selectedHash, TeeKeyKind keyKind)
    {
        var trustee = new FakeTrustee { SelectedHash = selectedHash };
        using var server = new LoopbackServer(trustee.Routes);
        using var attester = new Attester(TestSupport.Simulate()) { ModuleHash = Attester.HashModule("guest"u8) };
        using var client = new KbsClient(new KbsClientOptions { Endpoint = server.Uri, Calls = s_fast, Evidence = KbsEvidenceFormat.Trustee, TeeKey = keyKind }, attester);

        var result = client.GetSecret("demo");
        Assert.True(result.Success, result.Error + " / " + trustee.Failure);
        Assert.Equal(trustee.Secret, result.Secret);
        Assert.Equal("snp", trustee.Request.GetProperty("tee").GetString());
        Assert.Equal(["sha256", "sha384", "sha512"], trustee.Request.GetProperty("extra-params").GetProperty("supported-hash-algorithms").EnumerateArray().Select(a => a.GetString()));
        Assert.False(trustee.Attestation.TryGetProperty("init-data", out _));
        Assert.False(trustee.Attestation.TryGetProperty("tee-pubkey", out _)); // 0.4.0: the key lives in runtime-data
        Assert.Equal(keyKind == TeeKeyKind.EcP256 ? "EC" : "RSA",
            trustee.Attestation.GetProperty("runtime-data").GetProperty("tee-pubkey").GetProperty("kty").GetString());
    }

    [Fact]
    public void TeeWasm_evidence_is_refused_by_trustee_for_its_version_with_trustees_detail()
    {
        var trustee = new FakeTrustee();
        using var server = new LoopbackServer(trustee.Routes);
        using var attester = new Attester(TestSupport.Simulate()) { ModuleHash = Attester.HashModule("guest"u8) };
        using var client = new KbsClient(new KbsClientOptions { Endpoint = server.Uri, Calls = s_fast }, attester);

        var result = client.GetSecret("demo");
        Assert.False(result.Success);
        Assert.Equal("0.1.0", trustee.Request.GetProperty("version").GetString());
        Assert.Contains("auth", result.Error);
        Assert.Contains("HTTP 401", result.Error);
    }
}
