using System.Buffers.Binary;
using System.Security.Cryptography;

namespace TeeWasm.Attestation.Services.Kbs;

/// <summary>AES Key Wrap (RFC 3394, default IV A6A6A6A6A6A6A6A6) as JWE's <c>A256KW</c> uses it.</summary>
public static class AesKeyWrap
{
    private const ulong DefaultIv = 0xA6A6A6A6A6A6A6A6;

    /// <summary>Wraps <paramref name="keyData"/> (a multiple of 8 bytes, at least 16) with <paramref name="kek"/>.</summary>
    public static byte[] Wrap(ReadOnlySpan<byte> kek, ReadOnlySpan<byte> keyData)
    {
        if (keyData.Length < 16 || keyData.Length % 8 != 0) throw new ArgumentException("key data must be a multiple of 8 bytes, at least 16", nameof(keyData));
        int n = keyData.Length / 8;
        byte[] r = keyData.ToArray();
        ulong a = DefaultIv;
        using var aes = Aes.Create();
        aes.Key = kek.ToArray();
        Span<byte> block = stackalloc byte[16];
        for (int j = 0; j < 6; j++)
        {
            for (int i = 0; i < n; i++)
            {
                BinaryPrimitives.WriteUInt64BigEndian(block, a);
                r.AsSpan(i * 8, 8).CopyTo(block[8..]);
                aes.EncryptEcb(block, block, PaddingMode.None);
                a = BinaryPrimitives.ReadUInt64BigEndian(block) ^ (ulong)(n * j + i + 1);
                block[8..].CopyTo(r.AsSpan(i * 8, 8));
            }
        }
        byte[] result = new byte[8 + r.Length];
        BinaryPrimitives.WriteUInt64BigEndian(result, a);
        r.CopyTo(result, 8);
        CryptographicOperations.ZeroMemory(r);
        return result;
    }

    /// <summary>Unwraps <paramref name="wrapped"/>; throws when the integrity check fails (wrong key or tampered).</summary>
    /// <exception cref="CryptographicException">The integrity check value does not match.</exception>
    public static byte[] Unwrap(ReadOnlySpan<byte> kek, ReadOnlySpan<byte> wrapped)
    {
        if (wrapped.Length < 24 || wrapped.Length % 8 != 0) throw new CryptographicException("wrapped key must be a multiple of 8 bytes, at least 24");
        int n = wrapped.Length / 8 - 1;
        ulong a = BinaryPrimitives.ReadUInt64BigEndian(wrapped);
        byte[] r = wrapped[8..].ToArray();
        using var aes = Aes.Create();
        aes.Key = kek.ToArray();
        Span<byte> block = stackalloc byte[16];
        for (int j = 5; j >= 0; j--)
        {
            for (int i = n - 1; i >= 0; i--)
            {
                BinaryPrimitives.WriteUInt64BigEndian(block, a ^ (ulong)(n * j + i + 1));
                r.AsSpan(i * 8, 8).CopyTo(block[8..]);
                aes.DecryptEcb(block, block, PaddingMode.None);
                a = BinaryPrimitives.ReadUInt64BigEndian(block);
                block[8..].CopyTo(r.AsSpan(i * 8, 8));
            }
        }
        if (a != DefaultIv)
        {
            CryptographicOperations.ZeroMemory(r);
            throw new CryptographicException("AES key unwrap integrity check failed");
        }
        return r;
    }
}
