using TeeWasm.Attestation.Http;

namespace TeeWasm.Attestation.Services.Maa;

/// <summary>Settings of the Azure Attestation (MAA) client.</summary>
public sealed record MaaOptions
{
    /// <summary>The attestation instance, e.g. <c>https://myinstance.weu.attest.azure.net</c>; also the tokens' issuer.</summary>
    public required Uri Endpoint { get; init; }

    /// <summary>API version for <c>/attest/SevSnpVm</c>.</summary>
    public string SnpApiVersion { get; init; } = "2022-08-01";

    /// <summary>API version for <c>/attest/TdxVm</c>.</summary>
    public string TdxApiVersion { get; init; } = "2023-04-01-preview";

    /// <summary>Timeout, retries, handler.</summary>
    public ServiceCallOptions Calls { get; init; } = new();

    /// <summary>Shortest time between two fetches of <c>/certs</c>.</summary>
    public TimeSpan KeyRefreshInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The clock (token lifetimes).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
