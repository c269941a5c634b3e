using System.Security.Cryptography;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Inputs;

namespace TeeWasm.KeyBroker;

/// <summary>
/// The encrypted data-set file format: AES-256-GCM, file = 12-byte nonce ‖ ciphertext ‖ 16-byte tag, no associated
/// data; the 32-byte key is the secret the key broker releases.
/// </summary>
public static class SecretFile
{
    /// <summary>Key length in bytes.</summary>
    public const int KeySize = 32;
    /// <summary>Nonce length in bytes.</summary>
    public const int NonceSize = 12;
    /// <summary>Tag length in bytes.</summary>
    public const int TagSize = 16;

    /// <summary>Encrypts <paramref name="plaintext"/> under <paramref name="key"/> with a fresh random nonce.</summary>
    public static byte[] Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext)
    {
        CheckKey(key);
        byte[] output = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var gcm = new AesGcm(key, TagSize);
        gcm.Encrypt(nonce, plaintext, output.AsSpan(NonceSize, plaintext.Length), output.AsSpan(NonceSize + plaintext.Length));
        return output;
    }

    /// <summary>Decrypts a file made by <see cref="Encrypt"/>.</summary>
    /// <exception cref="AttestationException">Too short, wrong key, or tampered.</exception>
    public static byte[] Decrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> file)
    {
        CheckKey(key);
        if (file.Length < NonceSize + TagSize) throw new AttestationException($"encrypted file is {file.Length} bytes: shorter than nonce + tag");
        int n = file.Length - NonceSize - TagSize;
        byte[] plaintext = new byte[n];
        try
        {
            using var gcm = new AesGcm(key, TagSize);
            gcm.Decrypt(file[..NonceSize], file.Slice(NonceSize, n), file[^TagSize..], plaintext);
            return plaintext;
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new AttestationException("encrypted file does not decrypt: wrong key or altered file");
        }
    }

    /// <summary>Reads a key file: exactly 32 raw bytes, or 64 hex digits, or base64 of 32 bytes (surrounding whitespace ignored).</summary>
    /// <exception cref="AttestationException">The file does not hold a 32-byte key.</exception>
    public static byte[] ReadKeyFile(string path)
    {
        byte[] raw = BoundedRead.File(path, InputLimits.KeyFile, "key file");
        if (raw.Length == KeySize) return raw;
        string text = System.Text.Encoding.ASCII.GetString(raw).Trim();
        try
        {
            if (text.Length == 2 * KeySize) return Convert.FromHexString(text);
            byte[] b = Convert.FromBase64String(text);
            if (b.Length == KeySize) return b;
        }
        catch (FormatException) { }
        throw new AttestationException($"key file '{path}' must hold a 32-byte key (raw, 64 hex digits, or base64)");
    }

    private static void CheckKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize) throw new AttestationException($"AES-256-GCM key must be {KeySize} bytes, not {key.Length}");
    }
}
