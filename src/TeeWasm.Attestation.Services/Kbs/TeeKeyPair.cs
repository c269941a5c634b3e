using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;

namespace TeeWasm.Attestation.Services.Kbs;

/// <summary>The kind of TEE key a <see cref="KbsClient"/> makes for each broker session.</summary>
public enum TeeKeyKind
{
    /// <summary>EC P-256, resource JWE <c>ECDH-ES+A256KW</c>: guest-components' default; made in well under a millisecond.</summary>
    EcP256,

    /// <summary>RSA-2048, resource JWE <c>RSA-OAEP-256</c>: for brokers that take only RSA; making one costs ~0.1–0.3 s of CPU.</summary>
    Rsa2048,
}

/// <summary>
/// The client's side of a TEE key: a fresh key pair per broker session whose public half (<see cref="Jwk"/>, the typed
/// members as <see cref="TeePublicKey.Jwk"/> reads them) is bound into the evidence and whose private half decrypts the
/// resource JWE.
/// </summary>
public sealed class TeeKeyPair : IDisposable
{
    private readonly RSA? _rsa;
    private readonly ECDiffieHellman? _ec;

    private TeeKeyPair(RSA? rsa, ECDiffieHellman? ec, JsonObject jwk)
    {
        _rsa = rsa;
        _ec = ec;
        Jwk = jwk;
    }

    /// <summary>The public key as a JWK: RSA {kty, alg, n, e} or EC {kty, crv, alg, x, y}.</summary>
    public JsonObject Jwk { get; }

    /// <summary>Makes a fresh key of <paramref name="kind"/>.</summary>
    public static TeeKeyPair Create(TeeKeyKind kind)
    {
        if (kind == TeeKeyKind.Rsa2048)
        {
            var rsa = RSA.Create(2048);
            var p = rsa.ExportParameters(false);
            return new TeeKeyPair(rsa, null, new JsonObject
            {
                ["kty"] = "RSA", ["alg"] = JweEnvelope.RsaOaep256,
                ["n"] = Base64UrlEncoder.Encode(p.Modulus), ["e"] = Base64UrlEncoder.Encode(p.Exponent),
            });
        }
        var ec = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var q = ec.ExportParameters(false).Q;
        return new TeeKeyPair(null, ec, new JsonObject
        {
            ["kty"] = "EC", ["crv"] = "P-256", ["alg"] = JweEnvelope.EcdhEsA256Kw,
            ["x"] = Base64UrlEncoder.Encode(q.X), ["y"] = Base64UrlEncoder.Encode(q.Y),
        });
    }

    /// <summary>Decrypts a resource JWE encrypted to this key.</summary>
    /// <exception cref="Evidence.AttestationException">Not for this key, or altered.</exception>
    public byte[] Decrypt(string jwe) => _rsa is not null ? JweEnvelope.Decrypt(jwe, _rsa) : JweEnvelope.Decrypt(jwe, _ec!);

    /// <inheritdoc />
    public void Dispose()
    {
        _rsa?.Dispose();
        _ec?.Dispose();
    }
}
