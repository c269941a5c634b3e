using System.Buffers.Binary;
using System.Security.Cryptography;

namespace TeeWasm.Attestation.Tpm;

/// <summary>A TPMT_SIGNATURE (TPM 2.0 Part 2 §11.3.4): sigAlg ‖ hashAlg ‖ the signature (TPM2B for RSA; r, s for ECDSA).</summary>
public sealed class TpmSignature
{
    /// <summary>TPM_ALG_RSASSA (PKCS#1 v1.5).</summary>
    public const ushort AlgRsaSsa = 0x0014;

    /// <summary>TPM_ALG_RSAPSS.</summary>
    public const ushort AlgRsaPss = 0x0016;

    /// <summary>TPM_ALG_ECDSA.</summary>
    public const ushort AlgEcdsa = 0x0018;

    /// <summary>TPM_ALG_SHA1.</summary>
    public const ushort AlgSha1 = 0x0004;

    /// <summary>TPM_ALG_SHA384.</summary>
    public const ushort AlgSha384 = 0x000C;

    /// <summary>TPM_ALG_SHA512.</summary>
    public const ushort AlgSha512 = 0x000D;

    private TpmSignature(byte[] raw, ushort sigAlg, ushort hashAlg, byte[] value)
    {
        Raw = raw;
        SignatureAlgorithm = sigAlg;
        HashAlgorithm = hashAlg;
        Value = value;
    }

    /// <summary>The marshalled TPMT_SIGNATURE.</summary>
    public byte[] Raw { get; }

    /// <summary>The signature scheme (TPM_ALG_ID).</summary>
    public ushort SignatureAlgorithm { get; }

    /// <summary>The hash the scheme used (TPM_ALG_ID).</summary>
    public ushort HashAlgorithm { get; }

    /// <summary>The RSA signature, or r ‖ s (each padded to the same length) for ECDSA.</summary>
    public byte[] Value { get; }

    /// <summary>Parses a TPMT_SIGNATURE at <paramref name="offset"/>, advancing it.</summary>
    internal static TpmSignature Read(ReadOnlySpan<byte> data, ref int offset)
    {
        int start = offset;
        ushort sigAlg = BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);
        ushort hashAlg = BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 2)..]);
        offset += 4;
        byte[] value;
        switch (sigAlg)
        {
            case AlgRsaSsa or AlgRsaPss:
                value = TpmAttest.ReadSized(data, ref offset);
                break;
            case AlgEcdsa:
                byte[] r = TpmAttest.ReadSized(data, ref offset), s = TpmAttest.ReadSized(data, ref offset);
                int n = Math.Max(r.Length, s.Length);
                value = new byte[2 * n];
                r.CopyTo(value, n - r.Length);
                s.CopyTo(value, 2 * n - s.Length);
                break;
            default:
                throw new TpmException($"unsupported TPMT_SIGNATURE algorithm 0x{sigAlg:x4}");
        }
        return new TpmSignature(data[start..offset].ToArray(), sigAlg, hashAlg, value);
    }

    /// <summary>Parses a whole TPMT_SIGNATURE.</summary>
    public static TpmSignature Parse(ReadOnlySpan<byte> data)
    {
        try
        {
            int offset = 0;
            var signature = Read(data, ref offset);
            return offset == data.Length ? signature : throw new TpmException("trailing bytes after TPMT_SIGNATURE");
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new TpmException("truncated TPMT_SIGNATURE");
        }
    }

    /// <summary>The .NET name of a TPM hash algorithm, or null when unsupported.</summary>
    public static HashAlgorithmName? HashName(ushort alg) => alg switch
    {
        AlgSha1 => HashAlgorithmName.SHA1,
        TpmPcrSelection.AlgSha256 => HashAlgorithmName.SHA256,
        AlgSha384 => HashAlgorithmName.SHA384,
        AlgSha512 => HashAlgorithmName.SHA512,
        _ => null,
    };

    /// <summary>
    /// Verifies this signature over <paramref name="message"/> with an RSA public key: RSASSA-PKCS1-v1_5 or RSA-PSS
    /// (salt length = hash length, as TPMs sign) with the signature's hash. SHA-1 is refused.
    /// </summary>
    public bool Verify(ReadOnlySpan<byte> message, RSA publicKey, out string? error)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        if (HashName(HashAlgorithm) is not { } hash || hash == HashAlgorithmName.SHA1)
        {
            error = $"signature hash 0x{HashAlgorithm:x4} is not SHA-256/384/512";
            return false;
        }
        RSASignaturePadding padding;
        switch (SignatureAlgorithm)
        {
            case AlgRsaSsa: padding = RSASignaturePadding.Pkcs1; break;
            case AlgRsaPss: padding = RSASignaturePadding.Pss; break;
            default:
                error = $"signature algorithm 0x{SignatureAlgorithm:x4} is not RSASSA or RSAPSS, but the key is RSA";
                return false;
        }
        try
        {
            if (publicKey.VerifyData(message, Value, hash, padding)) { error = null; return true; }
        }
        catch (CryptographicException) { }
        error = "quote signature does not verify with the attestation key";
        return false;
    }
}
