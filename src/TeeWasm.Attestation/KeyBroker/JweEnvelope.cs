using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace TeeWasm.Attestation.KeyBroker;

/// <summary>
/// The KBS response: a JWE in flattened JSON serialization (<c>protected</c>, <c>encrypted_key</c>, <c>iv</c>,
/// <c>ciphertext</c>, <c>tag</c>) with a fresh AES-256-GCM content key (<c>enc</c> A256GCM, AAD = ASCII of the
/// protected header) wrapped to the TEE's RSA key with RSA-OAEP-256 (or RSA-OAEP).
/// </summary>
public static class JweEnvelope
{
    /// <summary>RSA-OAEP with SHA-256 (the default).</summary>
    public const string RsaOaep256 = "RSA-OAEP-256";

    /// <summary>RSA-OAEP with SHA-1.</summary>
    public const string RsaOaep = "RSA-OAEP";

    /// <summary>Encrypts <paramref name="plaintext"/> to <paramref name="recipient"/>.</summary>
    public static string Encrypt(ReadOnlySpan<byte> plaintext, RSA recipient, string alg = RsaOaep256)
    {
        string header = Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(new { alg, enc = "A256GCM" }));
        byte[] cek = RandomNumberGenerator.GetBytes(32);
        byte[] iv = RandomNumberGenerator.GetBytes(12);
        byte[] ciphertext = new byte[plaintext.Length];
        byte[] tag = new byte[16];
        try
        {
            using (var gcm = new AesGcm(cek, 16)) gcm.Encrypt(iv, plaintext, ciphertext, tag, Encoding.ASCII.GetBytes(header));
            byte[] wrapped = recipient.Encrypt(cek, Padding(alg));
            return JsonSerializer.Serialize(new
            {
                @protected = header,
                encrypted_key = Base64UrlEncoder.Encode(wrapped),
                iv = Base64UrlEncoder.Encode(iv),
                ciphertext = Base64UrlEncoder.Encode(ciphertext),
                tag = Base64UrlEncoder.Encode(tag),
            });
        }
        finally
        {
            CryptographicOperations.ZeroMemory(cek);
        }
    }

    /// <summary>Decrypts a flattened JWE with the TEE's private key.</summary>
    /// <exception cref="AttestationException">Not a JWE this client supports, or it does not decrypt (wrong key, tampered).</exception>
    public static byte[] Decrypt(string json, RSA key)
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
            cek = key.Decrypt(Base64UrlEncoder.DecodeBytes(root.GetProperty("encrypted_key").GetString()!), Padding(alg));
            byte[] iv = Base64UrlEncoder.DecodeBytes(root.GetProperty("iv").GetString()!);
            byte[] ciphertext = Base64UrlEncoder.DecodeBytes(root.GetProperty("ciphertext").GetString()!);
            byte[] tag = Base64UrlEncoder.DecodeBytes(root.GetProperty("tag").GetString()!);
            byte[] plaintext = new byte[ciphertext.Length];
            using var gcm = new AesGcm(cek, 16);
            gcm.Decrypt(iv, ciphertext, tag, plaintext, Encoding.ASCII.GetBytes(header));
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

    private static RSAEncryptionPadding Padding(string alg) => alg switch
    {
        RsaOaep256 => RSAEncryptionPadding.OaepSHA256,
        RsaOaep => RSAEncryptionPadding.OaepSHA1,
        _ => throw new AttestationException($"JWE alg '{alg}' not supported ({RsaOaep256} or {RsaOaep})"),
    };
}
