using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Tokens;

namespace TeeWasm.Attestation.Verification;

/// <summary>Evidence collected from a platform and appraised by its verifier.</summary>
/// <param name="Verified">What the verifier established, as the token's claims.</param>
/// <param name="Evidence">The evidence itself, typed.</param>
/// <param name="Appraisal">The verifier's appraisal (valid: a source throws rather than return rejected evidence).</param>
public sealed record CollectedEvidence(VerifiedEvidence Verified, AttestationEvidence Evidence, Appraisal Appraisal)
{
    /// <summary>The evidence as JSON (<see cref="EvidenceDocument.Write"/>).</summary>
    public string EvidenceJson => EvidenceDocument.Write(Evidence);
}

/// <summary>A source of VM evidence (SNP, TDX, the simulator…) that collects a report over given report_data and verifies it.</summary>
public interface IVmEvidenceSource
{
    /// <summary>The ABI TEE name this source attests ("AMD SEV-SNP", "Intel TDX").</summary>
    TeeType TeeType { get; }

    /// <summary>True for the simulator.</summary>
    bool Simulated { get; }

    /// <summary>Collects a report whose report_data is <paramref name="reportData"/>, verifies it, and describes it.</summary>
    /// <exception cref="AttestationException">Collection or verification failed.</exception>
    CollectedEvidence Attest(ReadOnlySpan<byte> reportData, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> moduleHash);
}

/// <summary>A source of GPU evidence that collects and verifies the report of one GPU.</summary>
public interface IGpuEvidenceSource
{
    /// <summary>How many GPUs this source can attest.</summary>
    int GpuCount { get; }

    /// <summary>True for the simulator.</summary>
    bool Simulated { get; }

    /// <summary>Collects GPU <paramref name="index"/>'s report over <paramref name="nonce32"/> (32 bytes) and verifies it.</summary>
    /// <exception cref="AttestationException">Collection or verification failed.</exception>
    CollectedEvidence Attest(int index, ReadOnlySpan<byte> nonce32, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> moduleHash);

    /// <summary>GPU <paramref name="index"/>'s identity (its UUID) without attesting it, to name it when its attestation fails; null when unknown.</summary>
    string? DeviceIdOf(int index) => null;
}
