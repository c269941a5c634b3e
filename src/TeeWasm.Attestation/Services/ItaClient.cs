using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using TeeWasm.Attestation.Tokens;

namespace TeeWasm.Attestation.Services;

/// <summary>
/// Client of Intel Trust Authority for TDX: gets a verifier nonce (<c>GET /appraisal/v1/nonce</c>) before the quote is
/// collected (<see cref="Bind"/>), posts the quote bound to it with that nonce and the runtime data to
/// <c>/appraisal/v1/attest</c> (<c>x-api-key</c>), and verifies the returned JWT against
/// the configured JWKS: signature, issuer, lifetime, and that it echoes the verifier nonce it was given.
/// </summary>
public sealed class ItaClient : IVmTokenService, IDisposable
{
    /// <summary>The service's name in messages.</summary>
    public const string Name = "Intel Trust Authority";

    private readonly ItaOptions _options;
    private readonly ServiceHttpClient _http;
    private readonly string _base;

    /// <summary>Creates the client (no call is made until it is used).</summary>
    public ItaClient(ItaOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ApiKey))
            throw new RemoteServiceException(Name, $"no API key (--ita-api-key or ${ItaOptions.ApiKeyVariable})");
        _options = options;
        _http = new ServiceHttpClient(Name, options.Endpoint, options.Calls);
        _base = options.Endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/');
        Keys = new JwksKeySet(_http, options.ResolveJwksUri(), options.Issuer, options.Time) { MinRefreshInterval = options.KeyRefreshInterval };
    }

    /// <inheritdoc />
    public string Service => _http.Service;

    /// <inheritdoc />
    public string Issuer => _options.Issuer;

    /// <summary>The service's signing keys (cached).</summary>
    public JwksKeySet Keys { get; }

    /// <summary>
    /// Intel Trust Authority's binding: gets a nonce (<c>GET /appraisal/v1/nonce</c>) now, before the quote is collected;
    /// report_data = SHA-512(nonce.val ‖ nonce.iat ‖ runtime data), val and iat base64-decoded.
    /// </summary>
    /// <exception cref="RemoteServiceException">The service gave no usable nonce.</exception>
    public Binding.VmBinding Bind(ReadOnlySpan<byte> moduleHash, ReadOnlySpan<byte> hostKey, ReadOnlySpan<byte> nonce)
    {
        var nonceJson = _http.SendOk(() => WithKey(new HttpRequestMessage(HttpMethod.Get, _base + "/appraisal/v1/nonce")), "getting a nonce").Json(Service);
        if (nonceJson.ValueKind != JsonValueKind.Object || !TryString(nonceJson, "val", out string? val) || !TryString(nonceJson, "iat", out string? iat))
            throw new RemoteServiceException(Service, "nonce answer has no \"val\" and \"iat\"");
        var itaNonce = new Binding.ItaVerifierNonce(val, iat, TryString(nonceJson, "signature", out string? sig) ? sig : "");
        try
        {
            return Binding.VmBinding.Ita(moduleHash, hostKey, nonce, itaNonce);
        }
        catch (AttestationException e) when (e is not RemoteServiceException)
        {
            throw new RemoteServiceException(Service, "nonce answer is malformed: " + e.Message, e);
        }
    }

    /// <inheritdoc />
    /// <remarks>The evidence must be bound to a nonce from <see cref="Bind"/> (<see cref="ServiceEvidence.ItaNonce"/>); that nonce is sent back.</remarks>
    public string Attest(ServiceEvidence evidence)
    {
        if (evidence.TeeType != "TDX")
            throw new RemoteServiceException(Service, $"attests TDX quotes here; got '{evidence.TeeType}' evidence");
        var itaNonce = evidence.ItaNonce ?? throw new RemoteServiceException(Service,
            "evidence is not bound to a nonce of this service (binding scheme 'ita': the nonce is fetched before the quote, report_data = SHA-512(val || iat || runtime data))");
        var body = new
        {
            quote = Convert.ToBase64String(evidence.Report),
            verifier_nonce = new { val = itaNonce.Val, iat = itaNonce.Iat, signature = itaNonce.Signature },
            runtime_data = Convert.ToBase64String(evidence.RuntimeData),
            policy_ids = _options.PolicyIds,
        };
        var uri = new Uri(_base + "/appraisal/v1/attest");
        var json = _http.SendOk(() => WithKey(ServiceHttpClient.PostJson(uri, body)), "attest").Json(Service);
        if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("token", out var t) || t.ValueKind != JsonValueKind.String)
            throw new RemoteServiceException(Service, "attest answer has no \"token\"");
        string token = t.GetString()!;
        Keys.VerifyOrThrow(token, "the returned token");
        string? echoed = null;
        if (new JsonWebToken(token).TryGetPayloadValue("verifier_nonce", out JsonElement vn) &&
            vn.ValueKind == JsonValueKind.Object && vn.TryGetProperty("val", out var v) && v.ValueKind == JsonValueKind.String)
            echoed = v.GetString();
        if (echoed != itaNonce.Val)
            throw new RemoteServiceException(Service, $"the returned token is for another nonce (issued {itaNonce.Val}, token says {echoed ?? "none"})");
        return token;
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
