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

    /// <summary>
    /// Reads a data key file: exactly <see cref="KeySize"/> raw bytes — what the broker serves byte for byte and the
    /// guest takes as its AES-256 key. Text (hex, base64) is refused, saying how to convert it: the broker could not serve it.
    /// </summary>
    /// <exception cref="AttestationException">The file does not hold 32 raw bytes.</exception>
    public static byte[] ReadKeyFile(string path)
    {
        byte[] raw = BoundedRead.File(path, InputLimits.KeyFile, "key file");
        if (raw.Length == KeySize) return raw;
        string text = System.Text.Encoding.ASCII.GetString(raw).Trim();
        string why = text.Length == 2 * KeySize && text.All(char.IsAsciiHexDigit)
            ? $"it holds {raw.Length} bytes of text: 64 hex digits. Convert it with `xxd -r -p {path} > KEY`, or make a key with `tee-wasm kbs keygen KEY`"
            : IsBase64Key(text)
                ? $"it holds {raw.Length} bytes of text: base64. Convert it with `base64 -d {path} > KEY`, or make a key with `tee-wasm kbs keygen KEY`"
                : $"it holds {raw.Length} bytes. Make a key with `tee-wasm kbs keygen KEY`";
        throw new AttestationException(
            $"key file '{path}' is not a data key: a data key file is exactly {KeySize} raw bytes, which the broker serves as they are and the guest uses as its AES-256 key; {why}");
    }

    /// <summary>
    /// Writes a new data key file: <see cref="KeySize"/> random bytes, readable by the owner only (0600), its directory
    /// made when missing. An existing file is kept unless <paramref name="overwrite"/>.
    /// </summary>
    /// <exception cref="IOException">The file exists (and not <paramref name="overwrite"/>) or cannot be written.</exception>
    public static void CreateKeyFile(string path, bool overwrite = false)
    {
        byte[] key = RandomNumberGenerator.GetBytes(KeySize);
        try
        {
            WriteOwnerOnly(path, key, overwrite);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Writes <paramref name="data"/> to a file readable by the owner only (0600 on Unix), making its directory when missing.</summary>
    /// <exception cref="IOException">The file exists (and not <paramref name="overwrite"/>) or cannot be written.</exception>
    public static void WriteOwnerOnly(string path, ReadOnlySpan<byte> data, bool overwrite = true)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir) Directory.CreateDirectory(dir);
        var options = new FileStreamOptions { Mode = overwrite ? FileMode.Create : FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(path, options)) file.Write(data);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static bool IsBase64Key(string text)
    {
        Span<byte> decoded = stackalloc byte[KeySize + 3];
        return Convert.TryFromBase64String(text, decoded, out int n) && n == KeySize;
    }

    private static void CheckKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize) throw new AttestationException($"AES-256-GCM key must be {KeySize} bytes, not {key.Length}");
    }
}
