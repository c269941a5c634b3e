namespace TeeWasm.Attestation.Verification;

/// <summary>How GPU attestation uses a remote verifier (NVIDIA's NRAS) besides the local checks of the report.</summary>
public enum RemoteGpuVerification
{
    /// <summary>
    /// Its positive verdict is required in addition to local verification: when it cannot be reached or its answer does
    /// not verify, GPU attestation fails (the strict mode, <c>--nras require</c>).
    /// </summary>
    Require,

    /// <summary>
    /// Asked first; when it gives no verdict (unreachable, an error, an answer that does not verify) the local
    /// verification decides, and the result says so. Its verified negative verdict fails GPU attestation. A positive
    /// verdict covers the measurements: a RIM missing locally is then noted, not required. The original system's
    /// <c>ATTESTATION_PREFER_NRAS</c> (<c>--nras prefer</c>).
    /// </summary>
    Prefer,
}
