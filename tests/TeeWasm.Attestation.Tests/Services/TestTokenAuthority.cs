using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace TeeWasm.Attestation.Tests.Services;

/// <summary>A token service's signing keys for tests: RSA keys with certificates, published MAA-style (x5c) in a JWKS.</summary>
internal sealed class TestTokenAuthority : IDisposable
{
    private readonly List<(string Kid, RSA Key, X509Certificate2 Cert)> _published = [];

    public TestTokenAuthority() => Current = AddKey();

    /// <summary>The key new tokens are signed with.</summary>
    public (string Kid, RSA Key, X509Certificate2 Cert) Current { get; private set; }

    /// <summary>Makes a key and publishes it.</summary>
    public (string Kid, RSA Key, X509Certificate2 Cert) AddKey(bool publish = true)
    {
        var rsa = RSA.Create(2048);
        var req = new CertificateRequest("CN=Test Token Service", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        string kid = Base64UrlEncoder.Encode(SHA256.HashData(cert.RawData));
        var entry = (kid, rsa, cert);
        if (publish) _published.Add(entry);
        return entry;
    }

    /// <summary>Rotates: a new published key signs from now on.</summary>
    public void Rotate() => Current = AddKey();

    /// <summary>The JWKS: keys as <c>x5c</c> only (as MAA publishes them).</summary>
    public string Jwks() => JsonSerializer.Serialize(new
    {
        keys = _published.Select(k => new { kid = k.Kid, kty = "RSA", x5c = new[] { Convert.ToBase64String(k.Cert.RawData) } }),
    });

    public string Sign(string issuer, IDictionary<string, object> claims, TimeSpan? lifetime = null, DateTime? now = null,
        (string Kid, RSA Key, X509Certificate2 Cert)? with = null)
    {
        var key = with ?? Current;
        var issued = now ?? DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            IssuedAt = issued,
            NotBefore = issued,
            Expires = issued + (lifetime ?? TimeSpan.FromHours(8)),
            Claims = claims,
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key.Key) { KeyId = key.Kid }, SecurityAlgorithms.RsaSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    public void Dispose()
    {
        foreach (var (_, key, cert) in _published) { key.Dispose(); cert.Dispose(); }
    }
}
