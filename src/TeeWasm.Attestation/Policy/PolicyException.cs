using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Policy;

/// <summary>A policy file could not be read or is invalid (bad JSON, unknown key, bad value).</summary>
public sealed class PolicyException : AttestationException
{
    /// <summary>Creates the exception.</summary>
    public PolicyException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    public PolicyException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates the exception for an unknown key.</summary>
    /// <param name="message">The message.</param>
    /// <param name="unknownKey">The key, dotted from the top of the policy (<c>snp.max_vmpl2</c>).</param>
    /// <param name="knownKeys">The keys that would have been accepted in its place, dotted the same way.</param>
    /// <param name="inner">The cause.</param>
    public PolicyException(string message, string unknownKey, IReadOnlyList<string> knownKeys, Exception? inner = null)
        : base(message, inner!)
    {
        UnknownKey = unknownKey;
        KnownKeys = knownKeys;
    }

    /// <summary>For an unknown key: the key, dotted from the top of the policy; otherwise null.</summary>
    public string? UnknownKey { get; }

    /// <summary>For an unknown key: the keys accepted in its place (for a "did you mean"); otherwise empty.</summary>
    public IReadOnlyList<string> KnownKeys { get; } = [];

    /// <summary>
    /// Says in a policy author's words what <paramref name="e"/> (from deserializing a policy of type
    /// <paramref name="root"/>) means: not JSON (with line and column), an unknown key (with the keys accepted there),
    /// or a value of the wrong kind ("allow_debug: expected true or false"); never .NET type names.
    /// </summary>
    public static PolicyException FromJson(JsonException e, JsonTypeInfo root) => PolicyJsonError.Describe(e, root);
}
