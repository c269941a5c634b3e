using TeeWasm.Attestation.Http;
using TeeWasm.Attestation.Inputs;
using TeeWasm.Attestation.Tokens;

namespace TeeWasm.Attestation.Services;

/// <summary>
/// A service's token signing keys, fetched from its configured JWKS address (never from a token's <c>jku</c>), cached,
/// and fetched again when a token names a <c>kid</c> the cache does not hold (at most once per
/// <see cref="MinRefreshInterval"/>, so junk tokens cannot make us hammer the service).
/// </summary>
public sealed class JwksKeySet
{
    private readonly ServiceHttpClient _http;
    private readonly Uri _jwksUri;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private AttestationTokenValidator? _validator;
    private HashSet<string> _kids = new(StringComparer.Ordinal);
    private DateTimeOffset _fetchedAt = DateTimeOffset.MinValue;

    internal JwksKeySet(ServiceHttpClient http, Uri jwksUri, string issuer, TimeProvider? time)
    {
        _http = http;
        _jwksUri = jwksUri;
        Issuer = issuer;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The issuer tokens must name.</summary>
    public string Issuer { get; }

    /// <summary>The JWKS address.</summary>
    public Uri JwksUri => _jwksUri;

    /// <summary>Shortest time between two fetches of the key set.</summary>
    public TimeSpan MinRefreshInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many times the key set was fetched.</summary>
    public int FetchCount { get; private set; }

    /// <summary>Verifies a token against the service's keys; never throws (an unreachable service is a rejection with its reason).</summary>
    public TokenVerification Verify(string token)
    {
        if (!CompactJws.TryParse(token, out var jws, out string? malformed)) return TokenVerification.Reject("malformed token: " + malformed);
        string? kid = jws.HeaderString("kid");
        AttestationTokenValidator validator;
        lock (_gate)
        {
            try
            {
                bool unknownKid = kid is not null && !_kids.Contains(kid);
                if (_validator is null || (unknownKid && _time.GetUtcNow() - _fetchedAt >= MinRefreshInterval)) Refresh();
            }
            catch (RemoteServiceException e)
            {
                if (_validator is null) return TokenVerification.Reject($"signing keys unavailable: {e.Message}");
            }
            if (kid is not null && !_kids.Contains(kid))
                return TokenVerification.Reject($"signing key '{kid}' is not in {_http.Service}'s key set ({_jwksUri}), even after a refresh");
            validator = _validator!;
        }
        return validator.Verify(token);
    }

    /// <summary>Verifies a token and throws when it is not valid.</summary>
    internal TokenVerification VerifyOrThrow(string token, string what)
    {
        var verdict = Verify(token);
        if (!verdict.Valid) throw new RemoteServiceException(_http.Service, $"{what} does not verify: {verdict.Reason}");
        return verdict;
    }

    private void Refresh()
    {
        var response = _http.SendOk(() => new HttpRequestMessage(HttpMethod.Get, _jwksUri), "fetching signing keys", InputLimits.Jwks);
        Microsoft.IdentityModel.Tokens.JsonWebKeySet set;
        try
        {
            set = new Microsoft.IdentityModel.Tokens.JsonWebKeySet(response.Body);
        }
        catch (ArgumentException e)
        {
            throw new RemoteServiceException(_http.Service, $"signing keys at {_jwksUri} are not a JWKS: {e.Message}");
        }
        var validator = new AttestationTokenValidator(_time);
        var kids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in set.GetSigningKeys())
        {
            validator.TrustIssuer(Issuer, key);
            if (key.KeyId is { } id) kids.Add(id);
        }
        if (kids.Count == 0) throw new RemoteServiceException(_http.Service, $"key set at {_jwksUri} holds no usable signing key");
        _validator = validator;
        _kids = kids;
        _fetchedAt = _time.GetUtcNow();
        FetchCount++;
    }
}
