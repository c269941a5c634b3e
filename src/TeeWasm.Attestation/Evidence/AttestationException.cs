namespace TeeWasm.Attestation.Evidence;

/// <summary>Base exception of the attestation library: evidence could not be collected, parsed or verified.</summary>
public class AttestationException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public AttestationException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public AttestationException(string message, Exception innerException) : base(message, innerException) { }
}
