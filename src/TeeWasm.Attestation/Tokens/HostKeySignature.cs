using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Tokens;

/// <summary>
/// The signature of a TeeWasm document (a receipt, a bundle) by the attested host key: ES256 (ECDSA P-256, SHA-256,
/// r ‖ s) over the RFC 8785 canonical form of the signed member. Its JSON is <c>{"alg":"ES256","host_key":HEX,"value":BASE64URL}</c>;
/// the host key is the one report_data binds, so the evidence says whose signature it is.
/// </summary>
/// <param name="HostKey">The signer's public point (SEC1 uncompressed, 65 bytes).</param>
/// <param name="Value">The signature (r ‖ s, 64 bytes).</param>
public sealed record HostKeySignature(byte[] HostKey, byte[] Value)
{
    /// <summary>The only algorithm.</summary>
    public const string Algorithm = "ES256";

    /// <summary>Signs <paramref name="canonical"/> with <paramref name="key"/>.</summary>
    public static HostKeySignature Sign(HostAttestationKey key, ReadOnlySpan<byte> canonical)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new HostKeySignature(key.PublicPoint.ToArray(),
            key.Key.SignData(canonical, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    /// <summary>True when the signature verifies over <paramref name="canonical"/> with <see cref="HostKey"/>.</summary>
    public bool Verifies(ReadOnlySpan<byte> canonical)
    {
        if (HostKey.Length != 65 || HostKey[0] != 0x04 || Value.Length != 64) return false;
        try
        {
            using var ecdsa = ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = HostKey[1..33], Y = HostKey[33..] },
            });
            return ecdsa.VerifyData(canonical, Value, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>Writes <c>alg</c>, <c>host_key</c> and <c>value</c>.</summary>
    public void WriteTo(EvidenceDocument.Writer w)
    {
        ArgumentNullException.ThrowIfNull(w);
        w.String("alg", Algorithm);
        w.Hex("host_key", HostKey);
        w.String("value", Base64UrlEncoder.Encode(Value));
    }

    /// <summary>Reads a signature object.</summary>
    /// <exception cref="AttestationException">Not an ES256 signature object; the message says why.</exception>
    public static HostKeySignature Read(EvidenceDocument d)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (d.GetString("alg") != Algorithm) throw new AttestationException($"signature alg is '{d.GetString("alg")}', not {Algorithm}");
        try
        {
            return new HostKeySignature(d.GetHex("host_key") ?? throw new AttestationException("signature has no host_key"),
                Base64UrlEncoder.DecodeBytes(d.GetString("value") ?? throw new AttestationException("signature has no value")));
        }
        catch (FormatException)
        {
            throw new AttestationException("signature host_key is not hex or value not base64url");
        }
    }
}
