using System.Text.Json;
using TeeWasm.Attestation.Platforms.Nvidia;
using TeeWasm.Attestation.Services.Nras;
using TeeWasm.Attestation.Tests.Platforms.Nvidia;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Services.Nras;

public sealed class NrasClientTests : IDisposable
{
    private readonly FakeNrasServer _server = new();
    private static readonly byte[] s_nonce = NvidiaVectors.Nonce(NvidiaVectors.HopperNonce);

    private static (byte[], string)[] Evidence() =>
        [(NvidiaVectors.Report("hopperAttestationReport.txt").Raw.ToArray(), NvidiaVectors.Text("hopper_cert_chain_case1.txt"))];

    private NrasClient Client(string? apiKey = "test-api-key", TimeSpan? timeout = null, int attempts = 3) => new(new NrasOptions
    {
        Endpoint = _server.Endpoint,
        JwksUrl = _server.JwksUrl,
        Issuer = FakeNrasServer.Issuer,
        ApiKey = apiKey,
        Timeout = timeout ?? TimeSpan.FromSeconds(10),
        MaxAttempts = attempts,
        RetryDelay = TimeSpan.FromMilliseconds(20),
    });

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task GoodToken_IsAccepted()
    {
        using var client = Client();
        NrasAttestation result = await client.AttestAsync(Evidence(), s_nonce);

        Assert.Equal("Bearer test-api-key", _server.LastAuthorization);
        Assert.Equal(NvidiaVectors.HopperNonce, _server.LastRequest!["nonce"]!.GetValue<string>());
        Assert.Equal("HOPPER", _server.LastRequest["arch"]!.GetValue<string>());
        string evidence = _server.LastRequest["evidence_list"]![0]!["evidence"]!.GetValue<string>();
        Assert.Equal(4117, Convert.FromBase64String(evidence).Length);
        Assert.Contains("\"x-nvidia-overall-att-result\":true", result.OverallClaimsJson);
        Assert.Contains("\"measres\":\"success\"", result.SubmoduleClaimsJson["GPU-0"]);
        Assert.Equal(3, result.OverallToken.Split('.').Length);
    }

    [Fact]
    public async Task NoApiKey_SendsNoAuthorization()
    {
        using var client = Client(apiKey: null);
        await client.AttestAsync(Evidence(), s_nonce);
        Assert.Null(_server.LastAuthorization);
    }

    [Fact]
    public async Task WrongNonce_IsRejected()
    {
        _server.NonceOverride = new string('0', 64);
        using var client = Client();
        var e = await Assert.ThrowsAsync<NvidiaAttestationException>(() => client.AttestAsync(Evidence(), s_nonce));
        Assert.Equal(NvidiaFailureReason.Nras, e.Reason);
        Assert.Contains("eat_nonce", e.Message);
    }

    [Fact]
    public async Task BadSignature_IsRejected()
    {
        _server.SignWithOtherKey = true;
        using var client = Client();
        var e = await Assert.ThrowsAsync<NvidiaAttestationException>(() => client.AttestAsync(Evidence(), s_nonce));
        Assert.Contains("signature does not verify", e.Message);
    }

    [Fact]
    public async Task Expired_IsRejected()
    {
        _server.Expired = true;
        using var client = Client();
        var e = await Assert.ThrowsAsync<NvidiaAttestationException>(() => client.AttestAsync(Evidence(), s_nonce));
        Assert.Contains("expired", e.Message);
    }

    [Fact]
    public async Task MeasresFailure_IsRejected()
    {
        _server.Measres = "fail";
        using var client = Client();
        var e = await Assert.ThrowsAsync<NvidiaAttestationException>(() => client.AttestAsync(Evidence(), s_nonce));
        Assert.Equal(NvidiaFailureReason.NrasRefused, e.Reason); // a verified "no", not a failure to get a verdict
        Assert.Contains("measres", e.Message);
        Assert.Contains("'fail'", e.Message);
    }

    [Fact]
    public async Task OverallResultFalse_IsRejected()
    {
        _server.OverallResult = false;
        using var client = Client();
        var e = await Assert.ThrowsAsync<NvidiaAttestationException>(() => client.AttestAsync(Evidence(), s_nonce));
        Assert.Equal(NvidiaFailureReason.NrasRefused, e.Reason);
        Assert.Contains("x-nvidia-overall-att-result", e.Message);
    }

    /// <summary>Issue 12 item 10: an NRAS token with <c>==</c> appended to its signature is not a token.</summary>
    [Fact]
    public async Task PaddedSignature_IsRejected()
    {
        _server.Respell = token => token + "==";
        using var client = Client();
        var e = await Assert.ThrowsAsync<NvidiaAttestationException>(() => client.AttestAsync(Evidence(), s_nonce));
        Assert.Equal(NvidiaFailureReason.Nras, e.Reason);
        Assert.Contains("the signature is not canonical base64url", e.Message);
    }

    /// <summary>
    /// Issue 12 item 10, the documented exception: NRAS signs without normalising s (its real tokens are high-S about half
    /// the time: tests/TestData/jwt), so the high-S form verifies; both forms are one token in the audit log.
    /// </summary>
    [Fact]
    public async Task HighSTwin_IsAccepted_AsTheSameToken()
    {
        _server.Respell = Tokens.AttestationTokenValidatorTests.HighSTwin;
        using var client = Client();
        NrasAttestation result = await client.AttestAsync(Evidence(), s_nonce);
        string lowS = Tokens.AttestationTokenValidatorTests.HighSTwin(result.OverallToken);
        Assert.NotEqual(result.OverallToken, lowS);
        Assert.Equal(Attestation.Audit.AuditEvent.Fingerprint(lowS), Attestation.Audit.AuditEvent.Fingerprint(result.OverallToken));
    }

    [Fact]
    public void RealNrasTokens_ComeInBothSignatureForms()
    {
        var eat = NrasDetachedEat.Parse(File.ReadAllText(RepoPaths.Vector("jwt", "nras-gpu-detached-eat.json")));
        bool[] lowS = [.. new[] { eat.OverallToken, eat.SubmoduleTokens["GPU-0"] }.Select(t => Attestation.Tokens.EcdsaSignatureForm.IsLowS(NrasJwt.Parse(t).Signature))];
        Assert.Equal([false, true], lowS);
    }

    [Fact]
    public async Task TransientFailures_AreRetried()
    {
        _server.FailFirstRequests = 2;
        using var client = Client();
        await client.AttestAsync(Evidence(), s_nonce);
        Assert.Equal(3, _server.AttestCalls);
    }

    [Fact]
    public async Task PersistentFailure_GivesUpAfterBoundedAttempts()
    {
        _server.FailFirstRequests = 100;
        using var client = Client(attempts: 2);
        var e = await Assert.ThrowsAsync<NvidiaAttestationException>(() => client.AttestAsync(Evidence(), s_nonce));
        Assert.Equal(2, _server.AttestCalls);
        Assert.Contains("unavailable after 2 attempt(s): HTTP 503", e.Message);
    }

    [Fact]
    public async Task Forbidden_NamesTheApiKey()
    {
        _server.StatusCode = 403;
        using var client = Client();
        var e = await Assert.ThrowsAsync<NvidiaAttestationException>(() => client.AttestAsync(Evidence(), s_nonce));
        Assert.Equal(1, _server.AttestCalls);
        Assert.Contains("API key may not have attestation permissions", e.Message);
        using var anonymous = Client(apiKey: null);
        e = await Assert.ThrowsAsync<NvidiaAttestationException>(() => anonymous.AttestAsync(Evidence(), s_nonce));
        Assert.Contains("NVIDIA_API_KEY is not set", e.Message);
    }

    [Fact]
    public async Task Timeout_IsRetriedThenNamed()
    {
        _server.Delay = TimeSpan.FromSeconds(3);
        using var client = Client(timeout: TimeSpan.FromMilliseconds(300), attempts: 2);
        var e = await Assert.ThrowsAsync<NvidiaAttestationException>(() => client.AttestAsync(Evidence(), s_nonce));
        Assert.Contains("no answer within", e.Message);
    }

    [Fact]
    public async Task ServerDown_IsAClearError()
    {
        using var closed = new ClosedPort();
        var options = new NrasOptions
        {
            Endpoint = new Uri(closed.Uri, "/v3/attest/gpu"), JwksUrl = new Uri(closed.Uri, "/jwks"),
            MaxAttempts = 2, RetryDelay = TimeSpan.FromMilliseconds(10), Timeout = TimeSpan.FromSeconds(5),
        };
        using var client = new NrasClient(options);
        var e = await Assert.ThrowsAsync<NvidiaAttestationException>(() => client.AttestAsync(Evidence(), s_nonce));
        Assert.Equal(NvidiaFailureReason.Nras, e.Reason);
        Assert.Contains($"NRAS attestation service at http://127.0.0.1:{closed.Port}/v3/attest/gpu is unavailable after 2 attempt(s)", e.Message);
    }

    [Fact]
    public async Task Jwks_IsCached_AndRefetchedOnUnknownKid()
    {
        using var client = Client();
        await client.AttestAsync(Evidence(), s_nonce);
        await client.AttestAsync(Evidence(), s_nonce);
        Assert.Equal(1, _server.JwksCalls);
        _server.Kid = "rotated-kid";
        await client.AttestAsync(Evidence(), s_nonce);
        Assert.Equal(2, _server.JwksCalls);
    }

    [Fact]
    public async Task V4Endpoint_AndX5cOnlyJwks_Work()
    {
        _server.JwksAsX5c = true;
        using var client = new NrasClient(new NrasOptions
        {
            Endpoint = _server.V4Endpoint, JwksUrl = _server.JwksUrl, Issuer = FakeNrasServer.Issuer, ApiKey = null,
        });
        await client.AttestAsync(Evidence(), s_nonce);
        Assert.Equal(1, _server.AttestCalls);
        Assert.EndsWith("/v4/attest/gpu", NrasOptions.V4GpuEndpoint);
    }

    [Fact]
    public async Task StagingIssuer_IsRefusedByProductionConfig()
    {
        using var client = new NrasClient(new NrasOptions { Endpoint = _server.Endpoint, JwksUrl = _server.JwksUrl, RetryDelay = TimeSpan.Zero });
        var e = await Assert.ThrowsAsync<NvidiaAttestationException>(() => client.AttestAsync(Evidence(), s_nonce));
        Assert.Contains("is not the configured 'https://nras.attestation.nvidia.com'", e.Message);
    }

    [Fact]
    public void RealNrasEat_ParsesAndBindsSubmodules_ButItsSignatureIsUnverifiable()
    {
        string json = File.ReadAllText(RepoPaths.Vector("jwt", "nras-gpu-detached-eat.json"));
        var eat = NrasDetachedEat.Parse(json);
        var overall = NrasJwt.Parse(eat.OverallToken);
        Assert.Equal("ES384", overall.Algorithm);
        Assert.StartsWith("nv-eat-kid-prod-", overall.KeyId);
        Assert.Equal("https://nras.attestation.nvidia.com", overall.GetString("iss"));
        Assert.Equal(NvidiaVectors.HopperNonce, overall.GetString("eat_nonce"));
        Assert.True(overall.GetBoolean("x-nvidia-overall-att-result"));
        eat.VerifySubmoduleDigests(overall);

        var gpu = NrasJwt.Parse(eat.SubmoduleTokens["GPU-0"]);
        using var decoded = JsonDocument.Parse(File.ReadAllText(RepoPaths.Vector("jwt", "nras-gpu-claims-decoded.json")));
        foreach (JsonProperty p in decoded.RootElement.EnumerateObject())
            if (p.Value.ValueKind == JsonValueKind.String) Assert.Equal(p.Value.GetString(), gpu.GetString(p.Name));
        Assert.Equal("success", gpu.GetString("measres"));
        Assert.Equal(new DateTimeOffset(2025, 6, 11, 0, 30, 58, TimeSpan.Zero), gpu.GetTime("iat"));

        // We do not hold NRAS's production key set: a verifier that only knows another key must refuse (unknown kid).
        using var client = Client();
        var e = Assert.Throws<NvidiaAttestationException>(() => client.VerifyAsync(json, s_nonce).GetAwaiter().GetResult());
        Assert.Contains("unknown kid", e.Message);
    }

    [Fact]
    public void RealNrasEat_AlteredSubmodule_BreaksTheDigestBinding()
    {
        string json = File.ReadAllText(RepoPaths.Vector("jwt", "nras-gpu-detached-eat.json"));
        var eat = NrasDetachedEat.Parse(json);
        string gpu = eat.SubmoduleTokens["GPU-0"];
        string altered = json.Replace(gpu, gpu[..^2] + (gpu[^2] == 'A' ? "B" : "A") + gpu[^1], StringComparison.Ordinal);
        var eat2 = NrasDetachedEat.Parse(altered);
        Assert.Throws<NvidiaAttestationException>(() => eat2.VerifySubmoduleDigests(NrasJwt.Parse(eat2.OverallToken)));
    }

    [Fact]
    public void StagingSwitchEat_Parses()
    {
        var eat = NrasDetachedEat.Parse(File.ReadAllText(RepoPaths.Vector("jwt", "nras-switch-detached-eat-stg.json")));
        var overall = NrasJwt.Parse(eat.OverallToken);
        Assert.Equal("https://nras.attestation-stg.nvidia.com", overall.GetString("iss"));
        eat.VerifySubmoduleDigests(overall);
    }
}
