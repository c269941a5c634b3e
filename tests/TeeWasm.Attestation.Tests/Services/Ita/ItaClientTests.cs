using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Http;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Services;
using TeeWasm.Attestation.Services.Ita;
using TeeWasm.Attestation.Tests.Platforms.AzureVtpm;
using TeeWasm.Attestation.Verification;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Services.Ita;

public sealed class ItaClientTests : IDisposable
{
    private const string ApiKey = "test-api-key";
    private const string Issuer = "Intel Trust Authority";
    private static readonly byte[] s_module = Attester.HashModule("guest"u8);
    private static readonly byte[] s_hostKey = [0x04, .. new byte[64]];
    private readonly TestTokenAuthority _authority = new();
    private readonly LoopbackServer _server;
    private readonly Dictionary<string, (string Iat, DateTimeOffset Issued)> _issued = [];
    private readonly List<string> _events = [];
    private string _mode = "good";
    private TimeSpan _nonceLifetime = TimeSpan.FromMinutes(5);
    private int _certs;
    private int _bindingsConfirmed;
    private JsonElement _lastAttest;
    private string? _lastPath;

    // Like the real service (v2 as Intel's Go client speaks it, and v1): nonces it issued (and not expired) only, and
    // report_data = SHA-512(val ‖ iat ‖ runtime_data); on /v2/attest/azure report_data = SHA-256(HCL runtime claims) and
    // their user-data = SHA-512(val ‖ iat ‖ user_data).
    public ItaClientTests()
    {
        _server = new LoopbackServer(app =>
        {
            app.MapGet("/certs", () => { _certs++; return Results.Text(_authority.Jwks(), "application/json"); });
            foreach (string version in new[] { "v1", "v2" })
            {
                app.MapGet($"/appraisal/{version}/nonce", (HttpContext c) =>
                {
                    if (c.Request.Headers["x-api-key"] != ApiKey) return Results.Json(new { message = "invalid api key" }, statusCode: 401);
                    string val = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
                    string iat = Convert.ToBase64String(Encoding.UTF8.GetBytes(DateTimeOffset.UtcNow.ToString("O")));
                    lock (_events) { _issued[val] = (iat, DateTimeOffset.UtcNow); _events.Add("nonce " + version); }
                    return Results.Json(new { val, iat, signature = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)) });
                });
            }
            app.MapPost("/appraisal/v1/attest", (Delegate)(async (HttpContext c) => await Appraise(c, v2: false, azure: false)));
            app.MapPost("/appraisal/v2/attest", (Delegate)(async (HttpContext c) => await Appraise(c, v2: true, azure: false)));
            app.MapPost("/appraisal/v2/attest/azure", (Delegate)(async (HttpContext c) => await Appraise(c, v2: true, azure: true)));
        });
    }

    private async Task<IResult> Appraise(HttpContext c, bool v2, bool azure)
    {
        if (c.Request.Headers["x-api-key"] != ApiKey) return Results.Json(new { message = "invalid api key" }, statusCode: 401);
        _lastAttest = (await JsonDocument.ParseAsync(c.Request.Body)).RootElement.Clone();
        lock (_events) { _events.Add("attest"); _lastPath = c.Request.Path; }
        if (_mode == "refuse") return Results.Json(new { message = "quote verification failed: TCB out of date" }, statusCode: 400);
        if (v2 && !_lastAttest.TryGetProperty("tdx", out _)) return Results.Json(new { message = "no evidence: expected \"tdx\"" }, statusCode: 400);
        var evidence = v2 ? _lastAttest.GetProperty("tdx") : _lastAttest;
        var nonce = evidence.GetProperty("verifier_nonce");
        string val = nonce.GetProperty("val").GetString()!, iat = nonce.GetProperty("iat").GetString()!;
        if (!_issued.TryGetValue(val, out var issued) || issued.Iat != iat)
            return Results.Json(new { message = "verifier nonce was not issued by this service" }, statusCode: 400);
        if (DateTimeOffset.UtcNow - issued.Issued >= _nonceLifetime)
            return Results.Json(new { message = "verifier nonce expired" }, statusCode: 400);
        byte[] runtimeData = Convert.FromBase64String(evidence.GetProperty("runtime_data").GetString()!);
        if (!TdxQuote.TryParse(Convert.FromBase64String(evidence.GetProperty("quote").GetString()!), out var quote))
            return Results.Json(new { message = "quote could not be parsed" }, statusCode: 400);
        byte[] nonceBytes = [.. Convert.FromBase64String(val), .. Convert.FromBase64String(iat)];
        byte[]? userData = null;
        if (azure)
        {
            userData = evidence.TryGetProperty("user_data", out var u) ? Convert.FromBase64String(u.GetString()!) : [];
            if (!quote.Body.ReportData.Span[..32].SequenceEqual(SHA256.HashData(runtimeData)))
                return Results.Json(new { message = "report data does not match SHA-256(runtime_data)" }, statusCode: 400);
            string? hclUserData = JsonDocument.Parse(runtimeData).RootElement.TryGetProperty("user-data", out var ud) ? ud.GetString() : null;
            if (!string.Equals(hclUserData, Convert.ToHexString(SHA512.HashData([.. nonceBytes, .. userData])), StringComparison.OrdinalIgnoreCase))
                return Results.Json(new { message = "runtime_data user-data does not match SHA-512(nonce.val || nonce.iat || user_data)" }, statusCode: 400);
        }
        else if (!quote.Body.ReportData.Span.SequenceEqual(SHA512.HashData([.. nonceBytes, .. runtimeData])))
        {
            return Results.Json(new { message = "report data does not match SHA-512(nonce.val || nonce.iat || runtime_data)" }, statusCode: 400);
        }
        _bindingsConfirmed++;
        object echoedNonce = _mode == "wrong-nonce" ? JsonDocument.Parse("""{"val":"b3RoZXI=","iat":"x"}""").RootElement : nonce;
        var teeClaims = new Dictionary<string, object>
        {
            ["verifier_nonce"] = echoedNonce,
            ["attester_type"] = "TDX",
            ["attester_runtime_data"] = JsonDocument.Parse(runtimeData).RootElement,
        };
        if (userData is { Length: > 0 }) teeClaims["attester_user_data"] = JsonDocument.Parse(userData).RootElement;
        // v1 tokens carry the claims at the top level; v2 tokens nest the TEE's under "tdx" (ver 2.0.0).
        var claims = v2 ? new Dictionary<string, object> { ["ver"] = "2.0.0", ["tdx"] = teeClaims } : teeClaims;
        if (_mode == "conflicting-nonces") claims["verifier_nonce"] = JsonDocument.Parse("""{"val":"b3RoZXI=","iat":"x"}""").RootElement;
        string token = _mode switch
        {
            "expired" => _authority.Sign(Issuer, claims, TimeSpan.FromMinutes(5), DateTime.UtcNow.AddHours(-1)),
            "bad-signature" => _authority.Sign(Issuer, claims, with: (_authority.Current.Kid, _authority.AddKey(publish: false).Key, _authority.Current.Cert)),
            _ => _authority.Sign(Issuer, claims),
        };
        return Results.Json(new { token });
    }

    public void Dispose()
    {
        _server.Dispose();
        _authority.Dispose();
    }

    private ItaClient Client(string apiKey = ApiKey, Uri? endpoint = null, ItaApiVersion version = ItaApiVersion.V2, IReadOnlyList<string>? policies = null) => new(new ItaOptions
    {
        Endpoint = endpoint ?? _server.Uri,
        ApiKey = apiKey,
        ApiVersion = version,
        PolicyIds = policies ?? [],
        Calls = new ServiceCallOptions { Timeout = TimeSpan.FromSeconds(30), MaxAttempts = 2, RetryDelay = TimeSpan.FromMilliseconds(10) },
        KeyRefreshInterval = TimeSpan.Zero,
    });

    // What the Attester does: the service's nonce first, then a quote over the binding's report_data.
    private static ServiceEvidence TdxEvidence(ItaClient client, byte[]? nonce = null)
    {
        nonce ??= [0xaa];
        var binding = client.Bind(s_module, s_hostKey, nonce);
        return new ServiceEvidence
        {
            TeeType = "TDX",
            Report = TestQuotes.TdxWithReportData(binding.ReportData),
            RuntimeData = binding.RuntimeData!,
            ItaNonce = binding.ItaNonce,
            Nonce = nonce,
        };
    }

    private Attester TdxAttester(ItaClient client, IVmEvidenceSource source)
    {
        string dir = TestSupport.NewTempDir();
        File.WriteAllText(Path.Combine(dir, "tdx_guest"), "");
        var options = new AttesterOptions { Probe = TestSupport.NoTeeProbe(dir) with { TdxGuestDevices = [Path.Combine(dir, "tdx_guest")] }, VmTokenService = client };
        return new Attester(options, null, _ => source, null) { ModuleHash = s_module };
    }

    [Fact]
    public void Good_path_v2_nonce_attest_and_verify()
    {
        using var client = Client();
        var evidence = TdxEvidence(client);
        string token = client.Attest(evidence);

        // The request as Intel's go-tdx adapter builds it: the evidence under "tdx", nothing else (no policies configured).
        Assert.Equal(["nonce v2", "attest"], _events);
        Assert.Equal("/appraisal/v2/attest", _lastPath);
        Assert.Equal(["tdx"], _lastAttest.EnumerateObject().Select(p => p.Name));
        var tdx = _lastAttest.GetProperty("tdx");
        Assert.Equal(["runtime_data", "quote", "verifier_nonce"], tdx.EnumerateObject().Select(p => p.Name));
        Assert.Equal(4935, Convert.FromBase64String(tdx.GetProperty("quote").GetString()!).Length);
        Assert.Equal(evidence.RuntimeData, Convert.FromBase64String(tdx.GetProperty("runtime_data").GetString()!));
        Assert.Equal(evidence.ItaNonce!.Val, tdx.GetProperty("verifier_nonce").GetProperty("val").GetString());
        Assert.Equal(evidence.ItaNonce.Iat, tdx.GetProperty("verifier_nonce").GetProperty("iat").GetString());
        Assert.Equal(evidence.ItaNonce.Signature, tdx.GetProperty("verifier_nonce").GetProperty("signature").GetString());
        Assert.Equal(1, _bindingsConfirmed);

        // A v2 token nests the TDX claims, the echoed nonce among them, under "tdx".
        var tdxClaims = new JsonWebToken(token).GetPayloadValue<JsonElement>("tdx");
        Assert.Equal("TDX", tdxClaims.GetProperty("attester_type").GetString());
        Assert.Equal(evidence.ItaNonce.Val, tdxClaims.GetProperty("verifier_nonce").GetProperty("val").GetString());
        var verdict = client.Verify(token);
        Assert.True(verdict.Valid, verdict.Reason);
        Assert.Equal(Issuer, verdict.Issuer);
        Assert.Equal(1, _certs);
    }

    [Fact]
    public void V2_sends_the_policy_ids_when_configured()
    {
        using var client = Client(policies: ["749dd9b1-234f-41f5-a6ca-42c4312dd4f1"]);
        client.Attest(TdxEvidence(client));
        Assert.Equal(["749dd9b1-234f-41f5-a6ca-42c4312dd4f1"], _lastAttest.GetProperty("policy_ids").EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public void V1_still_works_when_configured()
    {
        using var client = Client(version: ItaApiVersion.V1);
        var evidence = TdxEvidence(client);
        string token = client.Attest(evidence);

        Assert.Equal(["nonce v1", "attest"], _events);
        Assert.Equal("/appraisal/v1/attest", _lastPath);
        Assert.Equal(["quote", "verifier_nonce", "runtime_data", "policy_ids"], _lastAttest.EnumerateObject().Select(p => p.Name));
        Assert.Equal(evidence.ItaNonce!.Val, _lastAttest.GetProperty("verifier_nonce").GetProperty("val").GetString());
        Assert.Equal(1, _bindingsConfirmed);
        // A v1 token carries the echoed nonce at the top level.
        Assert.Equal(evidence.ItaNonce.Val, new JsonWebToken(token).GetPayloadValue<JsonElement>("verifier_nonce").GetProperty("val").GetString());
        Assert.True(client.Verify(token).Valid);
    }

    [Fact]
    public void Attester_gets_the_nonce_before_the_quote_and_ITA_confirms_the_binding()
    {
        using var client = Client();
        var source = new TdxShapedEvidenceSource(_events);
        using var attester = TdxAttester(client, source);
        var result = attester.AttestVm("rp"u8);
        Assert.True(result.Success, result.Error);
        Assert.Equal(["nonce v2", "quote", "attest"], _events);
        Assert.Equal(1, _bindingsConfirmed);

        // The evidence records scheme ita, the runtime data and the ITA nonce; report_data is SHA-512(val ‖ iat ‖ runtime data).
        var binding = JsonDocument.Parse(result.Evidence!).RootElement.GetProperty("binding");
        Assert.Equal("ita", binding.GetProperty("scheme").GetString());
        byte[] runtimeData = Convert.FromBase64String(binding.GetProperty("runtime_data").GetString()!);
        var runtime = JsonDocument.Parse(runtimeData).RootElement;
        Assert.Equal(Convert.ToHexStringLower(s_module), runtime.GetProperty("module_sha256").GetString());
        Assert.Equal(Convert.ToHexStringLower(attester.HostKey.PublicPoint), runtime.GetProperty("host_key").GetString());
        Assert.Equal(Convert.ToHexStringLower("rp"u8), runtime.GetProperty("nonce").GetString());
        string val = binding.GetProperty("ita_nonce").GetProperty("val").GetString()!, iat = binding.GetProperty("ita_nonce").GetProperty("iat").GetString()!;
        Assert.Equal(val, _lastAttest.GetProperty("tdx").GetProperty("verifier_nonce").GetProperty("val").GetString());
        Assert.Equal(SHA512.HashData([.. Convert.FromBase64String(val), .. Convert.FromBase64String(iat), .. runtimeData]), source.LastReportData);
        Assert.Equal(val, new JsonWebToken(result.Token).GetPayloadValue<JsonElement>("tdx").GetProperty("verifier_nonce").GetProperty("val").GetString());
    }

    [Fact]
    public void Stale_nonce_is_refused()
    {
        _nonceLifetime = TimeSpan.Zero;
        using var client = Client();
        using var attester = TdxAttester(client, new TdxShapedEvidenceSource(_events));
        var result = attester.AttestVm("rp"u8);
        Assert.False(result.Success);
        Assert.Contains("Intel Trust Authority at http://127.0.0.1:", result.Error);
        Assert.Contains("attest refused: HTTP 400: verifier nonce expired", result.Error);
        Assert.Null(result.Token);
    }

    [Fact]
    public void Quote_bound_to_another_nonce_is_refused()
    {
        using var client = Client();
        var first = TdxEvidence(client);
        var other = client.Bind(s_module, s_hostKey, [0xaa]).ItaNonce;
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(first with { ItaNonce = other }));
        Assert.Contains("attest refused: HTTP 400: report data does not match SHA-512(nonce.val || nonce.iat || runtime_data)", e.Message);
        Assert.Equal(0, _bindingsConfirmed);
    }

    [Fact]
    public void Nonce_the_service_did_not_issue_is_refused()
    {
        using var client = Client();
        var evidence = TdxEvidence(client);
        var forged = evidence.ItaNonce! with { Val = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) };
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(evidence with { ItaNonce = forged }));
        Assert.Contains("verifier nonce was not issued by this service", e.Message);
    }

    [Fact]
    public void Evidence_without_an_ITA_nonce_is_not_sent()
    {
        using var client = Client();
        var unbound = TdxEvidence(client) with { ItaNonce = null };
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(unbound));
        Assert.Contains("evidence is not bound to a nonce of this service", e.Message);
        Assert.DoesNotContain("attest", _events);
    }

    [Theory]
    [InlineData(ItaApiVersion.V2)]
    [InlineData(ItaApiVersion.V1)]
    public void Wrong_nonce_is_refused(ItaApiVersion version)
    {
        _mode = "wrong-nonce";
        using var client = Client(version: version);
        var evidence = TdxEvidence(client);
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(evidence));
        Assert.StartsWith("Intel Trust Authority at http://127.0.0.1:", e.Message);
        Assert.Contains($"another nonce (issued {evidence.ItaNonce!.Val}, token says b3RoZXI=)", e.Message);
    }

    [Fact]
    public void Token_naming_two_different_nonces_is_refused()
    {
        _mode = "conflicting-nonces";
        using var client = Client();
        var evidence = TdxEvidence(client);
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(evidence));
        Assert.Contains($"the returned token names two verifier nonces (b3RoZXI= and tdx.{evidence.ItaNonce!.Val})", e.Message);
    }

    [Theory]
    [InlineData("bad-signature", "signature does not verify")]
    [InlineData("expired", "token expired at")]
    [InlineData("refuse", "attest refused: HTTP 400: quote verification failed: TCB out of date")]
    public void Bad_answers_are_refused(string mode, string reason)
    {
        _mode = mode;
        using var client = Client();
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(TdxEvidence(client)));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void Wrong_api_key_is_refused_without_echoing_the_key()
    {
        using var client = Client("wrong-key");
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(TdxEvidence(client)));
        Assert.Equal(401, e.StatusCode);
        Assert.Contains("getting a nonce refused: HTTP 401: invalid api key", e.Message);
        Assert.DoesNotContain("wrong-key", e.Message);
    }

    [Fact]
    public void Unknown_kid_refreshes_the_key_set()
    {
        using var client = Client();
        client.Attest(TdxEvidence(client));
        _authority.Rotate();
        string token = client.Attest(TdxEvidence(client));
        Assert.Equal(2, _certs);
        Assert.True(client.Verify(token).Valid);
    }

    [Fact]
    public void Server_down_and_missing_key_are_clear_errors()
    {
        using var closed = new ClosedPort();
        using var down = Client(endpoint: closed.Uri);
        var e = Assert.Throws<RemoteServiceException>(() => down.Bind(s_module, s_hostKey, []));
        Assert.Contains("getting a nonce: cannot connect", e.Message);
        using var downV1 = Client(endpoint: closed.Uri, version: ItaApiVersion.V1);
        Assert.Contains("getting a nonce: cannot connect", Assert.Throws<RemoteServiceException>(() => downV1.Bind(s_module, s_hostKey, [])).Message);
        var noKey = Assert.Throws<RemoteServiceException>(() => Client(""));
        Assert.Contains("no API key (--ita-api-key or $TEEWASM_ITA_API_KEY)", noKey.Message);
    }

    [Fact]
    public void Snp_evidence_is_not_sent()
    {
        using var client = Client();
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(TdxEvidence(client) with { TeeType = "AMD_SEV_SNP" }));
        Assert.Contains("attests TDX quotes here", e.Message);
    }

    private static readonly Lazy<TdQuoteFactory> s_tdQuotes = new(() => new TdQuoteFactory(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1)));

    // An Azure TDX CVM's evidence JSON as the azure-vtpm source writes it, with the binding the Attester adds: the
    // paravisor's HCL report whose runtime claims carry userData as "user-data", a TD quote for its TDREPORT
    // (report_data = SHA-256(claims) ‖ zeros), and the ita binding (nonce and runtime data).
    private static string AzureEvidenceJson(VmBinding binding, string userDataHex)
    {
        using var ak = RSA.Create(2048);
        byte[] claims = Encoding.UTF8.GetBytes(
            "{\"keys\":[" + RuntimeClaims.ToJwk(ak) + "],\"vm-configuration\":{\"secure-boot\":true,\"tpm-enabled\":true,\"vmUniqueId\":\"TDX\"},\"user-data\":\"" + userDataHex + "\"}");
        byte[] td = SwtpmAzureTdxFixture.TdReport(claims);
        byte[] hcl = HclReport.Build(HclReportType.Tdx, td, claims, totalSize: HclReport.RuntimeClaimsOffset + claims.Length);
        var json = new System.Text.Json.Nodes.JsonObject
        {
            ["tee_type"] = "TDX",
            ["source"] = "azure-vtpm",
            ["report"] = Convert.ToBase64String(hcl),
            ["td_quote"] = Convert.ToBase64String(s_tdQuotes.Value.QuoteFor(td)),
            ["binding"] = System.Text.Json.Nodes.JsonNode.Parse(EvidenceDocument.BindingJson(binding)),
        };
        return json.ToJsonString();
    }

    [Fact]
    public void Azure_TDX_evidence_goes_to_the_azure_path_bound_through_the_HCL_user_data()
    {
        using var client = Client();
        var binding = client.Bind(s_module, s_hostKey, [0xaa]);
        // What go-aztdx writes to NV index 0x01400002 and the paravisor copies into user-data: SHA-512(val ‖ iat ‖ user data).
        var evidence = ServiceEvidence.From(AttestationPlatforms.ReadEvidence(AzureEvidenceJson(binding, Convert.ToHexString(binding.ReportData))));
        Assert.True(evidence.FromAzureHcl);
        Assert.Equal(binding.RuntimeData, evidence.UserData);

        string token = client.Attest(evidence);

        Assert.Equal("/appraisal/v2/attest/azure", _lastPath);
        var tdx = _lastAttest.GetProperty("tdx");
        Assert.Equal(["runtime_data", "quote", "user_data", "verifier_nonce"], tdx.EnumerateObject().Select(p => p.Name));
        Assert.Equal(evidence.RuntimeData, Convert.FromBase64String(tdx.GetProperty("runtime_data").GetString()!));
        Assert.Equal(binding.RuntimeData, Convert.FromBase64String(tdx.GetProperty("user_data").GetString()!));
        Assert.Equal(binding.ItaNonce!.Val, tdx.GetProperty("verifier_nonce").GetProperty("val").GetString());
        Assert.Equal(1, _bindingsConfirmed);
        // ITA puts JSON user data in attester_user_data: the module hash, host key and relying-party nonce.
        var userClaims = new JsonWebToken(token).GetPayloadValue<JsonElement>("tdx").GetProperty("attester_user_data");
        Assert.Equal(Convert.ToHexStringLower(s_module), userClaims.GetProperty("module_sha256").GetString());
        Assert.Equal("aa", userClaims.GetProperty("nonce").GetString());
    }

    [Fact]
    public void Attester_on_an_Azure_TDX_CVM_binds_the_ITA_nonce_through_the_HCL_user_data()
    {
        // swtpm with a fake paravisor (refreshes the HCL report from NV 0x01400002), a loopback IMDS for the TD quote.
        using var tpm = new Swtpm();
        using var imds = new FakeImds(s_tdQuotes.Value);
        Func<byte[], byte[]> hclFor = userData => SwtpmAzureTdxFixture.HclFor(tpm.AkPublic, userData);
        tpm.ProvisionHcl(hclFor(new byte[64]));
        using var client = Client();
        var source = new AzureVtpmEvidenceSource(() => new FakeParavisor(tpm.Connect(), hclFor), TeeType.IntelTdx, new AzureVtpmOptions
        {
            FetchTdQuoteFromImds = true,
            TdQuoteBaseUri = imds.Uri,
            WriteHclUserData = true,
            TdxTrustedRootOverride = s_tdQuotes.Value.Root,
        });
        using var attester = TdxAttester(client, source);

        var result = attester.AttestVm("rp"u8);

        Assert.True(result.Success, result.Error);
        Assert.Equal(["nonce v2", "attest"], _events);
        Assert.Equal("/appraisal/v2/attest/azure", _lastPath);
        Assert.Equal(1, _bindingsConfirmed);
        var binding = JsonDocument.Parse(result.Evidence!).RootElement.GetProperty("binding");
        Assert.Equal("ita", binding.GetProperty("scheme").GetString());
        var userClaims = new JsonWebToken(result.Token).GetPayloadValue<JsonElement>("tdx").GetProperty("attester_user_data");
        Assert.Equal(Convert.ToHexStringLower(attester.HostKey.PublicPoint), userClaims.GetProperty("host_key").GetString());
        Assert.Equal(Convert.ToHexStringLower("rp"u8), userClaims.GetProperty("nonce").GetString());
    }

    [Fact]
    public void Azure_TDX_evidence_whose_user_data_is_for_another_nonce_is_not_sent()
    {
        using var client = Client();
        var bound = client.Bind(s_module, s_hostKey, [0xaa]);
        var other = client.Bind(s_module, s_hostKey, [0xaa]);
        var evidence = ServiceEvidence.From(AttestationPlatforms.ReadEvidence(AzureEvidenceJson(bound, Convert.ToHexString(other.ReportData))));
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(evidence));
        Assert.Contains($"Azure TDX evidence is not bound to this nonce: the HCL runtime claims' user-data is {Convert.ToHexString(other.ReportData)}, " +
            $"not SHA-512(val || iat || user data) = {Convert.ToHexStringLower(bound.ReportData)}", e.Message);
        Assert.DoesNotContain("attest", _events);
    }

    [Fact]
    public void Azure_TDX_evidence_without_an_ITA_nonce_is_a_clear_error()
    {
        // What the azure-vtpm source gives today: the paravisor's user-data, TeeWasm's binding, no ITA nonce.
        using var client = Client();
        var evidence = ServiceEvidence.From(AttestationPlatforms.ReadEvidence(AzureEvidenceJson(VmBinding.TeeWasm(s_module, s_hostKey, [0xaa]), "00")));
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(evidence));
        Assert.Contains("Azure TDX evidence is not bound to a nonce of this service", e.Message);
        Assert.Contains("vTPM NV index 0x01400002", e.Message);
        Assert.DoesNotContain("attest", _events);
    }

    [Fact]
    public void Azure_TDX_evidence_needs_api_v2()
    {
        using var client = Client(version: ItaApiVersion.V1);
        var binding = client.Bind(s_module, s_hostKey, [0xaa]);
        var evidence = ServiceEvidence.From(AttestationPlatforms.ReadEvidence(AzureEvidenceJson(binding, Convert.ToHexString(binding.ReportData))));
        var e = Assert.Throws<RemoteServiceException>(() => client.Attest(evidence));
        Assert.Contains("Azure TDX evidence (TD quote + HCL runtime claims) needs API v2 (/appraisal/v2/attest/azure); API v1 is configured", e.Message);
    }

    [Theory]
    [InlineData("v2", ItaApiVersion.V2)]
    [InlineData("V1", ItaApiVersion.V1)]
    public void Api_version_parses(string text, ItaApiVersion expected)
    {
        Assert.True(ItaOptions.TryParseApiVersion(text, out var version));
        Assert.Equal(expected, version);
        Assert.False(ItaOptions.TryParseApiVersion("v3", out _));
    }

    [Fact]
    public void Default_jwks_address_is_the_portal_for_the_public_api()
    {
        var o = new ItaOptions { Endpoint = new Uri("https://api.trustauthority.intel.com"), ApiKey = "k" };
        Assert.Equal("https://portal.trustauthority.intel.com/certs", o.ResolveJwksUri().ToString());
        Assert.Equal("http://127.0.0.1:1/ita/certs", (o with { Endpoint = new Uri("http://127.0.0.1:1/ita") }).ResolveJwksUri().ToString());
    }
}
