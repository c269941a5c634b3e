using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Platforms.Snp;

/// <summary>SEV-SNP evidence could not be parsed, collected or verified.</summary>
public class SnpException : AttestationException
{
    /// <summary>Creates the exception with a message.</summary>
    public SnpException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public SnpException(string message, Exception innerException) : base(message, innerException) { }
}
