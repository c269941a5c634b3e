using TeeWasm.Attestation.Http;

namespace TeeWasm.Attestation.Services.Ita;

/// <summary>The version of Intel Trust Authority's appraisal API the client speaks.</summary>
public enum ItaApiVersion
{
    /// <summary>
    /// <c>/appraisal/v2/…</c>, what Intel's current clients use: <c>{"tdx": {quote, runtime_data, verifier_nonce}, policy_ids}</c>,
    /// and <c>/appraisal/v2/attest/azure</c> for Azure TDX confidential VMs.
    /// </summary>
    V2,

    /// <summary><c>/appraisal/v1/…</c>, for older deployments: a flat <c>{quote, verifier_nonce, runtime_data, policy_ids}</c>; TDX only, no Azure.</summary>
    V1,
}

/// <summary>Settings of the Intel Trust Authority client.</summary>
public sealed record ItaOptions
{
    /// <summary>The API address, e.g. <c>https://api.trustauthority.intel.com</c>.</summary>
    public required Uri Endpoint { get; init; }

    /// <summary>The attestation API key (sent as <c>x-api-key</c>); never logged.</summary>
    public required string ApiKey { get; init; }

    /// <summary>The JWKS address; null derives it: <c>api.</c> host → <c>https://portal.…/certs</c>, otherwise <c>{Endpoint}/certs</c>.</summary>
    public Uri? JwksUri { get; init; }

    /// <summary>The issuer its tokens carry.</summary>
    public string Issuer { get; init; } = "Intel Trust Authority";

    /// <summary>The appraisal API version (v2 by default).</summary>
    public ItaApiVersion ApiVersion { get; init; } = ItaApiVersion.V2;

    /// <summary>Appraisal policies to apply (IDs), none by default.</summary>
    public IReadOnlyList<string> PolicyIds { get; init; } = [];

    /// <summary>Timeout, retries, handler.</summary>
    public ServiceCallOptions Calls { get; init; } = new();

    /// <summary>Shortest time between two fetches of the key set.</summary>
    public TimeSpan KeyRefreshInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The clock (token lifetimes).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The environment variable the CLI reads the API key from.</summary>
    public const string ApiKeyVariable = "TEEWASM_ITA_API_KEY";

    /// <summary>Reads "v1" or "v2" (case-insensitive); false for anything else.</summary>
    public static bool TryParseApiVersion(string? text, out ItaApiVersion version)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "v2": version = ItaApiVersion.V2; return true;
            case "v1": version = ItaApiVersion.V1; return true;
            default: version = default; return false;
        }
    }

    internal Uri ResolveJwksUri()
    {
        if (JwksUri is not null) return JwksUri;
        string host = Endpoint.Host;
        return host.StartsWith("api.", StringComparison.OrdinalIgnoreCase)
            ? new Uri($"{Endpoint.Scheme}://portal.{host[4..]}/certs")
            : new Uri(Endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/certs");
    }
}
