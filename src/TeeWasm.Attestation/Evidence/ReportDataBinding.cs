using System.Security.Cryptography;

namespace TeeWasm.Attestation.Evidence;

/// <summary>
/// The 64 bytes every hardware report carries in report_data:
/// SHA-512(module SHA-256 (32 bytes) ‖ host key public point (65 bytes, SEC1 uncompressed) ‖ nonce (0..64 bytes)).
/// A verifier recomputes it to learn which module ran, under which host key, and that the report is fresh. With a
/// workload (<see cref="WorkloadIdentity"/>) the launch is bound too: SHA-512("tee-wasm/workload/v1" ‖ module SHA-256 ‖
/// host key ‖ workload SHA-256 (32 bytes) ‖ nonce) (<see cref="ComputeForWorkload"/>); the label keeps the two apart.
/// </summary>
public static class ReportDataBinding
{
    /// <summary>Length of report_data in SNP reports and TDX quotes.</summary>
    public const int Size = 64;

    /// <summary>The longest nonce a relying party may bind.</summary>
    public const int MaxNonceLength = 64;

    /// <summary>Computes the binding.</summary>
    public static byte[] Compute(ReadOnlySpan<byte> moduleSha256, ReadOnlySpan<byte> hostPublicPoint, ReadOnlySpan<byte> nonce)
    {
        if (moduleSha256.Length != 32) throw new ArgumentException("module hash must be 32 bytes (SHA-256)", nameof(moduleSha256));
        if (nonce.Length > MaxNonceLength) throw new ArgumentException($"nonce longer than {MaxNonceLength} bytes", nameof(nonce));
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        h.AppendData(moduleSha256);
        h.AppendData(hostPublicPoint);
        h.AppendData(nonce);
        return h.GetHashAndReset();
    }

    /// <summary>The label that starts the workload binding.</summary>
    public static ReadOnlySpan<byte> WorkloadLabel => "tee-wasm/workload/v1"u8;

    /// <summary>Computes the binding of a launch: module, host key, workload digest and nonce.</summary>
    public static byte[] ComputeForWorkload(ReadOnlySpan<byte> moduleSha256, ReadOnlySpan<byte> hostPublicPoint, ReadOnlySpan<byte> workloadSha256,
        ReadOnlySpan<byte> nonce)
    {
        if (moduleSha256.Length != 32) throw new ArgumentException("module hash must be 32 bytes (SHA-256)", nameof(moduleSha256));
        if (workloadSha256.Length != 32) throw new ArgumentException("workload digest must be 32 bytes (SHA-256)", nameof(workloadSha256));
        if (nonce.Length > MaxNonceLength) throw new ArgumentException($"nonce longer than {MaxNonceLength} bytes", nameof(nonce));
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        h.AppendData(WorkloadLabel);
        h.AppendData(moduleSha256);
        h.AppendData(hostPublicPoint);
        h.AppendData(workloadSha256);
        h.AppendData(nonce);
        return h.GetHashAndReset();
    }

    /// <summary>True when <paramref name="reportData"/> is the binding of the given inputs (constant-time compare).</summary>
    public static bool Matches(ReadOnlySpan<byte> reportData, ReadOnlySpan<byte> moduleSha256, ReadOnlySpan<byte> hostPublicPoint, ReadOnlySpan<byte> nonce) =>
        reportData.Length == Size &&
        CryptographicOperations.FixedTimeEquals(reportData, Compute(moduleSha256, hostPublicPoint, nonce));
}
