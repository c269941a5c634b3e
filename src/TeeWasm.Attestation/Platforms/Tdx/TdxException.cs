using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>An Intel TDX quote or report could not be parsed, collected or verified.</summary>
public class TdxException : AttestationException
{
    /// <summary>Creates the exception with a message.</summary>
    public TdxException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public TdxException(string message, Exception innerException) : base(message, innerException) { }
}
