using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Policy;

/// <summary>A policy file could not be read or is invalid (bad JSON, unknown key, bad value).</summary>
public sealed class PolicyException : AttestationException
{
    /// <summary>Creates the exception.</summary>
    public PolicyException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    public PolicyException(string message, Exception inner) : base(message, inner) { }
}
