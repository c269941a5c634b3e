using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Inputs;

/// <summary>An input is larger than its cap (<see cref="InputLimits"/>): a user's mistake, one line, never read whole.</summary>
public sealed class InputTooLargeException : AttestationException
{
    /// <summary>Creates the error for <paramref name="what"/> from <paramref name="source"/>, over <paramref name="limit"/> bytes.</summary>
    public InputTooLargeException(string what, string source, long limit)
        : base($"{what} '{source}' is larger than {InputLimits.Describe(limit)}, the limit for it (docs/limits.md)")
    {
        Limit = limit;
    }

    /// <summary>The cap it went over, in bytes.</summary>
    public long Limit { get; }
}
