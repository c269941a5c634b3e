using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Services.Kbs;

/// <summary>
/// The TEE public key of a KBS Attestation (a JWK): RSA (<c>kty</c>, <c>alg</c> RSA-OAEP-256 or RSA-OAEP, <c>n</c>,
/// <c>e</c>; at least 2048 bits) or EC (<c>kty</c>, <c>crv</c> P-256 or P-521, <c>alg</c> ECDH-ES+A256KW, <c>x</c>,
/// <c>y</c>) — the resource JWE is encrypted to it.
/// </summary>
public sealed class TeePublicKey : IDisposable
{
    private readonly RSA? _rsa;
    private readonly ECDiffieHellman? _ec;

    private TeePublicKey(RSA? rsa, ECDiffieHellman? ec, string alg, JsonObject jwk)
    {
        _rsa = rsa;
        _ec = ec;
        Alg = alg;
        Jwk = jwk;
    }

    /// <summary>The key-management algorithm of the resource JWE.</summary>
    public string Alg { get; }

    /// <summary>True for an RSA key.</summary>
    public bool IsRsa => _rsa is not null;

    /// <summary>The JWK's typed members only, as Trustee re-serializes them before hashing (RSA: kty, alg, n, e; EC: kty, crv, alg, x, y).</summary>
    public JsonObject Jwk { get; }

    /// <summary>Reads a JWK.</summary>
    /// <exception cref="AttestationException">Not a key this broker can encrypt to, with why.</exception>
    public static TeePublicKey FromJwk(JsonElement jwk)
    {
        try
        {
            switch (Str(jwk, "kty"))
            {
                case "RSA":
                {
                    string n = Str(jwk, "n") ?? throw new AttestationException("tee-pubkey RSA JWK has no n");
                    string e = Str(jwk, "e") ?? throw new AttestationException("tee-pubkey RSA JWK has no e");
                    string alg = Str(jwk, "alg") ?? JweEnvelope.RsaOaep256;
                    if (alg is not (JweEnvelope.RsaOaep256 or JweEnvelope.RsaOaep))
                        throw new AttestationException($"tee-pubkey alg '{alg}' not supported for RSA ({JweEnvelope.RsaOaep256}, {JweEnvelope.RsaOaep})");
                    var rsa = RSA.Create();
                    rsa.ImportParameters(new RSAParameters { Modulus = Base64UrlEncoder.DecodeBytes(n), Exponent = Base64UrlEncoder.DecodeBytes(e) });
                    if (rsa.KeySize < 2048)
                    {
                        rsa.Dispose();
                        throw new AttestationException($"tee-pubkey is {rsa.KeySize}-bit RSA; at least 2048 required");
                    }
                    return new TeePublicKey(rsa, null, alg, new JsonObject { ["kty"] = "RSA", ["alg"] = alg, ["n"] = n, ["e"] = e });
                }
                case "EC":
                {
                    string crv = Str(jwk, "crv") ?? throw new AttestationException("tee-pubkey EC JWK has no crv");
                    string alg = Str(jwk, "alg") ?? throw new AttestationException("tee-pubkey EC JWK has no alg");
                    if (alg != JweEnvelope.EcdhEsA256Kw)
                        throw new AttestationException($"tee-pubkey alg '{alg}' not supported for EC ({JweEnvelope.EcdhEsA256Kw})");
                    var (curve, size) = crv switch
                    {
                        "P-256" => (ECCurve.NamedCurves.nistP256, 32),
                        "P-521" => (ECCurve.NamedCurves.nistP521, 66),
                        _ => throw new AttestationException($"tee-pubkey curve '{crv}' not supported (P-256, P-521)"),
                    };
                    string x = Str(jwk, "x") ?? throw new AttestationException("tee-pubkey EC JWK has no x");
                    string y = Str(jwk, "y") ?? throw new AttestationException("tee-pubkey EC JWK has no y");
                    byte[] xb = Base64UrlEncoder.DecodeBytes(x), yb = Base64UrlEncoder.DecodeBytes(y);
                    if (xb.Length != size || yb.Length != size)
                        throw new AttestationException($"tee-pubkey {crv} coordinates must be {size} bytes each");
                    var ec = ECDiffieHellman.Create(new ECParameters { Curve = curve, Q = new ECPoint { X = xb, Y = yb } });
                    return new TeePublicKey(null, ec, alg, new JsonObject { ["kty"] = "EC", ["crv"] = crv, ["alg"] = alg, ["x"] = x, ["y"] = y });
                }
                default:
                    throw new AttestationException("tee-pubkey must be an RSA or EC JWK (kty RSA: n, e; kty EC: crv, x, y)");
            }
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException)
        {
            throw new AttestationException($"tee-pubkey is not a usable key: {e.Message}", e);
        }
    }

    /// <summary>The resource as a flattened JWE encrypted to this key.</summary>
    public string Encrypt(ReadOnlySpan<byte> plaintext) =>
        _rsa is not null ? JweEnvelope.Encrypt(plaintext, _rsa, Alg) : JweEnvelope.Encrypt(plaintext, _ec!);

    /// <inheritdoc />
    public void Dispose()
    {
        _rsa?.Dispose();
        _ec?.Dispose();
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
