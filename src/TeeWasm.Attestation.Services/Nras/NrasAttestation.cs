namespace TeeWasm.Attestation.Services.Nras;

/// <summary>A verified NRAS verdict.</summary>
/// <param name="OverallToken">The overall EAT (the token to hand on).</param>
/// <param name="OverallClaimsJson">Its claims.</param>
/// <param name="SubmoduleClaimsJson">Each GPU token's claims by submodule name ("GPU-0").</param>
/// <param name="DetachedEatJson">The response as received.</param>
public sealed record NrasAttestation(string OverallToken, string OverallClaimsJson,
    IReadOnlyDictionary<string, string> SubmoduleClaimsJson, string DetachedEatJson);
