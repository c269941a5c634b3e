using System.Security.Cryptography;

namespace TeeWasm.Attestation.Platforms.Snp;

/// <summary>
/// The report signature: ECDSA P-384 with SHA-384 over bytes 0x000..0x29F. R and S are stored as 72-byte
/// little-endian fields at 0x2A0 and 0x2E8 (48 significant bytes, then 24 zero bytes).
/// </summary>
public static class SnpSignature
{
    /// <summary>Length of the signature area this class produces: R (72 bytes) then S (72 bytes).</summary>
    public const int Length = 2 * SnpReport.SignatureComponentLength;

    private const int ComponentLength = 48;

    /// <summary>True when the report's signature verifies with the P-384 public key.</summary>
    public static bool Verify(ReadOnlySpan<byte> report, ECDsa publicKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        if (report.Length < SnpReport.Size || publicKey.KeySize != 384) return false;
        ReadOnlySpan<byte> r = report.Slice(SnpReport.SignatureROffset, SnpReport.SignatureComponentLength);
        ReadOnlySpan<byte> s = report.Slice(SnpReport.SignatureSOffset, SnpReport.SignatureComponentLength);
        // The upper 24 bytes of each 72-byte field must be zero: a P-384 scalar has 48 bytes.
        if (r[ComponentLength..].ContainsAnyExcept((byte)0) || s[ComponentLength..].ContainsAnyExcept((byte)0)) return false;

        Span<byte> p1363 = stackalloc byte[2 * ComponentLength];
        r[..ComponentLength].CopyTo(p1363);
        s[..ComponentLength].CopyTo(p1363[ComponentLength..]);
        p1363[..ComponentLength].Reverse();
        p1363[ComponentLength..].Reverse();
        return publicKey.VerifyData(report[..SnpReport.SignedLength], p1363, HashAlgorithmName.SHA384,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>
    /// Signs the 0x2A0-byte signed portion with a P-384 key and returns the 0x90-byte R‖S area in AMD's layout
    /// (each component 72 bytes little-endian), ready to copy to offset 0x2A0.
    /// </summary>
    public static byte[] Sign(ReadOnlySpan<byte> signedPortion, ECDsa privateKey)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        if (signedPortion.Length != SnpReport.SignedLength)
        {
            throw new ArgumentException($"the signed portion of a report is {SnpReport.SignedLength} bytes", nameof(signedPortion));
        }
        if (privateKey.KeySize != 384) throw new ArgumentException("SEV-SNP reports are signed with a P-384 key", nameof(privateKey));

        byte[] p1363 = privateKey.SignData(signedPortion, HashAlgorithmName.SHA384, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        byte[] area = new byte[Length];
        Span<byte> r = area.AsSpan(0, SnpReport.SignatureComponentLength);
        Span<byte> s = area.AsSpan(SnpReport.SignatureComponentLength, SnpReport.SignatureComponentLength);
        p1363.AsSpan(0, ComponentLength).CopyTo(r);
        p1363.AsSpan(ComponentLength, ComponentLength).CopyTo(s);
        r[..ComponentLength].Reverse();
        s[..ComponentLength].Reverse();
        return area;
    }

    /// <summary>Signs a whole report buffer in place: computes the signature over its first 0x2A0 bytes and writes it at 0x2A0.</summary>
    public static void SignInPlace(Span<byte> report, ECDsa privateKey)
    {
        if (report.Length < SnpReport.Size) throw new ArgumentException($"a report is {SnpReport.Size} bytes", nameof(report));
        byte[] area = Sign(report[..SnpReport.SignedLength], privateKey);
        report[SnpReport.SignatureOffset..SnpReport.Size].Clear();
        area.CopyTo(report[SnpReport.SignatureOffset..]);
    }
}
