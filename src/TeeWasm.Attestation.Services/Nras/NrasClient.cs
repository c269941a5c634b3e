using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TeeWasm.Attestation.Inputs;
using TeeWasm.Attestation.Platforms.Nvidia;

namespace TeeWasm.Attestation.Services.Nras;

/// <summary>
/// NVIDIA Remote Attestation Service client: posts GPU evidence to the attestation endpoint, receives the detached EAT
/// and verifies it for real — every token's ES384 signature against NRAS's JWKS (fetched from the configured URL only,
/// never a URL the token names; cached, refetched once on an unknown kid), issuer, exp/nbf, <c>eat_nonce</c> equal to our
/// nonce, the overall result, the submodule digests, and <c>measres == "success"</c> per GPU. Every HTTP call has a
/// timeout and a bounded retry; errors name the service.
/// </summary>
public sealed class NrasClient : IRemoteGpuVerifier, IDisposable
{
    private readonly NrasOptions _options;
    private readonly HttpClient _http;
    private readonly SemaphoreSlim _jwksGate = new(1, 1);
    private Dictionary<string, ECDsa> _keys = new(StringComparer.Ordinal);
    private DateTimeOffset _keysFetched = DateTimeOffset.MinValue;

    /// <summary>Creates a client; <paramref name="handler"/> replaces the default HTTP handler (tests, proxies).</summary>
    public NrasClient(NrasOptions? options = null, HttpMessageHandler? handler = null)
    {
        _options = options ?? new NrasOptions();
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = Timeout.InfiniteTimeSpan; // per-attempt timeouts below
    }

    /// <summary>The options in use.</summary>
    public NrasOptions Options => _options;

    /// <summary>Sends the evidence of one or more GPUs (report, PEM chain) for <paramref name="nonce"/> and verifies the verdict.</summary>
    /// <exception cref="NvidiaAttestationException">
    /// Reason <see cref="NvidiaFailureReason.Nras"/>: the service failed or its answer does not verify;
    /// <see cref="NvidiaFailureReason.NrasRefused"/>: its verified verdict says the GPU is not attested.
    /// </exception>
    public async Task<NrasAttestation> AttestAsync(IReadOnlyList<(byte[] Report, string CertificateChainPem)> evidence, byte[] nonce,
        string arch = "HOPPER", CancellationToken cancellationToken = default)
    {
        string nonceHex = Convert.ToHexStringLower(nonce);
        var list = new JsonArray();
        foreach (var (report, pem) in evidence)
            list.Add((JsonNode)new JsonObject
            {
                ["evidence"] = Convert.ToBase64String(report),
                ["certificate"] = Convert.ToBase64String(Encoding.ASCII.GetBytes(pem)),
            });
        var body = new JsonObject { ["nonce"] = nonceHex, ["arch"] = arch, ["evidence_list"] = list, ["claims_version"] = "3.0" };
        string json = body.ToJsonString();

        string response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, _options.Endpoint)
            {
                Content = new StringContent(json, Encoding.UTF8, "application/json"),
            };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (!string.IsNullOrEmpty(_options.ApiKey))
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.ApiKey);
            return request;
        }, "attestation", cancellationToken).ConfigureAwait(false);

        return await VerifyAsync(response, nonce, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    RemoteGpuVerdict IRemoteGpuVerifier.Attest(IReadOnlyList<(byte[] Report, string CertificateChainPem)> evidence, byte[] nonce, string arch)
    {
        NrasAttestation attestation = Attest(evidence, nonce, arch);
        return new RemoteGpuVerdict(attestation.OverallToken, attestation.OverallClaimsJson);
    }

    /// <summary>Synchronous <see cref="AttestAsync"/>.</summary>
    public NrasAttestation Attest(IReadOnlyList<(byte[] Report, string CertificateChainPem)> evidence, byte[] nonce, string arch = "HOPPER") =>
        AttestAsync(evidence, nonce, arch).GetAwaiter().GetResult();

    /// <summary>Verifies a detached EAT (as NRAS returns it) for <paramref name="nonce"/>.</summary>
    /// <exception cref="NvidiaAttestationException">Reason <see cref="NvidiaFailureReason.Nras"/> (or <see cref="NvidiaFailureReason.NrasRefused"/> for a verified negative verdict) and what is wrong.</exception>
    public async Task<NrasAttestation> VerifyAsync(string detachedEatJson, byte[] nonce, CancellationToken cancellationToken = default)
    {
        NrasDetachedEat eat = NrasDetachedEat.Parse(detachedEatJson);
        NrasJwt overall = NrasJwt.Parse(eat.OverallToken);
        await VerifyTokenAsync(overall, "overall", nonce, cancellationToken).ConfigureAwait(false);
        if (overall.GetBoolean("x-nvidia-overall-att-result") != true)
            throw Refused("NRAS verdict: overall attestation result is false (x-nvidia-overall-att-result)");
        if (eat.SubmoduleTokens.Count == 0) throw Error("NRAS response has no GPU token");
        eat.VerifySubmoduleDigests(overall);

        var claims = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, token) in eat.SubmoduleTokens)
        {
            NrasJwt gpu = NrasJwt.Parse(token);
            await VerifyTokenAsync(gpu, name, nonce, cancellationToken).ConfigureAwait(false);
            string? measres = gpu.GetString("measres");
            if (measres != "success")
                throw Refused($"NRAS verdict for {name}: measurement comparison result (measres) is '{measres ?? "(absent)"}', not 'success'");
            claims[name] = gpu.PayloadJson;
        }
        return new NrasAttestation(eat.OverallToken, overall.PayloadJson, claims, detachedEatJson);
    }

    /// <summary>Drops the cached NRAS keys.</summary>
    public void ClearKeys()
    {
        foreach (ECDsa k in _keys.Values) k.Dispose();
        _keys = new(StringComparer.Ordinal);
        _keysFetched = DateTimeOffset.MinValue;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        ClearKeys();
        _http.Dispose();
        _jwksGate.Dispose();
    }

    private async Task VerifyTokenAsync(NrasJwt jwt, string what, byte[] nonce, CancellationToken ct)
    {
        if (jwt.Algorithm != "ES384")
            throw Error($"NRAS {what} token uses alg '{jwt.Algorithm}'; only ES384 is accepted");
        if (string.IsNullOrEmpty(jwt.KeyId)) throw Error($"NRAS {what} token has no kid");
        ECDsa key = await GetKeyAsync(jwt.KeyId, ct).ConfigureAwait(false);
        if (!key.VerifyData(jwt.SigningInput, jwt.Signature, HashAlgorithmName.SHA384, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
            throw Error($"NRAS {what} token signature does not verify with NRAS key '{jwt.KeyId}'");

        string? iss = jwt.GetString("iss");
        if (iss != _options.Issuer) throw Error($"NRAS {what} token issuer '{iss}' is not the configured '{_options.Issuer}'");
        DateTimeOffset now = _options.Time.GetUtcNow();
        DateTimeOffset exp = jwt.GetTime("exp") ?? throw Error($"NRAS {what} token has no exp");
        if (now > exp + _options.ClockSkew) throw Error($"NRAS {what} token expired at {exp:u} (now {now:u})");
        if (jwt.GetTime("nbf") is { } nbf && now + _options.ClockSkew < nbf) throw Error($"NRAS {what} token is not valid before {nbf:u}");
        string? eatNonce = jwt.GetString("eat_nonce");
        if (eatNonce is null || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(eatNonce.ToLowerInvariant()), Encoding.ASCII.GetBytes(Convert.ToHexStringLower(nonce))))
            throw Error($"NRAS {what} token eat_nonce '{eatNonce}' is not our nonce {Convert.ToHexStringLower(nonce)}");
    }

    private async Task<ECDsa> GetKeyAsync(string kid, CancellationToken ct)
    {
        await _jwksGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            bool stale = _options.Time.GetUtcNow() - _keysFetched > _options.JwksLifetime;
            if (!stale && _keys.TryGetValue(kid, out ECDsa? key)) return key;
            // Unknown kid (NRAS rotated its keys) or stale cache: refetch once.
            string jwks = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, _options.JwksUrl), "JWKS", ct).ConfigureAwait(false);
            // Replace, don't dispose: a verification on another thread may still hold a previous key.
            _keys = ParseJwks(jwks);
            _keysFetched = _options.Time.GetUtcNow();
            return _keys.TryGetValue(kid, out key) ? key
                : throw Error($"NRAS token key '{kid}' is not in the NRAS key set at {_options.JwksUrl} (unknown kid)");
        }
        finally
        {
            _jwksGate.Release();
        }
    }

    /// <summary>The P-384 keys of a JWKS document by kid.</summary>
    internal static Dictionary<string, ECDsa> ParseJwks(string json)
    {
        var keys = new Dictionary<string, ECDsa>(StringComparer.Ordinal);
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            foreach (JsonElement k in doc.RootElement.GetProperty("keys").EnumerateArray())
            {
                if (k.TryGetProperty("kty", out var kty) && kty.GetString() != "EC") continue;
                if (!k.TryGetProperty("crv", out var crv) || crv.GetString() != "P-384") continue;
                if (!k.TryGetProperty("kid", out var kid) || kid.GetString() is not { } id) continue;
                if (k.TryGetProperty("x", out var x) && k.TryGetProperty("y", out var y))
                {
                    keys[id] = ECDsa.Create(new ECParameters
                    {
                        Curve = ECCurve.NamedCurves.nistP384,
                        Q = new ECPoint { X = Base64Url.DecodeFromChars(x.GetString()), Y = Base64Url.DecodeFromChars(y.GetString()) },
                    });
                }
                else if (k.TryGetProperty("x5c", out var x5c) && x5c.GetArrayLength() > 0)
                {
                    // A key given only by its certificate (x5c[0], standard base64 DER).
                    using var cert = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(x5c[0].GetString()!));
                    keys[id] = cert.GetECDsaPublicKey() ?? throw new FormatException($"x5c of key {id} is not an EC certificate");
                }
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or CryptographicException)
        {
            foreach (ECDsa k in keys.Values) k.Dispose();
            throw Error("NRAS key set (JWKS) does not parse: " + e.Message, e);
        }
        return keys;
    }

    private async Task<string> SendAsync(Func<HttpRequestMessage> build, string what, CancellationToken ct)
    {
        Exception? last = null;
        string lastProblem = "";
        TimeSpan delay = _options.RetryDelay;
        int attempts = Math.Max(1, _options.MaxAttempts);
        for (int attempt = 1; attempt <= attempts; attempt++)
        {
            if (attempt > 1)
            {
                await Task.Delay(delay, ct).ConfigureAwait(false);
                delay *= 2;
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_options.Timeout);
            using HttpRequestMessage request = build();
            try
            {
                using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                string text = await ReadBodyAsync(response, what, timeout.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode) return text;
                int code = (int)response.StatusCode;
                lastProblem = $"HTTP {code} {response.ReasonPhrase}{(text.Length > 0 ? ": " + Truncate(text) : "")}";
                if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                    throw Error($"NRAS {what} request to {request.RequestUri} was refused ({lastProblem}) - "
                        + (string.IsNullOrEmpty(_options.ApiKey) ? "NVIDIA_API_KEY is not set (get a key at https://org.ngc.nvidia.com/setup/api-key)" : "the API key may not have attestation permissions"));
                if (code != 429 && code < 500) throw Error($"NRAS {what} request to {request.RequestUri} failed: {lastProblem}");
            }
            catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
            {
                last = e;
                lastProblem = $"no answer within {_options.Timeout.TotalSeconds:0.#} s";
            }
            catch (HttpRequestException e)
            {
                last = e;
                lastProblem = e.Message;
            }
        }
        throw Error($"NRAS {what} service at {(what == "JWKS" ? _options.JwksUrl : _options.Endpoint)} is unavailable after {attempts} attempt(s): {lastProblem}", last);
    }

    // The body, at most the cap of its kind (docs/limits.md).
    private async Task<string> ReadBodyAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        int limit = what == "JWKS" ? InputLimits.Jwks : InputLimits.ServiceAnswer;
        string source = (what == "JWKS" ? _options.JwksUrl : _options.Endpoint).ToString();
        try
        {
            if (response.Content.Headers.ContentLength > limit) throw new InputTooLargeException($"NRAS {what} answer", source, limit);
            using Stream stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            return BoundedRead.Decode(await BoundedRead.StreamAsync(stream, limit, $"NRAS {what} answer", source, ct).ConfigureAwait(false));
        }
        catch (InputTooLargeException e)
        {
            throw Error(e.Message, e);
        }
    }

    private static string Truncate(string s) => s.Length <= 200 ? s : s[..200] + "…";

    private static NvidiaAttestationException Error(string message, Exception? inner = null) =>
        inner is null ? new(NvidiaFailureReason.Nras, message) : new(NvidiaFailureReason.Nras, message, inner);

    // A verified verdict that says no (checked only after every token verified).
    private static NvidiaAttestationException Refused(string message) => new(NvidiaFailureReason.NrasRefused, message);
}
