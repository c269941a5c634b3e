using System.Security.Cryptography;

namespace TeeWasm.Attestation.Platforms.AzureVtpm;

/// <summary>
/// The runtime-claims binding of an HCL report: hash(runtime claims JSON) = the first 32/48/64 bytes of the hardware
/// report's report_data (hash per the IGVM hash type). This binds the claims — and the AK public key in them — to the
/// hardware; it does not bind any nonce of ours (freshness comes from the TPM quote).
/// </summary>
public static class HclBinding
{
    /// <summary>Hashes runtime claims with the given hash type.</summary>
    public static byte[] Hash(HclHashType type, ReadOnlySpan<byte> claims) => type switch
    {
        HclHashType.Sha256 => SHA256.HashData(claims),
        HclHashType.Sha384 => SHA384.HashData(claims),
        HclHashType.Sha512 => SHA512.HashData(claims),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>True when the report's own runtime claims are bound into its report_data.</summary>
    public static bool IsBound(HclReport report) => IsBound(report, report.RuntimeClaimsBytes.Span);

    /// <summary>True when <paramref name="claims"/> hash to the report's report_data prefix (constant-time compare).</summary>
    public static bool IsBound(HclReport report, ReadOnlySpan<byte> claims) => IsBound(report.HashType, report.ReportData.Span, claims);

    /// <summary>True when hash(<paramref name="claims"/>) equals the prefix of <paramref name="reportData"/>.</summary>
    public static bool IsBound(HclHashType type, ReadOnlySpan<byte> reportData, ReadOnlySpan<byte> claims)
    {
        byte[] digest = Hash(type, claims);
        return reportData.Length >= digest.Length && CryptographicOperations.FixedTimeEquals(digest, reportData[..digest.Length]);
    }
}
