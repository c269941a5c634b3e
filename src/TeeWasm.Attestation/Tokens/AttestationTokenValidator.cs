using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Tokens;

/// <summary>
/// Verifies attestation tokens for real: signature against the trusted issuers' keys (never a key named by the token
/// itself), <c>exp</c>/<c>nbf</c>, issuer, an allow-list of algorithms (no <c>alg:none</c>), and for tokens of the host's
/// local verifier the report_data binding of module hash, signing key and nonce.
/// </summary>
public sealed class AttestationTokenValidator
{
    private static readonly string[] s_algorithms =
    [
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.RsaSha256,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSsaPssSha384,
    ];

    private readonly JsonWebTokenHandler _handler = new();
    private readonly Dictionary<string, List<SecurityKey>> _issuers = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (TokenVerification Verdict, DateTime Expires)> _validCache = new(StringComparer.Ordinal);
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<ECDsaSecurityKey, byte[]> _points = new();
    private TokenValidationParameters _parameters;

    /// <summary>The rejection of a local token whose ECDSA signature is the high-S twin of the one the host signed.</summary>
    public const string NotLowS = "ECDSA signature is not in low-S form (the local verifier signs low-S; the other form is a copy of a token, not one it issued)";

    /// <summary>Most valid verdicts remembered (a token's verdict is reused until its <c>exp</c>).</summary>
    public const int VerdictCacheSize = 1024;

    /// <summary>Creates a validator that trusts no one yet.</summary>
    public AttestationTokenValidator(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _parameters = BuildParameters();
    }

    /// <summary>Whether valid verdicts are remembered until the token expires (on by default).</summary>
    public bool CacheVerdicts { get; init; } = true;

    /// <summary>Allowed clock difference when checking <c>exp</c> and <c>nbf</c>.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Trusts tokens of <paramref name="issuer"/> signed by <paramref name="key"/>.</summary>
    public void TrustIssuer(string issuer, SecurityKey key)
    {
        if (!_issuers.TryGetValue(issuer, out var keys)) _issuers[issuer] = keys = [];
        keys.Add(key);
        _parameters = BuildParameters();
        _validCache.Clear();
    }

    /// <summary>Trusts the host's own local verifier (tokens signed by this host key).</summary>
    public void TrustLocalVerifier(HostAttestationKey hostKey) =>
        TrustIssuer(AttestationClaims.LocalIssuer, new ECDsaSecurityKey(hostKey.ExportPublic()) { KeyId = hostKey.KeyId });

    /// <summary>Trusts the keys of a JWKS document for an issuer (e.g. NRAS, MAA).</summary>
    public void TrustJwks(string issuer, string jwksJson)
    {
        foreach (var key in new JsonWebKeySet(jwksJson).GetSigningKeys()) TrustIssuer(issuer, key);
    }

    /// <summary>Verifies a token. Never throws for a bad token: the reason says what is wrong.</summary>
    public TokenVerification Verify(string token)
    {
        if (string.IsNullOrWhiteSpace(token)) return TokenVerification.Reject("empty token");
        // A token that verified once verifies again until it expires: identical bytes, identical signature.
        if (CacheVerdicts && _validCache.TryGetValue(token, out var cached))
        {
            if (cached.Expires > _time.GetUtcNow().UtcDateTime - ClockSkew) return cached.Verdict;
            _validCache.TryRemove(token, out _);
        }
        // One token, one spelling: the strict split refuses padding, stray characters and non-zero unused bits, and
        // more or fewer than three segments, before the token library sees the string.
        if (!CompactJws.TryParse(token, out var jws, out string? malformed)) return TokenVerification.Reject("malformed token: " + malformed);
        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(token);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenMalformedException)
        {
            return TokenVerification.Reject("malformed token: not a compact JWS");
        }
        string? issuer = jwt.TryGetPayloadValue("iss", out string iss) ? iss : null;
        string claims = jws.PayloadJson;
        if (string.IsNullOrEmpty(jwt.Alg) || jwt.Alg.Equals("none", StringComparison.OrdinalIgnoreCase) || jws.Signature.Length == 0)
            return TokenVerification.Reject("unsigned token (alg none) rejected", issuer, claims);
        if (issuer is null || !_issuers.ContainsKey(issuer))
            return TokenVerification.Reject($"untrusted issuer '{issuer ?? "(none)"}'", issuer, claims);

        var result = _handler.ValidateTokenAsync(jwt, _parameters).GetAwaiter().GetResult();
        if (!result.IsValid) return TokenVerification.Reject(Describe(result.Exception, jwt), issuer, claims);

        if (issuer == AttestationClaims.LocalIssuer)
        {
            // The local issuer signs low-S (AttestationTokenIssuer), so the high-S twin of its signature is a forgery of
            // the string, not a token it issued. Other issuers' ECDSA signatures come in both forms (NRAS's do): see
            // CompactJws.CanonicalToken for how their two spellings stay one token where a token string is a key.
            if (!EcdsaSignatureForm.IsLowS(jws.Signature))
                return TokenVerification.Reject(NotLowS, issuer, claims);
            if (CheckLocalBinding(jwt, result.SecurityToken as JsonWebToken) is { } bindingError)
                return TokenVerification.Reject(bindingError, issuer, claims);
        }
        var verdict = new TokenVerification { Valid = true, Issuer = issuer, ClaimsJson = claims };
        if (CacheVerdicts)
        {
            if (_validCache.Count >= VerdictCacheSize) _validCache.Clear();
            _validCache[token] = (verdict, jwt.ValidTo);
        }
        return verdict;
    }

    private TokenValidationParameters BuildParameters() => new()
    {
        ValidIssuers = _issuers.Keys.ToArray(),
        IssuerSigningKeys = _issuers.Values.SelectMany(k => k).ToArray(),
        ValidateIssuer = true,
        ValidateAudience = false,
        ValidateLifetime = true,
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        ValidateIssuerSigningKey = true,
        ValidAlgorithms = s_algorithms,
        ClockSkew = ClockSkew,
        LifetimeValidator = ValidateLifetime,
        TryAllIssuerSigningKeys = true,
    };

    // Uses the injectable clock rather than DateTime.UtcNow.
    private bool ValidateLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters p)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        if (expires is null) throw new SecurityTokenNoExpirationException("token has no exp claim");
        if (notBefore is { } nbf && nbf > now + p.ClockSkew)
            throw new SecurityTokenNotYetValidException($"token not valid before {nbf:u}") { NotBefore = nbf };
        if (expires.Value < now - p.ClockSkew)
            throw new SecurityTokenExpiredException($"token expired at {expires:u}") { Expires = expires.Value };
        return true;
    }

    private static string Describe(Exception? e, JsonWebToken jwt) => e switch
    {
        SecurityTokenExpiredException x => $"token expired at {x.Expires:u}",
        SecurityTokenNotYetValidException x => $"token not valid before {x.NotBefore:u}",
        SecurityTokenNoExpirationException => "token has no exp claim",
        SecurityTokenInvalidAlgorithmException => $"algorithm '{jwt.Alg}' not allowed",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException =>
            "signature does not verify with any trusted key",
        SecurityTokenInvalidIssuerException => "untrusted issuer",
        null => "token rejected",
        _ => "token rejected: " + e.Message,
    };

    // The report_data a local token carries must be SHA-512(module_hash ‖ signing key ‖ nonce), or with workload_sha256
    // the launch's binding (ReportDataBinding.ComputeForWorkload).
    private string? CheckLocalBinding(JsonWebToken jwt, JsonWebToken? validated)
    {
        if (!jwt.TryGetPayloadValue(AttestationClaims.ReportData, out string reportData) ||
            !jwt.TryGetPayloadValue(AttestationClaims.ModuleHash, out string moduleHash) ||
            !jwt.TryGetPayloadValue(AttestationClaims.Nonce, out string nonce) ||
            !jwt.TryGetPayloadValue(AttestationClaims.HostKey, out string hostKey))
            return "local token lacks report_data/module_hash/nonce/host_key claims";
        if (validated?.SigningKey is not ECDsaSecurityKey signer) return "local token not signed by an EC key";
        byte[] signerPoint = _points.GetValue(signer, static k =>
        {
            var p = k.ECDsa.ExportParameters(false);
            return [0x04, .. p.Q.X!, .. p.Q.Y!];
        });
        try
        {
            if (!Base64UrlEncoder.DecodeBytes(hostKey).AsSpan().SequenceEqual(signerPoint))
                return "host_key claim is not the key that signed the token";
            // VM reports carry the whole 64-byte binding; GPU reports carry its first 32 bytes as their nonce. A bound
            // launch's token names its workload digest, which the binding then covers too.
            byte[] expected = jwt.TryGetPayloadValue(AttestationClaims.WorkloadSha256, out string workload)
                ? ReportDataBinding.ComputeForWorkload(Convert.FromHexString(moduleHash), signerPoint, Convert.FromHexString(workload), Convert.FromHexString(nonce))
                : ReportDataBinding.Compute(Convert.FromHexString(moduleHash), signerPoint, Convert.FromHexString(nonce));
            byte[] actual = Convert.FromHexString(reportData);
            if (actual.Length is not (32 or 64) || !CryptographicOperations.FixedTimeEquals(actual, expected.AsSpan(0, actual.Length)))
                return "report_data does not bind module hash, host key and nonce";
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            return "local token claims are not well-formed hex/base64url";
        }
        return null;
    }
}
