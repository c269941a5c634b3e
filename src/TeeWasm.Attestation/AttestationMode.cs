namespace TeeWasm.Attestation;

/// <summary>Where evidence comes from.</summary>
public enum AttestationMode
{
    /// <summary>Detect the platform and use its hardware; no TEE means no attestation.</summary>
    Auto,

    /// <summary>Never attest: every attestation fails with the "No TEE" result.</summary>
    None,

    /// <summary>The simulator: byte-exact evidence signed by a local simulator root. Never for production.</summary>
    Simulate,
}
