using System.Text.Json;
using System.Text.Json.Serialization;

namespace TeeWasm.Attestation.Policy;

/// <summary>
/// Source-generated JSON metadata of the policy file (no reflection, so the native build reads policies as the .NET
/// build does): unknown keys are errors, comments and trailing commas are allowed, nullable annotations are respected.
/// </summary>
[JsonSourceGenerationOptions(
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(AttestationPolicy))]
internal sealed partial class PolicyJsonContext : JsonSerializerContext;
