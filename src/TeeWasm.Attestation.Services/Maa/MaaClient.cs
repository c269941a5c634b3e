using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Http;
using TeeWasm.Attestation.Tokens;

namespace TeeWasm.Attestation.Services.Maa;

/// <summary>
/// Client of Microsoft Azure Attestation for confidential VMs: posts SEV-SNP reports to <c>/attest/SevSnpVm</c> and TDX
/// quotes to <c>/attest/TdxVm</c> with the runtime data (whose SHA-256 report_data begins with, <c>dataType</c> JSON) and a nonce, and
/// verifies the returned JWT against the instance's own <c>/certs</c> (never the token's <c>jku</c>): signature,
/// issuer = the instance, lifetime, and the echoed <c>nonce</c>.
/// </summary>
public sealed class MaaClient : IVmTokenService, IDisposable
{
    /// <summary>The service's name in messages.</summary>
    public const string Name = "Azure Attestation (MAA)";

    private readonly MaaOptions _options;
    private readonly ServiceHttpClient _http;

    /// <summary>Creates the client (no call is made until it is used).</summary>
    public MaaClient(MaaOptions options)
    {
        _options = options;
        _http = new ServiceHttpClient(Name, options.Endpoint, options.Calls);
        Issuer = options.Endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/');
        Keys = new JwksKeySet(_http, new Uri(Issuer + "/certs"), Issuer, options.Time) { MinRefreshInterval = options.KeyRefreshInterval };
    }

    /// <inheritdoc />
    public string Service => _http.Service;

    /// <inheritdoc />
    public string Issuer { get; }

    /// <summary>The instance's signing keys (cached).</summary>
    public JwksKeySet Keys { get; }

    /// <summary>Azure Attestation's binding: report_data = SHA-256(runtime data) ‖ 32 zero bytes (no remote call).</summary>
    public VmBinding Bind(ReadOnlySpan<byte> moduleHash, ReadOnlySpan<byte> hostKey, ReadOnlySpan<byte> nonce, WorkloadIdentity? workload = null) =>
        VmBinding.Maa(moduleHash, hostKey, nonce, workload);

    /// <inheritdoc />
    string IVmTokenService.Attest(AttestationEvidence evidence) => Attest(ServiceEvidence.From(evidence));

    /// <summary>Sends the evidence, receives the token, verifies it (signature, issuer, lifetime, nonce) and returns it.</summary>
    /// <exception cref="RemoteServiceException">The service failed, refused, or answered a token that does not verify.</exception>
    public string Attest(ServiceEvidence evidence)
    {
        string nonce = evidence.Nonce.Length > 0 ? Convert.ToHexStringLower(evidence.Nonce) : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var runtimeData = new JsonObject { ["data"] = Base64UrlEncoder.Encode(evidence.RuntimeData), ["dataType"] = "JSON" };
        (string path, JsonObject body) = evidence.TeeType switch
        {
            "AMD_SEV_SNP" => ($"/attest/SevSnpVm?api-version={_options.SnpApiVersion}", new JsonObject
            {
                ["report"] = Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(new JsonObject
                {
                    ["SnpReport"] = Base64UrlEncoder.Encode(evidence.Report),
                    ["VcekCertChain"] = Base64UrlEncoder.Encode(Encoding.ASCII.GetBytes(string.Concat(evidence.CertificatesPem))),
                }.ToJsonString())),
                ["runtimeData"] = runtimeData,
                ["nonce"] = nonce,
            }),
            "TDX" => ($"/attest/TdxVm?api-version={_options.TdxApiVersion}", new JsonObject
            {
                ["quote"] = Base64UrlEncoder.Encode(evidence.Report),
                ["runtimeData"] = runtimeData,
                ["nonce"] = nonce,
            }),
            _ => throw new RemoteServiceException(Service, $"cannot attest '{evidence.TeeType}' evidence (SEV-SNP and TDX only)"),
        };
        var uri = new Uri(Issuer + path);
        var response = _http.SendOk(() => ServiceHttpClient.PostJson(uri, body), "attest");
        var json = response.Json(Service);
        if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("token", out var t) || t.ValueKind != JsonValueKind.String)
            throw new RemoteServiceException(Service, "attest answer has no \"token\"");
        string token = t.GetString()!;
        Keys.VerifyOrThrow(token, "the returned token");
        var jwt = new JsonWebToken(token);
        if (!jwt.TryGetPayloadValue("nonce", out string echoed) || echoed != nonce)
            throw new RemoteServiceException(Service, $"the returned token is for another nonce (sent {nonce}, token says {(echoed ?? "none")})");
        return token;
    }

    /// <inheritdoc />
    public TokenVerification Verify(string token) => Keys.Verify(token);

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}
