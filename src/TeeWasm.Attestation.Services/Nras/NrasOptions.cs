namespace TeeWasm.Attestation.Services.Nras;

/// <summary>Settings of <see cref="NrasClient"/>.</summary>
public sealed record NrasOptions
{
    /// <summary>NVIDIA's production NRAS.</summary>
    public const string ProductionBase = "https://nras.attestation.nvidia.com";

    /// <summary>NRAS v3 GPU attestation (the endpoint the original system used).</summary>
    public const string V3GpuEndpoint = ProductionBase + "/v3/attest/gpu";

    /// <summary>NRAS v4 GPU attestation: same request (nonce, arch, evidence_list, claims_version "3.0") and detached EAT.</summary>
    public const string V4GpuEndpoint = ProductionBase + "/v4/attest/gpu";

    /// <summary>The GPU attestation endpoint (default NRAS v3; <see cref="V4GpuEndpoint"/> speaks the same protocol).</summary>
    public Uri Endpoint { get; init; } = new(V3GpuEndpoint);

    /// <summary>Where NRAS publishes its token signing keys.</summary>
    public Uri JwksUrl { get; init; } = new(ProductionBase + "/.well-known/jwks.json");

    /// <summary>The issuer NRAS tokens must carry (a staging token is refused by a production configuration).</summary>
    public string Issuer { get; init; } = ProductionBase;

    /// <summary>The NGC API key sent as a bearer token; defaults to NVIDIA_API_KEY.</summary>
    public string? ApiKey { get; init; } = Environment.GetEnvironmentVariable("NVIDIA_API_KEY");

    /// <summary>Time limit of each HTTP attempt.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Attempts per call (network errors, timeouts, 429 and 5xx are retried).</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Pause before the second attempt; doubled for each further one.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long fetched keys are trusted before a refetch.</summary>
    public TimeSpan JwksLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Allowed clock difference for <c>exp</c>/<c>nbf</c>.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The original system's variable: "1" or "true" asks NRAS first, local verification being the fallback.</summary>
    public const string PreferNrasVariable = "ATTESTATION_PREFER_NRAS";

    /// <summary>True when ATTESTATION_PREFER_NRAS is "1" or "true" (any case): GPU attestation then asks NRAS first.</summary>
    public static bool PreferNrasFromEnvironment() => IsPreferNras(Environment.GetEnvironmentVariable(PreferNrasVariable));

    /// <summary>True for the values of ATTESTATION_PREFER_NRAS that turn it on ("1", "true" in any case), as the original read it.</summary>
    public static bool IsPreferNras(string? value) => value == "1" || string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);
}
