using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Nvidia;
using TeeWasm.Attestation.Tokens;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation.Services.Tokens;

/// <summary>What <see cref="TokenAppraiser"/> checks a token against.</summary>
public sealed record TokenVerifyOptions
{
    /// <summary>The signing keys: a JWKS document (keys as <c>n</c>/<c>e</c>, <c>x</c>/<c>y</c>, or only <c>x5c</c> as Azure Attestation publishes them).</summary>
    public required string JwksJson { get; init; }

    /// <summary>Where the key set came from (a file, a URL), for messages.</summary>
    public string JwksSource { get; init; } = "the key set";

    /// <summary>The issuer the token must name; null leaves the issuer unchecked (a visible SKIP).</summary>
    public string? Issuer { get; init; }

    /// <summary>The time <c>exp</c>/<c>nbf</c> are checked at; null means now.</summary>
    public DateTimeOffset? Time { get; init; }

    /// <summary>Allowed clock difference for <c>exp</c>/<c>nbf</c>.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>The verdict on one token (or on an NRAS detached EAT: the overall token with its submodule tokens).</summary>
public sealed record TokenAppraisal
{
    /// <summary>What the token is: "Azure Attestation (MAA) token", "NVIDIA NRAS detached EAT", "TeeWasm local verifier token"…</summary>
    public required string Kind { get; init; }

    /// <summary>The decoded header (JSON), or null when it does not decode.</summary>
    public string? HeaderJson { get; init; }

    /// <summary>The decoded claims (JSON), or null when they do not decode.</summary>
    public string? ClaimsJson { get; init; }

    /// <summary>The key that verified the signature, in words, or null.</summary>
    public string? Signer { get; init; }

    /// <summary>The checks, in order.</summary>
    public required IReadOnlyList<AppraisalCheck> Checks { get; init; }

    /// <summary>The submodule tokens of a detached EAT ("GPU-0" …), each appraised; empty for a plain token.</summary>
    public IReadOnlyList<KeyValuePair<string, TokenAppraisal>> Submodules { get; init; } = [];

    /// <summary>True when no check failed here or in a submodule.</summary>
    public bool Valid => Checks.All(c => c.Status != CheckStatus.Fail) && Submodules.All(s => s.Value.Valid);

    /// <summary>The machine-readable reason of the first failure ("None" when valid).</summary>
    public string VerdictReason => Checks.FirstOrDefault(c => c.Status == CheckStatus.Fail)?.ReasonCode
        ?? Submodules.Select(s => s.Value).FirstOrDefault(s => !s.Valid)?.VerdictReason ?? "None";

    /// <summary>The failed checks as "name: reason" (submodules prefixed with their name).</summary>
    public string Failures => string.Join("; ", Checks.Where(c => c.Status == CheckStatus.Fail).Select(c => $"{c.Name}: {c.Reason}")
        .Concat(Submodules.Where(s => !s.Value.Valid).Select(s => $"{s.Key}: {s.Value.Failures}")));
}

/// <summary>
/// Verifies an attestation token from a file, as <c>tee-wasm verify TOKEN --jwks …</c> does: a compact JWS (Azure
/// Attestation, Intel Trust Authority, NVIDIA NRAS, TeeWasm's own local verifier and key broker) or NRAS's detached EAT
/// (<c>[["JWT", overall], {"GPU-0": token, …}]</c>), recognised by content. Checks, each with its reason: the format,
/// the algorithm (an allow-list; never <c>none</c>), the signature with the key set's key of the header's <c>kid</c>
/// (never a key the token names by <c>jku</c>/<c>x5u</c>), the issuer (with <c>--issuer</c>), the lifetime at the given
/// time; a TeeWasm local token's report_data binding to module, signing key and nonce; a detached EAT's submodule
/// digests and every submodule token.
/// </summary>
public static class TokenAppraiser
{
    private static readonly string[] s_algorithms =
    [
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384,
    ];

    /// <summary>True when <paramref name="data"/> is a compact JWS or a detached EAT (by content).</summary>
    public static bool IsToken(ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<byte> t = data.Trim(" \t\r\n"u8);
        if (t.Length == 0) return false;
        if (t[0] == (byte)'[') return t.IndexOf("\"JWT\""u8) >= 0;
        if (!t.StartsWith("eyJ"u8)) return false;
        int dots = 0;
        foreach (byte b in t)
        {
            if (b == (byte)'.') dots++;
            else if (!(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_' or (byte)'=')) return false;
        }
        return dots == 2;
    }

    /// <summary>Verifies the token text of a file.</summary>
    /// <exception cref="VerificationInputException">The key set is not a JWKS, or the file is not a token.</exception>
    public static TokenAppraisal Verify(string text, TokenVerifyOptions options)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<SecurityKey> keys = LoadKeys(options.JwksJson, options.JwksSource);
        text = text.Trim();
        if (text.StartsWith('[')) return VerifyDetachedEat(text, keys, options);
        if (!IsToken(Encoding.ASCII.GetBytes(text))) throw new VerificationInputException("not a token: expected a compact JWS (header.payload.signature) or an NRAS detached EAT");
        return VerifyJwt(text, keys, options, kindOverride: null);
    }

    /// <summary>The signing keys of a JWKS document; a key with <c>x5c</c> is taken from its first certificate.</summary>
    /// <exception cref="VerificationInputException">Not a JWKS, or no usable key.</exception>
    public static IReadOnlyList<SecurityKey> LoadKeys(string jwksJson, string source)
    {
        var keys = new List<SecurityKey>();
        try
        {
            using JsonDocument doc = JsonDocument.Parse(jwksJson);
            if (!doc.RootElement.TryGetProperty("keys", out JsonElement array) || array.ValueKind != JsonValueKind.Array)
                throw new VerificationInputException($"--jwks {source}: not a JWKS ({{\"keys\": [...]}})");
            foreach (JsonElement k in array.EnumerateArray())
            {
                string? kid = k.TryGetProperty("kid", out JsonElement id) ? id.GetString() : null;
                if (k.TryGetProperty("x5c", out JsonElement x5c) && x5c.ValueKind == JsonValueKind.Array && x5c.GetArrayLength() > 0)
                {
                    // Azure Attestation's /certs: keys as their certificate only (no n/e).
                    var cert = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(x5c[0].GetString()!));
                    keys.Add(new X509SecurityKey(cert, kid ?? cert.Thumbprint));
                    continue;
                }
                var jwk = new JsonWebKey(k.GetRawText());
                if (JsonWebKeyConverter.TryConvertToSecurityKey(jwk, out SecurityKey key)) keys.Add(key);
            }
        }
        catch (Exception e) when (e is JsonException or FormatException or CryptographicException or ArgumentException or InvalidOperationException)
        {
            throw new VerificationInputException($"--jwks {source}: not a usable JWKS: {e.Message}", e);
        }
        return keys.Count > 0 ? keys : throw new VerificationInputException($"--jwks {source}: the key set holds no usable signing key");
    }

    private static TokenAppraisal VerifyDetachedEat(string json, IReadOnlyList<SecurityKey> keys, TokenVerifyOptions options)
    {
        NrasDetachedEat eat;
        try
        {
            eat = NrasDetachedEat.Parse(json);
        }
        catch (NvidiaAttestationException e)
        {
            throw new VerificationInputException(e.Message, e);
        }
        TokenAppraisal overall = VerifyJwt(eat.OverallToken, keys, options, "NVIDIA NRAS detached EAT (overall token)");
        AppraisalCheck digests;
        try
        {
            eat.VerifySubmoduleDigests(NrasJwt.Parse(eat.OverallToken));
            digests = new("submodules", CheckStatus.Pass, $"the overall token's submods binds {string.Join(", ", eat.SubmoduleTokens.Keys)} by their SHA-256");
        }
        catch (NvidiaAttestationException e)
        {
            digests = new("submodules", CheckStatus.Fail, e.Message) { Code = "SubmoduleDigestMismatch" };
        }
        return overall with
        {
            Kind = "NVIDIA NRAS detached EAT",
            Checks = [.. overall.Checks, digests],
            Submodules = [.. eat.SubmoduleTokens.Select(s => new KeyValuePair<string, TokenAppraisal>(s.Key, VerifyJwt(s.Value, keys, options, $"NRAS {s.Key} token")))],
        };
    }

    private static TokenAppraisal VerifyJwt(string token, IReadOnlyList<SecurityKey> keys, TokenVerifyOptions options, string? kindOverride)
    {
        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(token);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenMalformedException)
        {
            return new TokenAppraisal
            {
                Kind = kindOverride ?? "token",
                Checks = [new AppraisalCheck("format", CheckStatus.Fail, "not a compact JWS with a JSON header and payload: " + e.Message) { Code = "Malformed" }],
            };
        }
        string header = Decode(jwt.EncodedHeader), claims = Decode(jwt.EncodedPayload);
        using JsonDocument payload = JsonDocument.Parse(claims);
        string? issuer = Str(payload.RootElement, "iss");
        string kind = kindOverride ?? KindOf(issuer, payload.RootElement);
        var checks = new List<AppraisalCheck>
        {
            new("format", CheckStatus.Pass, $"compact JWS: header {{alg {jwt.Alg}{(jwt.Kid is { } k ? $", kid {k}" : "")}}}"
                + (jwt.TryGetHeaderValue("jku", out string jku) ? $"; its jku {jku} is not followed: keys come from {options.JwksSource}" : "")),
        };
        bool algOk = s_algorithms.Contains(jwt.Alg);
        checks.Add(algOk
            ? new("algorithm", CheckStatus.Pass, jwt.Alg + " is allowed")
            : new("algorithm", CheckStatus.Fail, $"algorithm '{jwt.Alg}' is not allowed (allowed: {string.Join(", ", s_algorithms)})") { Code = "AlgorithmNotAllowed" });

        string? signer = null;
        SecurityKey? signingKey = null;
        if (algOk)
        {
            IReadOnlyList<SecurityKey> candidates = jwt.Kid is { } kid ? [.. keys.Where(k => k.KeyId == kid)] : keys;
            if (candidates.Count == 0)
            {
                checks.Add(new("signature", CheckStatus.Fail, $"signing key '{jwt.Kid}' is not in {options.JwksSource} (unknown kid)") { Code = "UnknownSigningKey" });
            }
            else
            {
                signingKey = candidates.FirstOrDefault(k => SignatureVerifies(jwt, k));
                if (signingKey is null)
                {
                    checks.Add(new("signature", CheckStatus.Fail, $"the signature does not verify with {(jwt.Kid is null ? $"any key of {options.JwksSource}" : $"key '{jwt.Kid}' of {options.JwksSource}")}") { Code = "SignatureInvalid" });
                }
                else
                {
                    signer = Describe(signingKey);
                    checks.Add(new("signature", CheckStatus.Pass, $"verifies with {signer} of {options.JwksSource}"));
                }
            }
        }
        else
        {
            checks.Add(AppraisalCheck.Untrusted("signature"));
        }

        checks.Add(options.Issuer is null
            ? new("issuer", CheckStatus.Skip, $"not checked: the token names '{issuer ?? "(none)"}'; give --issuer to require it")
            : issuer == options.Issuer
                ? new("issuer", CheckStatus.Pass, $"'{issuer}' as required")
                : new("issuer", CheckStatus.Fail, $"the token is issued by '{issuer ?? "(none)"}', not '{options.Issuer}'") { Code = "IssuerMismatch" });
        checks.Add(Lifetime(payload.RootElement, options));
        if (issuer == AttestationClaims.LocalIssuer) checks.Add(LocalBinding(payload.RootElement, signingKey));
        return new TokenAppraisal { Kind = kind, HeaderJson = header, ClaimsJson = claims, Signer = signer, Checks = checks };
    }

    private static bool SignatureVerifies(JsonWebToken jwt, SecurityKey key)
    {
        var parameters = new TokenValidationParameters
        {
            IssuerSigningKeys = [key], ValidateIssuer = false, ValidateAudience = false, ValidateLifetime = false, RequireExpirationTime = false,
            RequireSignedTokens = true, ValidateIssuerSigningKey = false, ValidAlgorithms = s_algorithms, TryAllIssuerSigningKeys = true,
        };
        return new JsonWebTokenHandler().ValidateTokenAsync(jwt, parameters).GetAwaiter().GetResult().IsValid;
    }

    private static AppraisalCheck Lifetime(JsonElement claims, TokenVerifyOptions options)
    {
        DateTimeOffset now = options.Time ?? DateTimeOffset.UtcNow;
        DateTimeOffset? exp = Time(claims, "exp"), nbf = Time(claims, "nbf"), iat = Time(claims, "iat");
        string window = $"{(nbf ?? iat)?.ToString("u", CultureInfo.InvariantCulture) ?? "?"} to {exp?.ToString("u", CultureInfo.InvariantCulture) ?? "?"}";
        if (exp is null) return new("lifetime", CheckStatus.Fail, "the token has no exp claim") { Code = "NoExpiry" };
        if (now > exp + options.ClockSkew)
            return new("lifetime", CheckStatus.Fail, $"expired at {exp:u} (valid {window}; verification time {now:u})") { Code = "TokenExpired" };
        if (nbf is { } notBefore && now + options.ClockSkew < notBefore)
            return new("lifetime", CheckStatus.Fail, $"not valid before {notBefore:u} (verification time {now:u})") { Code = "TokenNotYetValid" };
        return new("lifetime", CheckStatus.Pass, $"valid {window} at {now:u}");
    }

    /// <summary>A TeeWasm local token: host_key is the signing key, report_data = SHA-512(module_hash ‖ host_key ‖ nonce).</summary>
    private static AppraisalCheck LocalBinding(JsonElement claims, SecurityKey? signingKey)
    {
        string? reportData = Str(claims, AttestationClaims.ReportData), module = Str(claims, AttestationClaims.ModuleHash),
            nonce = Str(claims, AttestationClaims.Nonce), hostKey = Str(claims, AttestationClaims.HostKey);
        if (reportData is null || module is null || nonce is null || hostKey is null)
            return new("binding", CheckStatus.Fail, "a local token must carry report_data, module_hash, nonce and host_key") { Code = "BindingMissing" };
        try
        {
            byte[] point = Base64UrlEncoder.DecodeBytes(hostKey);
            if (signingKey is not null && ToPoint(signingKey) is { } signer && !signer.AsSpan().SequenceEqual(point))
                return new("binding", CheckStatus.Fail, "host_key is not the key that signed the token") { Code = "HostKeyMismatch" };
            byte[] expected = ReportDataBinding.Compute(Convert.FromHexString(module), point, Convert.FromHexString(nonce));
            byte[] actual = Convert.FromHexString(reportData);
            return actual.Length is 32 or 64 && CryptographicOperations.FixedTimeEquals(actual, expected.AsSpan(0, actual.Length))
                ? new("binding", CheckStatus.Pass, "report_data = SHA-512(module_hash ‖ host_key ‖ nonce), host_key is the signing key")
                : new("binding", CheckStatus.Fail, "report_data does not bind module_hash, host_key and nonce") { Code = "BindingMismatch" };
        }
        catch (FormatException)
        {
            return new("binding", CheckStatus.Fail, "the binding claims are not well-formed hex/base64url") { Code = "BindingMalformed" };
        }
    }

    private static byte[]? ToPoint(SecurityKey key)
    {
        if (key is JsonWebKey { Kty: "EC" } j) return [0x04, .. Base64UrlEncoder.DecodeBytes(j.X), .. Base64UrlEncoder.DecodeBytes(j.Y)];
        using ECDsa? owned = key is X509SecurityKey x ? x.Certificate.GetECDsaPublicKey() : null;
        ECDsa? ec = owned ?? (key as ECDsaSecurityKey)?.ECDsa;
        if (ec is null) return null;
        ECParameters p = ec.ExportParameters(false);
        return [0x04, .. p.Q.X!, .. p.Q.Y!];
    }

    /// <summary>Fetches a JWKS document from <paramref name="url"/> (https, or http to loopback), with a timeout and bounded retries.</summary>
    /// <exception cref="Http.RemoteServiceException">It could not be fetched.</exception>
    public static string FetchJwks(Uri url, Http.ServiceCallOptions? calls = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        using var http = new Http.ServiceHttpClient("key set", url, calls ?? new Http.ServiceCallOptions());
        return http.SendOk(() => new HttpRequestMessage(HttpMethod.Get, url), "fetching the key set").Body;
    }

    private static string KindOf(string? issuer, JsonElement claims)
    {
        string i = issuer ?? "";
        if (i == AttestationClaims.LocalIssuer) return "TeeWasm local verifier token";
        if (i == "tee-wasm-kbs") return "TeeWasm key broker token";
        if (i.Contains(".attest.azure.net", StringComparison.OrdinalIgnoreCase)) return "Azure Attestation (MAA) token";
        if (i.Contains("trustauthority.intel.com", StringComparison.OrdinalIgnoreCase)) return "Intel Trust Authority token";
        if (i.Contains("nvidia.com", StringComparison.OrdinalIgnoreCase) || claims.TryGetProperty("eat_nonce", out _)) return "NVIDIA NRAS token";
        return "token";
    }

    private static string Describe(SecurityKey key) => key switch
    {
        X509SecurityKey x => $"key '{key.KeyId}' (certificate '{x.Certificate.Subject}', {x.Certificate.PublicKey.Oid.FriendlyName})",
        RsaSecurityKey r => $"key '{key.KeyId}' (RSA {r.KeySize})",
        ECDsaSecurityKey e => $"key '{key.KeyId}' (EC P-{e.KeySize})",
        JsonWebKey j => $"key '{key.KeyId}' ({j.Kty}{(j.Crv is { } c ? " " + c : "")})",
        _ => $"key '{key.KeyId}'",
    };

    private static DateTimeOffset? Time(JsonElement claims, string name)
    {
        if (!claims.TryGetProperty(name, out JsonElement v)) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long s)) return DateTimeOffset.FromUnixTimeSeconds(s);
        if (v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out s)) return DateTimeOffset.FromUnixTimeSeconds(s);
        return null;
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string Decode(string segment) => Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(segment));
}
