using System.Text.Json;
using System.Text.Json.Serialization;
using TeeWasm.Attestation.Policy;

namespace TeeWasm.KeyBroker;

/// <summary>The challenge the broker answers <c>POST /kbs/v0/auth</c> with.</summary>
internal sealed record KbsChallenge(
    [property: JsonPropertyName("nonce")] string Nonce,
    [property: JsonPropertyName("extra-params")] string ExtraParams);

/// <summary>The answer to a successful <c>POST /kbs/v0/attest</c>: the broker's attestation token.</summary>
internal sealed record KbsAttestationToken([property: JsonPropertyName("token")] string Token);

/// <summary>An error of the KBS protocol: a type URI and a detail in words.</summary>
internal sealed record KbsError(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("detail")] string Detail);

/// <summary>
/// Source-generated JSON metadata of the broker (no reflection, so <c>kbs serve</c> runs in the native build): the
/// secret policy file (unknown keys are errors, comments and trailing commas are allowed) and the protocol's answers.
/// </summary>
[JsonSourceGenerationOptions(
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(SecretPolicy))]
[JsonSerializable(typeof(AttestationPolicy))]
[JsonSerializable(typeof(KbsChallenge))]
[JsonSerializable(typeof(KbsAttestationToken))]
[JsonSerializable(typeof(KbsError))]
internal sealed partial class KeyBrokerJsonContext : JsonSerializerContext;
