using System.Security.Cryptography;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Tests.Shared;

namespace TeeWasm.KeyBroker.Tests;

/// <summary>
/// One data-key format on both sides (issue 12, item 7): a key file is the 32 raw bytes the broker serves as they are
/// and the guest decrypts with; <c>kbs encrypt</c> refuses text it could not serve, saying how to convert it.
/// </summary>
public sealed class SecretFileTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_key_file_is_32_raw_bytes()
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        File.WriteAllBytes(_dir.File("k"), key);
        Assert.Equal(key, SecretFile.ReadKeyFile(_dir.File("k")));
    }

    [Fact]
    public void Hex_text_is_refused_saying_how_to_convert_it()
    {
        // The documented recipe before: `openssl rand -hex 32 > K` — encrypt took it, the broker served its 65 bytes.
        File.WriteAllText(_dir.File("K"), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)) + "\n");
        var e = Assert.Throws<AttestationException>(() => SecretFile.ReadKeyFile(_dir.File("K")));
        Assert.Equal($"key file '{_dir.File("K")}' is not a data key: a data key file is exactly 32 raw bytes, which the broker serves as they are "
            + $"and the guest uses as its AES-256 key; it holds 65 bytes of text: 64 hex digits. Convert it with `xxd -r -p {_dir.File("K")} > KEY`, "
            + "or make a key with `tee-wasm kbs keygen KEY`", e.Message);
    }

    [Fact]
    public void Base64_text_and_other_sizes_are_refused()
    {
        File.WriteAllText(_dir.File("b64"), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        Assert.EndsWith("it holds 44 bytes of text: base64. Convert it with `base64 -d " + _dir.File("b64") + " > KEY`, or make a key with `tee-wasm kbs keygen KEY`",
            Assert.Throws<AttestationException>(() => SecretFile.ReadKeyFile(_dir.File("b64"))).Message);
        File.WriteAllBytes(_dir.File("short"), new byte[31]);
        Assert.EndsWith("it holds 31 bytes. Make a key with `tee-wasm kbs keygen KEY`",
            Assert.Throws<AttestationException>(() => SecretFile.ReadKeyFile(_dir.File("short"))).Message);
    }

    [Fact]
    public void A_new_key_file_is_32_random_bytes_for_the_owner_only_and_an_existing_one_is_kept()
    {
        string path = Path.Combine(_dir.Path, "secrets", "default", "secret", "data-key");
        SecretFile.CreateKeyFile(path);
        byte[] key = File.ReadAllBytes(path);
        Assert.Equal(32, key.Length);
        Assert.Equal(key, SecretFile.ReadKeyFile(path));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Throws<IOException>(() => SecretFile.CreateKeyFile(path));
        Assert.Equal(key, File.ReadAllBytes(path));
        SecretFile.CreateKeyFile(path, overwrite: true);
        Assert.NotEqual(key, File.ReadAllBytes(path));
    }
}
