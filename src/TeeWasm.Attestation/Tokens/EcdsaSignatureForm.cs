using System.Numerics;

namespace TeeWasm.Attestation.Tokens;

/// <summary>
/// The two forms of an ECDSA signature. If (r, s) verifies, so does (r, n − s): anyone can turn a valid JWS into a
/// second valid string. The low-S form (s ≤ n/2, as in Bitcoin's BIP 62 and libsecp256k1) is the canonical one.
/// Signatures are JWS's fixed-width r ‖ s (RFC 7518 §3.4) on P-256, P-384 or P-521, told apart by their length.
/// </summary>
public static class EcdsaSignatureForm
{
    // The group orders n, from `openssl ecparam -name prime256v1|secp384r1|secp521r1 -param_enc explicit -text`.
    private static readonly BigInteger s_p256 = Order("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");
    private static readonly BigInteger s_p384 = Order("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973");
    private static readonly BigInteger s_p521 = Order("01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409");

    /// <summary>True when <paramref name="signature"/> is an r ‖ s signature of P-256, P-384 or P-521 with s ≤ n/2.</summary>
    public static bool IsLowS(ReadOnlySpan<byte> signature) =>
        CurveOrder(signature.Length) is { } n && S(signature) is var s && s <= n >> 1;

    /// <summary>
    /// <paramref name="signature"/> with s replaced by n − s when s is high: the low-S form, which verifies exactly when
    /// the given one does. A signature of another length is returned as it is.
    /// </summary>
    public static byte[] ToLowS(ReadOnlySpan<byte> signature)
    {
        byte[] result = signature.ToArray();
        if (CurveOrder(signature.Length) is not { } n) return result;
        BigInteger s = S(signature);
        if (s <= n >> 1 || s >= n) return result;
        int half = signature.Length / 2;
        Array.Clear(result, half, half);
        byte[] low = (n - s).ToByteArray(isUnsigned: true, isBigEndian: true);
        low.CopyTo(result, signature.Length - low.Length);
        return result;
    }

    private static BigInteger S(ReadOnlySpan<byte> signature) =>
        new(signature[(signature.Length / 2)..], isUnsigned: true, isBigEndian: true);

    private static BigInteger? CurveOrder(int signatureLength) => signatureLength switch
    {
        64 => s_p256,
        96 => s_p384,
        132 => s_p521,
        _ => null,
    };

    private static BigInteger Order(string hex) => new(Convert.FromHexString(hex), isUnsigned: true, isBigEndian: true);
}
