using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Services.Kbs;

/// <summary>
/// The KBS response: a JWE in flattened JSON serialization (<c>protected</c>, <c>encrypted_key</c>, <c>iv</c>,
/// <c>ciphertext</c>, <c>tag</c>) with a fresh AES-256-GCM content key (<c>enc</c> A256GCM, AAD = ASCII of the
/// protected header) wrapped to the TEE's key: RSA with RSA-OAEP-256 (or RSA-OAEP), or EC (P-256, P-521) with
/// ECDH-ES+A256KW (Concat KDF with SHA-256 and empty PartyU/PartyV info, as Trustee and guest-components do).
/// </summary>
public static class JweEnvelope
{
    /// <summary>RSA-OAEP with SHA-256 (the default).</summary>
    public const string RsaOaep256 = "RSA-OAEP-256";

    /// <summary>RSA-OAEP with SHA-1.</summary>
    public const string RsaOaep = "RSA-OAEP";

    /// <summary>ECDH-ES key agreement, the content key wrapped with AES-256 Key Wrap.</summary>
    public const string EcdhEsA256Kw = "ECDH-ES+A256KW";

    /// <summary>The error when the content does not authenticate: the protected header (the AAD), iv, ciphertext or tag was changed.</summary>
    public const string TagMismatch = "JWE content does not authenticate: the AES-GCM tag does not verify (protected header, iv, ciphertext or tag changed)";

    private const int IvSize = 12;
    private const int TagSize = 16;

    /// <summary>Encrypts <paramref name="plaintext"/> to <paramref name="recipient"/>.</summary>
    public static string Encrypt(ReadOnlySpan<byte> plaintext, RSA recipient, string alg = RsaOaep256)
    {
        string header = Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(new JsonObject { ["alg"] = alg, ["enc"] = "A256GCM" }.ToJsonString()));
        byte[] cek = RandomNumberGenerator.GetBytes(32);
        try
        {
            return Seal(plaintext, header, cek, recipient.Encrypt(cek, Padding(alg)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(cek);
        }
    }

    /// <summary>Encrypts <paramref name="plaintext"/> to an EC key with ECDH-ES+A256KW (ephemeral key in <c>epk</c>).</summary>
    public static string Encrypt(ReadOnlySpan<byte> plaintext, ECDiffieHellman recipient)
    {
        var curve = recipient.ExportParameters(false).Curve;
        string crv = CurveName(curve);
        using var ephemeral = ECDiffieHellman.Create(curve);
        byte[] z = ephemeral.DeriveRawSecretAgreement(recipient.PublicKey);
        byte[] kek = ConcatKdf(z, EcdhEsA256Kw, 32);
        byte[] cek = RandomNumberGenerator.GetBytes(32);
        try
        {
            var epk = ephemeral.ExportParameters(false).Q;
            var h = new JsonObject
            {
                ["alg"] = EcdhEsA256Kw,
                ["enc"] = "A256GCM",
                ["epk"] = new JsonObject { ["crv"] = crv, ["kty"] = "EC", ["x"] = Base64UrlEncoder.Encode(epk.X), ["y"] = Base64UrlEncoder.Encode(epk.Y) },
            };
            string header = Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(h.ToJsonString()));
            return Seal(plaintext, header, cek, AesKeyWrap.Wrap(kek, cek));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(z);
            CryptographicOperations.ZeroMemory(kek);
            CryptographicOperations.ZeroMemory(cek);
        }
    }

    /// <summary>Decrypts a flattened JWE with the TEE's private RSA key.</summary>
    /// <exception cref="AttestationException">Not a JWE this client supports, or it does not decrypt (wrong key, tampered).</exception>
    public static byte[] Decrypt(string json, RSA key) =>
        Open(json, (alg, _, wrapped) => key.Decrypt(wrapped, Padding(alg)));

    /// <summary>Decrypts a flattened ECDH-ES+A256KW JWE with the TEE's private EC key.</summary>
    /// <exception cref="AttestationException">Not such a JWE, or it does not decrypt (wrong key, tampered).</exception>
    public static byte[] Decrypt(string json, ECDiffieHellman key) =>
        Open(json, (alg, h, wrapped) =>
        {
            if (alg != EcdhEsA256Kw) throw new AttestationException($"JWE alg '{alg}' not supported for an EC key ({EcdhEsA256Kw})");
            var epk = h.GetProperty("epk");
            var curve = key.ExportParameters(false).Curve;
            string crv = CurveName(curve);
            if (epk.GetProperty("crv").GetString() != crv) throw new AttestationException($"JWE epk is on another curve ({epk.GetProperty("crv")}) than the TEE key ({crv})");
            using ECDiffieHellman ephemeral = ImportPoint(curve, crv, epk);
            byte[] z = key.DeriveRawSecretAgreement(ephemeral.PublicKey);
            byte[] kek = ConcatKdf(z, EcdhEsA256Kw, 32);
            try
            {
                return AesKeyWrap.Unwrap(kek, wrapped);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(z);
                CryptographicOperations.ZeroMemory(kek);
            }
        });

    /// <summary>
    /// The Concat KDF of RFC 7518 §4.6.2 with SHA-256: rounds of SHA-256(counter ‖ Z ‖ len(alg) ‖ alg ‖ len(apu) ‖ apu ‖
    /// len(apv) ‖ apv ‖ keydatalen in bits), lengths as 32-bit big-endian.
    /// </summary>
    public static byte[] ConcatKdf(ReadOnlySpan<byte> z, string algorithmId, int keyBytes, ReadOnlySpan<byte> partyU = default, ReadOnlySpan<byte> partyV = default)
    {
        byte[] alg = Encoding.ASCII.GetBytes(algorithmId);
        var otherInfo = new byte[4 + alg.Length + 4 + partyU.Length + 4 + partyV.Length + 4];
        var o = otherInfo.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(o, alg.Length);
        alg.CopyTo(o[4..]);
        o = o[(4 + alg.Length)..];
        BinaryPrimitives.WriteInt32BigEndian(o, partyU.Length);
        partyU.CopyTo(o[4..]);
        o = o[(4 + partyU.Length)..];
        BinaryPrimitives.WriteInt32BigEndian(o, partyV.Length);
        partyV.CopyTo(o[4..]);
        BinaryPrimitives.WriteInt32BigEndian(o[(4 + partyV.Length)..], keyBytes * 8);

        byte[] output = new byte[(keyBytes + 31) / 32 * 32];
        byte[] round = new byte[4 + z.Length + otherInfo.Length];
        z.CopyTo(round.AsSpan(4));
        otherInfo.CopyTo(round, 4 + z.Length);
        for (int i = 0; i * 32 < keyBytes; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(round, i + 1);
            SHA256.HashData(round, output.AsSpan(i * 32));
        }
        CryptographicOperations.ZeroMemory(round);
        byte[] key = output[..keyBytes];
        CryptographicOperations.ZeroMemory(output);
        return key;
    }

    /// <summary>The JWK <c>crv</c> name of a P-256 or P-521 curve.</summary>
    /// <exception cref="AttestationException">Another curve.</exception>
    public static string CurveName(ECCurve curve) => curve.Oid?.Value switch
    {
        "1.2.840.10045.3.1.7" => "P-256",
        "1.3.132.0.35" => "P-521",
        _ => throw new AttestationException($"EC curve {curve.Oid?.FriendlyName ?? curve.Oid?.Value} not supported (P-256, P-521)"),
    };

    private static string Seal(ReadOnlySpan<byte> plaintext, string header, byte[] cek, byte[] wrapped)
    {
        byte[] iv = RandomNumberGenerator.GetBytes(IvSize);
        byte[] ciphertext = new byte[plaintext.Length];
        byte[] tag = new byte[TagSize];
        using (var gcm = new AesGcm(cek, TagSize)) gcm.Encrypt(iv, plaintext, ciphertext, tag, Encoding.ASCII.GetBytes(header));
        return new JsonObject
        {
            ["protected"] = header,
            ["encrypted_key"] = Base64UrlEncoder.Encode(wrapped),
            ["iv"] = Base64UrlEncoder.Encode(iv),
            ["ciphertext"] = Base64UrlEncoder.Encode(ciphertext),
            ["tag"] = Base64UrlEncoder.Encode(tag),
        }.ToJsonString();
    }

    private static byte[] Open(string json, Func<string, JsonElement, byte[], byte[]> unwrapCek)
    {
        byte[]? cek = null;
        try
        {
            var root = JsonDocument.Parse(json).RootElement;
            string header = root.GetProperty("protected").GetString()!;
            var h = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(header)).RootElement;
            string alg = h.GetProperty("alg").GetString()!;
            string enc = h.GetProperty("enc").GetString()!;
            if (enc != "A256GCM") throw new AttestationException($"JWE enc '{enc}' not supported (A256GCM only)");
            cek = unwrapCek(alg, h, Base64UrlEncoder.DecodeBytes(root.GetProperty("encrypted_key").GetString()!));
            byte[] iv = Base64UrlEncoder.DecodeBytes(root.GetProperty("iv").GetString()!);
            byte[] ciphertext = Base64UrlEncoder.DecodeBytes(root.GetProperty("ciphertext").GetString()!);
            byte[] tag = Base64UrlEncoder.DecodeBytes(root.GetProperty("tag").GetString()!);
            if (iv.Length != IvSize) throw new AttestationException($"JWE iv is {iv.Length} bytes; A256GCM takes {IvSize}");
            if (tag.Length != TagSize) throw new AttestationException($"JWE tag is {tag.Length} bytes; A256GCM takes {TagSize}");
            if (cek.Length != 32) throw new AttestationException($"JWE content key is {cek.Length} bytes; A256GCM takes 32");
            byte[] plaintext = new byte[ciphertext.Length];
            using var gcm = new AesGcm(cek, TagSize);
            try
            {
                gcm.Decrypt(iv, ciphertext, tag, plaintext, Encoding.ASCII.GetBytes(header));
            }
            catch (AuthenticationTagMismatchException)
            {
                throw new AttestationException(TagMismatch);
            }
            return plaintext;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException or ArgumentException or CryptographicException)
        {
            throw new AttestationException($"the broker's response does not decrypt with the TEE key: {e.Message}", e);
        }
        finally
        {
            if (cek is not null) CryptographicOperations.ZeroMemory(cek);
        }
    }

    private static ECDiffieHellman ImportPoint(ECCurve curve, string crv, JsonElement epk)
    {
        try
        {
            return ECDiffieHellman.Create(new ECParameters
            {
                Curve = curve,
                Q = new ECPoint
                {
                    X = Base64UrlEncoder.DecodeBytes(epk.GetProperty("x").GetString()!),
                    Y = Base64UrlEncoder.DecodeBytes(epk.GetProperty("y").GetString()!),
                },
            });
        }
        catch (CryptographicException)
        {
            throw new AttestationException($"JWE epk is not a point on {crv}");
        }
    }

    private static RSAEncryptionPadding Padding(string alg) => alg switch
    {
        RsaOaep256 => RSAEncryptionPadding.OaepSHA256,
        RsaOaep => RSAEncryptionPadding.OaepSHA1,
        _ => throw new AttestationException($"JWE alg '{alg}' not supported ({RsaOaep256} or {RsaOaep})"),
    };
}
