using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Http;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Tokens;

namespace TeeWasm.Attestation.Services.Ita;

/// <summary>
/// Client of Intel Trust Authority for TDX. It gets a verifier nonce (<c>GET /appraisal/v2/nonce</c>) before the quote is
/// collected (<see cref="Bind"/>), then posts the quote bound to it, with that nonce and the runtime data, to
/// <c>/appraisal/v2/attest</c> as <c>{"tdx": {quote, runtime_data, verifier_nonce}, policy_ids}</c> (<c>x-api-key</c>).
/// Evidence from an Azure TDX CVM (TD quote + HCL runtime claims) goes to <c>/appraisal/v2/attest/azure</c>. The
/// returned JWT is verified against the configured JWKS: signature, issuer, lifetime, and that it echoes the verifier
/// nonce it was given. <see cref="ItaOptions.ApiVersion"/> v1 speaks the older <c>/appraisal/v1</c> API instead (TDX only).
/// </summary>
public sealed class ItaClient : IVmTokenService, IDisposable
{
    /// <summary>The service's name in messages.</summary>
    public const string Name = "Intel Trust Authority";

    private readonly ItaOptions _options;
    private readonly ServiceHttpClient _http;
    private readonly string _api;

    /// <summary>Creates the client (no call is made until it is used).</summary>
    public ItaClient(ItaOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ApiKey))
            throw new RemoteServiceException(Name, $"no API key (--ita-api-key or ${ItaOptions.ApiKeyVariable})");
        _options = options;
        _http = new ServiceHttpClient(Name, options.Endpoint, options.Calls);
        _api = options.Endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/') + (options.ApiVersion == ItaApiVersion.V1 ? "/appraisal/v1" : "/appraisal/v2");
        Keys = new JwksKeySet(_http, options.ResolveJwksUri(), options.Issuer, options.Time) { MinRefreshInterval = options.KeyRefreshInterval };
    }

    /// <inheritdoc />
    public string Service => _http.Service;

    /// <inheritdoc />
    public string Issuer => _options.Issuer;

    /// <summary>The appraisal API version it speaks.</summary>
    public ItaApiVersion ApiVersion => _options.ApiVersion;

    /// <summary>The service's signing keys (cached).</summary>
    public JwksKeySet Keys { get; }

    /// <summary>
    /// Intel Trust Authority's binding: gets a nonce (<c>GET /appraisal/v2/nonce</c>, or v1) now, before the quote is
    /// collected; report_data = SHA-512(nonce.val ‖ nonce.iat ‖ runtime data), val and iat base64-decoded. On an Azure TDX
    /// CVM the same 64 bytes are what the HCL runtime claims must carry as <c>user-data</c>.
    /// </summary>
    /// <exception cref="RemoteServiceException">The service gave no usable nonce.</exception>
    public VmBinding Bind(ReadOnlySpan<byte> moduleHash, ReadOnlySpan<byte> hostKey, ReadOnlySpan<byte> nonce, WorkloadIdentity? workload = null)
    {
        var nonceJson = _http.SendOk(() => WithKey(new HttpRequestMessage(HttpMethod.Get, _api + "/nonce")), "getting a nonce").Json(Service);
        if (nonceJson.ValueKind != JsonValueKind.Object || !TryString(nonceJson, "val", out string? val) || !TryString(nonceJson, "iat", out string? iat))
            throw new RemoteServiceException(Service, "nonce answer has no \"val\" and \"iat\"");
        var itaNonce = new ItaVerifierNonce(val, iat, TryString(nonceJson, "signature", out string? sig) ? sig : "");
        try
        {
            return VmBinding.Ita(moduleHash, hostKey, nonce, itaNonce, workload);
        }
        catch (AttestationException e) when (e is not RemoteServiceException)
        {
            throw new RemoteServiceException(Service, "nonce answer is malformed: " + e.Message, e);
        }
    }

    /// <inheritdoc />
    public bool BindsThroughHclUserData => true;

    /// <inheritdoc />
    string IVmTokenService.Attest(AttestationEvidence evidence) => Attest(ServiceEvidence.From(evidence));

    /// <summary>Sends the evidence, receives the token, verifies it (signature, issuer, lifetime, nonce) and returns it.</summary>
    /// <remarks>
    /// The evidence must be bound to a nonce from <see cref="Bind"/> (<see cref="ServiceEvidence.ItaNonce"/>); that nonce
    /// is sent back. Azure TDX evidence must carry it through the HCL runtime claims' <c>user-data</c>
    /// (= SHA-512(val ‖ iat ‖ <see cref="ServiceEvidence.UserData"/>)), which is checked here before anything is sent.
    /// </remarks>
    public string Attest(ServiceEvidence evidence)
    {
        if (evidence.TeeType != "TDX")
            throw new RemoteServiceException(Service, $"attests TDX quotes here; got '{evidence.TeeType}' evidence");
        if (evidence.FromAzureHcl && _options.ApiVersion == ItaApiVersion.V1)
            throw new RemoteServiceException(Service, "Azure TDX evidence (TD quote + HCL runtime claims) needs API v2 (/appraisal/v2/attest/azure); API v1 is configured");
        var itaNonce = evidence.ItaNonce ?? throw new RemoteServiceException(Service, evidence.FromAzureHcl
            ? $"Azure TDX evidence is not bound to a nonce of this service: Intel's scheme writes SHA-512(val || iat || user data) to vTPM NV index 0x{AzureVtpmEvidenceSource.UserDataNvIndex:x8} before the HCL report is read, so that the HCL user-data carries it; this evidence was collected without it (TeeWasm does so with AzureVtpmOptions.WriteHclUserData, which --ita-endpoint sets)"
            : "evidence is not bound to a nonce of this service (binding scheme 'ita': the nonce is fetched before the quote, report_data = SHA-512(val || iat || runtime data))");
        var nonce = new JsonObject { ["val"] = itaNonce.Val, ["iat"] = itaNonce.Iat, ["signature"] = itaNonce.Signature };
        JsonObject body;
        string path = "/attest";
        if (_options.ApiVersion == ItaApiVersion.V1)
        {
            body = new JsonObject
            {
                ["quote"] = Convert.ToBase64String(evidence.Report),
                ["verifier_nonce"] = nonce,
                ["runtime_data"] = Convert.ToBase64String(evidence.RuntimeData),
                ["policy_ids"] = new JsonArray([.. _options.PolicyIds.Select(id => JsonValue.Create(id))]),
            };
        }
        else
        {
            // Intel's go-tdx / go-aztdx evidence under "tdx"; fields absent rather than null (Go's omitempty).
            // On Azure runtime_data are the HCL runtime claims and user_data what their user-data hashes with the nonce.
            var tdx = new JsonObject
            {
                ["runtime_data"] = Convert.ToBase64String(evidence.RuntimeData),
                ["quote"] = Convert.ToBase64String(evidence.Report),
            };
            if (evidence.FromAzureHcl)
            {
                CheckAzureUserData(evidence, itaNonce);
                path = "/attest/azure";
                if (evidence.UserData is { Length: > 0 } userData) tdx["user_data"] = Convert.ToBase64String(userData);
            }
            tdx["verifier_nonce"] = nonce;
            body = new JsonObject { ["tdx"] = tdx };
            if (_options.PolicyIds.Count > 0) body["policy_ids"] = new JsonArray([.. _options.PolicyIds.Select(id => JsonValue.Create(id))]);
        }
        var uri = new Uri(_api + path);
        var json = _http.SendOk(() => WithKey(ServiceHttpClient.PostJson(uri, body)), "attest").Json(Service);
        if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("token", out var t) || t.ValueKind != JsonValueKind.String)
            throw new RemoteServiceException(Service, "attest answer has no \"token\"");
        string token = t.GetString()!;
        Keys.VerifyOrThrow(token, "the returned token");
        string? echoed = EchoedNonce(new JsonWebToken(token), out string? conflict);
        if (conflict is not null)
            throw new RemoteServiceException(Service, $"the returned token names two verifier nonces ({conflict})");
        if (echoed != itaNonce.Val)
            throw new RemoteServiceException(Service, $"the returned token is for another nonce (issued {itaNonce.Val}, token says {echoed ?? "none"})");
        return token;
    }

    // Intel's go-aztdx: user-data (hex) of the HCL runtime claims = SHA-512(val || iat || user data); the TD quote's
    // report_data carries the hash of those claims (checked when the evidence was read).
    private void CheckAzureUserData(ServiceEvidence evidence, ItaVerifierNonce itaNonce)
    {
        string? userData;
        try
        {
            userData = RuntimeClaims.Parse(evidence.RuntimeData).UserData;
        }
        catch (AttestationException e)
        {
            throw new RemoteServiceException(Service, "Azure TDX evidence: " + e.Message, e);
        }
        byte[] expected = VmBinding.ItaReportData(itaNonce.ValBytes, itaNonce.IatBytes, evidence.UserData ?? []);
        if (!string.Equals(userData, Convert.ToHexString(expected), StringComparison.OrdinalIgnoreCase))
            throw new RemoteServiceException(Service,
                $"Azure TDX evidence is not bound to this nonce: the HCL runtime claims' user-data is {userData ?? "absent"}, not SHA-512(val || iat || user data) = {Convert.ToHexStringLower(expected)}");
    }

    // v1 tokens carry verifier_nonce at the top level; v2 tokens nest the TEE's claims under "tdx". Both places are
    // read; whichever are present must agree.
    private static string? EchoedNonce(JsonWebToken token, out string? conflict)
    {
        conflict = null;
        string? top = token.TryGetPayloadValue("verifier_nonce", out JsonElement vn) ? NonceVal(vn) : null;
        string? nested = token.TryGetPayloadValue("tdx", out JsonElement tdx) && tdx.ValueKind == JsonValueKind.Object &&
            tdx.TryGetProperty("verifier_nonce", out var nvn) ? NonceVal(nvn) : null;
        if (top is not null && nested is not null && top != nested) conflict = $"{top} and tdx.{nested}";
        return top ?? nested;

        static string? NonceVal(JsonElement n) =>
            n.ValueKind == JsonValueKind.Object && n.TryGetProperty("val", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }

    private static bool TryString(JsonElement o, string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        value = o.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        return value is not null;
    }

    /// <inheritdoc />
    public TokenVerification Verify(string token) => Keys.Verify(token);

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private HttpRequestMessage WithKey(HttpRequestMessage request)
    {
        request.Headers.Add("x-api-key", _options.ApiKey);
        request.Headers.Accept.ParseAdd("application/json");
        return request;
    }
}
