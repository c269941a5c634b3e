namespace TeeWasm.Attestation.Services;

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

    internal Uri ResolveJwksUri()
    {
        if (JwksUri is not null) return JwksUri;
        string host = Endpoint.Host;
        return host.StartsWith("api.", StringComparison.OrdinalIgnoreCase)
            ? new Uri($"{Endpoint.Scheme}://portal.{host[4..]}/certs")
            : new Uri(Endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/certs");
    }
}
