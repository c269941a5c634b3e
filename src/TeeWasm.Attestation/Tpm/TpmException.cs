using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Tpm;

/// <summary>A TPM could not be reached, or answered a command with an error.</summary>
public sealed class TpmException : AttestationException
{
    /// <summary>Creates the exception.</summary>
    public TpmException(string message, uint responseCode = 0) : base(message) => ResponseCode = responseCode;

    /// <summary>Creates the exception with its cause.</summary>
    public TpmException(string message, Exception inner) : base(message, inner) { }

    /// <summary>The TPM response code (TPM_RC), or 0 when the failure was not the TPM's answer.</summary>
    public uint ResponseCode { get; }
}
