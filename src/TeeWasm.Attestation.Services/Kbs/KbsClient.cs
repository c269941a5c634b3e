using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Audit;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Http;
using TeeWasm.Attestation.Services.Kbs.Trustee;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation.Services.Kbs;

/// <summary>Settings of a <see cref="KbsClient"/>.</summary>
public sealed record KbsClientOptions
{
    /// <summary>The broker, e.g. <c>https://kbs.example.com:8080</c>.</summary>
    public required Uri Endpoint { get; init; }

    /// <summary>Timeout, retries, handler.</summary>
    public ServiceCallOptions Calls { get; init; } = new();

    /// <summary>What the attest step sends: TeeWasm evidence (default) or Trustee's per-TEE evidence.</summary>
    public KbsEvidenceFormat Evidence { get; init; } = KbsEvidenceFormat.TeeWasm;

    /// <summary>The TEE key made per session: EC P-256 (default) or RSA-2048.</summary>
    public TeeKeyKind TeeKey { get; init; } = TeeKeyKind.EcP256;
}

/// <summary>The evidence a <see cref="KbsClient"/> sends to the broker.</summary>
public enum KbsEvidenceFormat
{
    /// <summary>
    /// TeeWasm's evidence JSON, report_data = SHA-512(module ‖ host key ‖ <see cref="KbsProtocol.BindingNonce(string, JsonObject)"/>): binds the guest
    /// module, so the embedded broker's <c>module_hashes</c> rules work; a real Trustee KBS refuses it.
    /// </summary>
    TeeWasm,

    /// <summary>
    /// Trustee KBS protocol 0.4.0: <c>runtime-data</c> {nonce, tee-pubkey}, <c>snp</c>/<c>tdx</c>/<c>az-snp-vtpm</c>/<c>az-tdx-vtpm</c>
    /// evidence in Trustee's formats, report_data = SHA-384(JCS(runtime data)) zero-padded (on an Azure CVM: the bare
    /// hash as TPM quote nonce and HCL user-data); works with Trustee and the embedded broker, but binds no module
    /// (module rules refuse it).
    /// </summary>
    Trustee,
}

/// <summary>
/// Key broker client (Trustee KBS protocol): <c>auth</c> → challenge nonce and session cookie; a fresh TEE key
/// (<see cref="TeeKeyKind"/>); the VM attested by the <see cref="Attester"/> — TeeWasm evidence with report_data bound to
/// module, host key and the key's binding nonce, or Trustee evidence (<see cref="KbsEvidenceFormat"/>); <c>attest</c>; then
/// <c>resource/&lt;repo&gt;/&lt;type&gt;/&lt;tag&gt;</c>, a JWE decrypted with the TEE key. The session is reused until
/// the broker answers 401, then renewed once. Every request, release and refusal goes to the audit log (names only).
/// </summary>
public sealed class KbsClient : ISecretProvider, IDisposable
{
    /// <summary>The service's name in messages.</summary>
    public const string Name = "Key broker (KBS)";

    private readonly ServiceHttpClient _http;
    private readonly Attester _attester;
    private readonly string _base;
    private readonly KbsEvidenceFormat _format;
    private readonly TeeKeyKind _keyKind;
    private readonly Lock _gate = new();
    private string? _cookie;
    private TeeKeyPair? _teeKey;

    /// <summary>Creates the client (no call is made until a secret is asked for).</summary>
    public KbsClient(KbsClientOptions options, Attester attester)
    {
        _http = new ServiceHttpClient(Name, options.Endpoint, options.Calls);
        _attester = attester;
        _base = options.Endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/');
        _format = options.Evidence;
        _keyKind = options.TeeKey;
    }

    /// <summary>"name at URL".</summary>
    public string Service => _http.Service;

    /// <inheritdoc />
    public SecretResult GetSecret(string name)
    {
        Audit(AuditEvents.SecretRequested, name, "requested", null);
        if (KbsProtocol.ResourcePath(name) is not { } path)
            return Refused(name, $"'{name}' is not a secret name (repository/type/tag or a bare tag; letters, digits, . _ -)");
        try
        {
            byte[] secret;
            lock (_gate) secret = Fetch(path);
            Audit(AuditEvents.SecretReleased, name, "released", null);
            return new SecretResult { Success = true, Name = name, Secret = secret };
        }
        catch (AttestationException e)
        {
            return Refused(name, e.Message);
        }
    }

    /// <summary>Gets a secret's bytes, throwing on failure.</summary>
    /// <exception cref="RemoteServiceException">The broker refused or failed.</exception>
    public byte[] Fetch(string path)
    {
        if (_cookie is null || _teeKey is null) Authenticate();
        var response = GetResource(path);
        if (response.Status == HttpStatusCode.Unauthorized)
        {
            Authenticate(); // session expired on the broker: one new attestation
            response = GetResource(path);
        }
        return (int)response.Status switch
        {
            200 => _teeKey!.Decrypt(response.Body),
            401 => throw Error(response, "not authenticated"),
            403 => throw Error(response, $"secret '{path}' refused"),
            404 => throw Error(response, $"no secret '{path}'"),
            _ => throw Error(response, $"resource '{path}' failed"),
        };
    }

    private ServiceResponse GetResource(string path) =>
        _http.Send(() => WithCookie(new HttpRequestMessage(HttpMethod.Get, _base + KbsProtocol.ResourcePrefix + path)), "resource");

    private void Authenticate()
    {
        _cookie = null;
        var detection = _attester.DetectTee();
        if (!detection.Type.SupportsAttestation())
        {
            // Nothing to send: say why without a round trip to the broker.
            var none = _attester.AttestVm();
            throw new AttestationException($"host attestation for the key broker failed: {none.Error}");
        }
        string tee = KbsProtocol.TeeName(detection.Type);
        bool trustee = _format == KbsEvidenceFormat.Trustee;
        // On an Azure CVM Trustee expects its vTPM evidence.
        if (trustee && detection.IsAzureVtpm)
            tee = detection.Type == TeeType.IntelTdx ? TrusteeAzVtpmEvidence.TdxTee : TrusteeAzVtpmEvidence.SnpTee;
        JsonNode extra = trustee
            ? new JsonObject { [TrusteeKbs.SupportedHashAlgorithms] = new JsonArray("sha256", "sha384", "sha512") }
            : JsonValue.Create("");
        var auth = _http.SendOk(() => ServiceHttpClient.PostJson(new Uri(_base + KbsProtocol.AuthPath),
            new JsonObject { ["version"] = trustee ? TrusteeKbs.Version : KbsProtocol.Version, ["tee"] = tee, ["extra-params"] = extra.DeepClone() }), "auth");
        string cookie = SessionCookie(auth) ?? throw new RemoteServiceException(Service, $"auth answer sets no {KbsProtocol.SessionCookie} cookie");
        var challenge = auth.Json(Service);
        if (challenge.ValueKind != JsonValueKind.Object || !challenge.TryGetProperty("nonce", out var n) || n.ValueKind != JsonValueKind.String)
            throw new RemoteServiceException(Service, "auth answer has no challenge nonce");

        var key = TeeKeyPair.Create(_keyKind);
        try
        {
            JsonObject body = trustee
                ? TrusteeAttestation(tee, n.GetString()!, key.Jwk, TrusteeKbs.SelectedHash(challenge))
                : TeeWasmAttestation(n.GetString()!, key.Jwk);
            _cookie = cookie;
            var attest = _http.Send(() => WithCookie(ServiceHttpClient.PostJson(new Uri(_base + KbsProtocol.AttestPath), body)), "attest");
            if ((int)attest.Status is < 200 or >= 300)
            {
                _cookie = null;
                throw Error(attest, "attestation refused");
            }
        }
        catch
        {
            key.Dispose();
            throw;
        }
        _teeKey?.Dispose();
        _teeKey = key;
    }

    private JsonObject TeeWasmAttestation(string nonce, JsonObject jwk)
    {
        var result = _attester.AttestVm(KbsProtocol.BindingNonce(nonce, jwk));
        if (!result.Success || result.Evidence is null)
            throw new AttestationException($"host attestation for the key broker failed: {result.Error}");
        return new JsonObject
        {
            ["tee-pubkey"] = jwk.DeepClone(),
            ["tee-evidence"] = EvidenceDocument.Parse(result.Evidence).ToJsonNode(),
        };
    }

    private JsonObject TrusteeAttestation(string tee, string nonce, JsonObject jwk, HashAlgorithmName hash)
    {
        CollectedEvidence collected;
        try
        {
            byte[] reportData = TrusteeKbs.ReportData(nonce, jwk, "", hash);
            // az-snp-vtpm, az-tdx-vtpm: the quote's nonce is the bare hash; the HCL user-data (64 bytes) starts with it.
            collected = tee is TrusteeAzVtpmEvidence.SnpTee or TrusteeAzVtpmEvidence.TdxTee
                ? _attester.CollectAzureVtpmEvidence(reportData, reportData.AsSpan(0, TrusteeKbs.HashLength(hash)))
                : _attester.CollectVmEvidence(reportData);
        }
        catch (AttestationException e)
        {
            throw new AttestationException($"host attestation for the key broker failed: {e.Message}", e);
        }
        return TrusteeAttestationMessage.Create(tee, nonce, jwk, collected.Evidence);
    }

    private HttpRequestMessage WithCookie(HttpRequestMessage request)
    {
        if (_cookie is not null) request.Headers.Add("Cookie", $"{KbsProtocol.SessionCookie}={_cookie}");
        return request;
    }

    private static string? SessionCookie(ServiceResponse response)
    {
        if (!response.Headers.TryGetValues("Set-Cookie", out var values)) return null;
        foreach (string v in values)
        {
            string first = v.Split(';')[0].Trim();
            if (first.StartsWith(KbsProtocol.SessionCookie + "=", StringComparison.Ordinal))
                return first[(KbsProtocol.SessionCookie.Length + 1)..];
        }
        return null;
    }

    private RemoteServiceException Error(ServiceResponse response, string what)
    {
        string detail = "";
        try
        {
            var root = JsonDocument.Parse(response.Body).RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String)
                detail = ": " + d.GetString();
        }
        catch (JsonException) { if (response.Body.Length is > 0 and < 300) detail = ": " + response.Body.Trim(); }
        return new RemoteServiceException(Service, $"{what} (HTTP {(int)response.Status}){detail}") { StatusCode = (int)response.Status };
    }

    private SecretResult Refused(string name, string reason)
    {
        Audit(AuditEvents.SecretRefused, name, "refused", reason);
        return SecretResult.Failure(name, reason);
    }

    private void Audit(string evt, string name, string verdict, string? reason)
    {
        if (_attester.AuditLog is NullAuditLog) return;
        var detection = _attester.DetectTee();
        _attester.AuditLog.Write(new AuditEvent
        {
            Time = DateTimeOffset.UtcNow,
            Event = evt,
            ModuleHash = Convert.ToHexStringLower(_attester.ModuleHash),
            Platform = detection.Type.ToAbiName(),
            Verdict = verdict,
            Reason = reason,
            Service = Service,
            Subject = name,
            Simulated = detection.Simulated,
        });
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _http.Dispose();
        _teeKey?.Dispose();
    }
}
