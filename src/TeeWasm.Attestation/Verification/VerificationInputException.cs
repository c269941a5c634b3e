using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Verification;

/// <summary>
/// A verification was asked for with inputs that cannot be used: a file that is missing or unreadable, an option that
/// does not apply to this kind of evidence, evidence that is not recognized. Misuse, not a verdict.
/// </summary>
public sealed class VerificationInputException : AttestationException
{
    /// <summary>Creates the exception.</summary>
    public VerificationInputException(string message) : base(message) { }

    /// <summary>Creates the exception with the error that caused it.</summary>
    public VerificationInputException(string message, Exception innerException) : base(message, innerException) { }
}
