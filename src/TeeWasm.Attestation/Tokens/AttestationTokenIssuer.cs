using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace TeeWasm.Attestation.Tokens;

/// <summary>Issues ES256 JWTs for verified evidence, signed with the attested host key.</summary>
public sealed class AttestationTokenIssuer
{
    private readonly HostAttestationKey _key;
    private readonly TimeProvider _time;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly SigningCredentials _credentials;

    /// <summary>Creates an issuer that signs with <paramref name="key"/>.</summary>
    public AttestationTokenIssuer(HostAttestationKey key, TimeSpan lifetime, TimeProvider? time = null)
    {
        _key = key;
        Lifetime = lifetime;
        _time = time ?? TimeProvider.System;
        _credentials = new SigningCredentials(new ECDsaSecurityKey(key.Key) { KeyId = key.KeyId }, SecurityAlgorithms.EcdsaSha256);
    }

    /// <summary>How long issued tokens stay valid.</summary>
    public TimeSpan Lifetime { get; }

    /// <summary>Issues a token; returns it with its expiry.</summary>
    public (string Token, DateTimeOffset ExpiresAt) Issue(VerifiedEvidence evidence)
    {
        var now = _time.GetUtcNow();
        var expires = now + Lifetime;
        var claims = new Dictionary<string, object>
        {
            [AttestationClaims.Subject] = evidence.Subject,
            [AttestationClaims.Platform] = evidence.Platform,
            [AttestationClaims.Measurement] = Convert.ToHexStringLower(evidence.Measurement),
            [AttestationClaims.ReportData] = Convert.ToHexStringLower(evidence.ReportData),
            [AttestationClaims.ModuleHash] = Convert.ToHexStringLower(evidence.ModuleHash),
            [AttestationClaims.Nonce] = Convert.ToHexStringLower(evidence.Nonce),
            [AttestationClaims.HostKey] = Base64UrlEncoder.Encode(_key.PublicPoint),
            [AttestationClaims.Simulated] = evidence.Simulated,
        };
        if (evidence.GpuIndex is int gpu) claims[AttestationClaims.GpuIndex] = gpu;
        if (evidence.VerifierNote is { } note) claims[AttestationClaims.Verifier] = note;

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = AttestationClaims.LocalIssuer,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            Claims = claims,
            SigningCredentials = _credentials,
        };
        return (ToLowS(_handler.CreateToken(descriptor)), expires);
    }

    // ECDSA leaves s or n − s to chance; the validator accepts only the low-S form of the local verifier's tokens.
    private static string ToLowS(string token)
    {
        int dot = token.LastIndexOf('.');
        byte[] signature = Base64UrlEncoder.DecodeBytes(token[(dot + 1)..]);
        return token[..(dot + 1)] + Base64UrlEncoder.Encode(EcdsaSignatureForm.ToLowS(signature));
    }
}
