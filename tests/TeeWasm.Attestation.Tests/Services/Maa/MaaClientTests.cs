using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Http;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Services;
using TeeWasm.Attestation.Services.Maa;
using TeeWasm.Attestation.Tokens;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Services.Maa;

public sealed class MaaClientTests : IDisposable
{
    private static readonly ServiceCallOptions s_fast = new() { Timeout = TimeSpan.FromSeconds(30), MaxAttempts = 2, RetryDelay = TimeSpan.FromMilliseconds(10) };
    private readonly FakeMaa _maa = new();

    public void Dispose() => _maa.Dispose();

    private MaaClient Client(Uri? endpoint = null, TimeSpan? refresh = null) => new(new MaaOptions
    {
        Endpoint = endpoint ?? _maa.Uri,
        Calls = s_fast,
        KeyRefreshInterval = refresh ?? TimeSpan.Zero,
    });

    private Attester SimulatedAttester(IVmTokenService service) =>
        new(TestSupport.Simulate() with { VmTokenService = service }) { ModuleHash = Attester.HashModule("guest"u8) };

    [Fact]
    public void Good_path_guest_gets_the_MAA_token_and_it_verifies()
    {
        using var client = Client();
        using var attester = SimulatedAttester(client);
        var result = attester.AttestVm("rp-nonce"u8);
        Assert.True(result.Success, result.Error);

        var jwt = new JsonWebToken(result.Token);
        Assert.Equal(_maa.Issuer, jwt.Issuer);
        Assert.Equal("sevsnpvm", jwt.GetPayloadValue<string>("x-ms-attestation-type"));
        Assert.Equal(Convert.ToHexStringLower("rp-nonce"u8), jwt.GetPayloadValue<string>("nonce"));

        // What was sent: SevSnpVm with the SNP report and chain, runtime data = the binding inputs (JSON), the nonce.
        var sent = _maa.LastRequest;
        var report = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(sent.GetProperty("report").GetString()!)).RootElement;
        Assert.Equal(1184, Base64UrlEncoder.DecodeBytes(report.GetProperty("SnpReport").GetString()!).Length);
        Assert.Contains("BEGIN CERTIFICATE", Encoding.ASCII.GetString(Base64UrlEncoder.DecodeBytes(report.GetProperty("VcekCertChain").GetString()!)));
        Assert.Equal("JSON", sent.GetProperty("runtimeData").GetProperty("dataType").GetString());
        var runtime = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(sent.GetProperty("runtimeData").GetProperty("data").GetString()!)).RootElement;
        Assert.Equal(Convert.ToHexStringLower(Attester.HashModule("guest"u8)), runtime.GetProperty("module_sha256").GetString());

        var verdict = attester.VerifyToken(result.Token!);
        Assert.True(verdict.Valid, verdict.Reason);
        Assert.Equal(_maa.Issuer, verdict.Issuer);
        Assert.Equal(1, _maa.CertsRequests); // cached: fetched once for the attest check, reused for VerifyToken
        Assert.True(attester.VerifyToken(attester.AttestVm("other"u8).Token!).Valid);
        Assert.Equal(1, _maa.CertsRequests);
    }

    /// <summary>Issue 12 item 10: a token verified through the service's JWKS with <c>==</c> appended is refused.</summary>
    [Fact]
    public void Padded_token_is_refused()
    {
        using var client = Client();
        using var attester = SimulatedAttester(client);
        string token = attester.AttestVm("n"u8).Token!;
        Assert.True(attester.VerifyToken(token).Valid);
        var verdict = attester.VerifyToken(token + "==");
        Assert.False(verdict.Valid);
        Assert.StartsWith("malformed token: the signature is not canonical base64url", verdict.Reason);
    }

    [Fact]
    public void Wrong_nonce_is_refused()
    {
        _maa.Mode = FakeMaa.Behaviour.WrongNonce;
        using var client = Client();
        using var attester = SimulatedAttester(client);
        var result = attester.AttestVm("n"u8);
        Assert.False(result.Success);
        Assert.Contains("Azure Attestation (MAA) at http://127.0.0.1:", result.Error);
        Assert.Contains("another nonce", result.Error);
        Assert.Null(result.Token);
    }

    [Fact]
    public void Bad_signature_is_refused()
    {
        _maa.Mode = FakeMaa.Behaviour.BadSignature;
        using var client = Client();
        using var attester = SimulatedAttester(client);
        var result = attester.AttestVm();
        Assert.False(result.Success);
        Assert.Contains("does not verify: signature does not verify", result.Error);
    }

    [Fact]
    public void Expired_token_is_refused()
    {
        _maa.Mode = FakeMaa.Behaviour.Expired;
        using var client = Client();
        using var attester = SimulatedAttester(client);
        var result = attester.AttestVm();
        Assert.False(result.Success);
        Assert.Contains("token expired at", result.Error);
    }

    [Fact]
    public void Token_of_another_issuer_is_refused()
    {
        _maa.Mode = FakeMaa.Behaviour.WrongIssuer;
        using var client = Client();
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(Evidence()));
        Assert.Contains("untrusted issuer 'https://evil.attest.azure.net'", e.Message);
    }

    [Fact]
    public void Unknown_kid_refreshes_the_key_set_once()
    {
        using var client = Client();
        string first = client.Attest(Evidence());
        Assert.Equal(1, _maa.CertsRequests);
        _maa.Authority.Rotate(); // the service signs with a new key, published in /certs
        string second = client.Attest(Evidence());
        Assert.Equal(2, _maa.CertsRequests);
        Assert.True(client.Verify(first).Valid);
        Assert.True(client.Verify(second).Valid);
        Assert.Equal(2, _maa.CertsRequests);

        // A kid that is nowhere: one refresh, then a clear rejection.
        var stray = _maa.Authority.AddKey(publish: false);
        string forged = _maa.Authority.Sign(_maa.Issuer, new Dictionary<string, object> { ["nonce"] = "x" }, with: stray);
        var verdict = client.Verify(forged);
        Assert.False(verdict.Valid);
        Assert.Contains($"signing key '{stray.Kid}' is not in Azure Attestation (MAA) at", verdict.Reason);
        Assert.Equal(3, _maa.CertsRequests);
    }

    [Fact]
    public void Refresh_is_rate_limited()
    {
        using var client = Client(refresh: TimeSpan.FromMinutes(5));
        client.Attest(Evidence());
        var stray = _maa.Authority.AddKey(publish: false);
        for (int i = 0; i < 5; i++)
            Assert.False(client.Verify(_maa.Authority.Sign(_maa.Issuer, new Dictionary<string, object>(), with: stray)).Valid);
        Assert.Equal(1, _maa.CertsRequests);
    }

    [Fact]
    public void Service_refusal_carries_its_message()
    {
        _maa.Mode = FakeMaa.Behaviour.Refuse;
        using var client = Client();
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(Evidence()));
        Assert.Equal(400, e.StatusCode);
        Assert.Contains("attest refused: HTTP 400: Attestation policy rejected the evidence", e.Message);
        Assert.Equal(1, _maa.AttestRequests); // 4xx is not retried
    }

    [Fact]
    public void Server_errors_are_retried_a_bounded_number_of_times()
    {
        _maa.Mode = FakeMaa.Behaviour.Error500;
        using var client = Client();
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(Evidence()));
        Assert.Equal(503, e.StatusCode);
        Assert.Equal(2, _maa.AttestRequests);
    }

    [Fact]
    public void Server_down_is_a_clear_error()
    {
        using var closed = new ClosedPort();
        using var client = Client(closed.Uri);
        using var attester = SimulatedAttester(client);
        var result = attester.AttestVm();
        Assert.False(result.Success);
        Assert.Matches(@"Azure Attestation \(MAA\) at http://127\.0\.0\.1:\d+: attest: cannot connect.*\(tried 2 time\(s\)\)", result.Error);
    }

    [Fact]
    public void Timeout_is_a_clear_error()
    {
        using var slow = new LoopbackServer(app => app.MapPost("/attest/SevSnpVm", async () => { await Task.Delay(5000); return "{}"; }));
        using var client = new MaaClient(new MaaOptions
        {
            Endpoint = slow.Uri,
            Calls = new ServiceCallOptions { Timeout = TimeSpan.FromMilliseconds(300), MaxAttempts = 1 },
        });
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(Evidence()));
        Assert.Contains("no answer within 0.3 s", e.Message);
    }

    [Fact]
    public void Plain_http_is_refused_except_to_loopback()
    {
        var e = Assert.Throws<RemoteServiceException>(() => new MaaClient(new MaaOptions { Endpoint = new Uri("http://example.attest.azure.net") }));
        Assert.Contains("must use https", e.Message);
    }

    [Fact]
    public void Tdx_evidence_goes_to_TdxVm()
    {
        using var client = Client();
        string token = client.Attest(Evidence("TDX"));
        Assert.Equal("tdxvm", new JsonWebToken(token).GetPayloadValue<string>("x-ms-attestation-type"));
        Assert.True(_maa.LastRequest.TryGetProperty("quote", out _));
        Assert.Equal(1, _maa.BindingsConfirmed);
    }

    // Evidence bound the way MAA checks it: report_data = SHA-256(runtime data) ‖ zeros (an unsigned SNP report, or a
    // TDX-shaped quote; the fake service does not check AMD or Intel signatures).
    private static ServiceEvidence Evidence(string tee = "AMD_SEV_SNP")
    {
        byte[] runtimeData = """{"nonce":"00"}"""u8.ToArray();
        byte[] reportData = VmBinding.MaaReportData(runtimeData);
        byte[] report = tee == "TDX" ? TestQuotes.TdxWithReportData(reportData) : new byte[SnpReport.Size];
        if (tee != "TDX") reportData.CopyTo(report, SnpReport.ReportDataOffset);
        return new() { TeeType = tee, Report = report, RuntimeData = runtimeData, Nonce = [0] };
    }

    [Fact]
    public void Attester_binds_report_data_to_the_runtime_data_and_MAA_confirms_it()
    {
        using var client = Client();
        using var attester = SimulatedAttester(client);
        var result = attester.AttestVm("rp-nonce"u8);
        Assert.True(result.Success, result.Error);
        Assert.Equal(1, _maa.BindingsConfirmed);

        // The evidence records the maa scheme and its runtime data: {module_sha256, host_key, nonce}, the bytes sent.
        var binding = JsonDocument.Parse(result.Evidence!).RootElement.GetProperty("binding");
        Assert.Equal("maa", binding.GetProperty("scheme").GetString());
        byte[] runtimeData = Convert.FromBase64String(binding.GetProperty("runtime_data").GetString()!);
        Assert.Equal(runtimeData, Base64UrlEncoder.DecodeBytes(_maa.LastRequest.GetProperty("runtimeData").GetProperty("data").GetString()!));
        string expected = $$"""{"module_sha256":"{{Convert.ToHexStringLower(attester.ModuleHash)}}","host_key":"{{Convert.ToHexStringLower(attester.HostKey.PublicPoint)}}","nonce":"{{Convert.ToHexStringLower("rp-nonce"u8)}}"}""";
        Assert.Equal(expected, Encoding.UTF8.GetString(runtimeData));

        // The report carries SHA-256(runtime data) then 32 zero bytes.
        var report = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(_maa.LastRequest.GetProperty("report").GetString()!)).RootElement;
        byte[] snp = Base64UrlEncoder.DecodeBytes(report.GetProperty("SnpReport").GetString()!);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(runtimeData), snp.AsSpan(SnpReport.ReportDataOffset, 32).ToArray());
        Assert.All(snp.AsSpan(SnpReport.ReportDataOffset + 32, 32).ToArray(), b => Assert.Equal(0, b));
    }

    [Fact]
    public void TeeWasm_binding_is_refused_by_MAA()
    {
        // What the Attester sent before service-specific binding: report_data = SHA-512(module ‖ key ‖ nonce).
        using var plain = new Attester(TestSupport.Simulate()) { ModuleHash = Attester.HashModule("guest"u8) };
        var local = plain.AttestVm("n"u8);
        Assert.True(local.Success, local.Error);
        var evidence = ServiceEvidence.From(AttestationPlatforms.ReadEvidence(local.Evidence!));
        using var client = Client();
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(evidence));
        Assert.Equal(400, e.StatusCode);
        Assert.Contains("attest refused: HTTP 400: Report data does not match the SHA-256 hash of the runtime data", e.Message);
        Assert.Equal(0, _maa.BindingsConfirmed);
    }

    [Fact]
    public void Changed_runtime_data_is_refused_by_MAA()
    {
        using var client = Client();
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(Evidence("TDX") with { RuntimeData = """{"nonce":"01"}"""u8.ToArray() }));
        Assert.Contains("Report data does not match the SHA-256 hash of the runtime data", e.Message);
    }
}
