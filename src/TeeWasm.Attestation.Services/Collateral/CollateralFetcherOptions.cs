namespace TeeWasm.Attestation.Services.Collateral;

/// <summary>Where and how <see cref="CollateralFetcher"/> fetches: the vendors' base URLs, timeouts, retries, the cache.</summary>
public sealed record CollateralFetcherOptions
{
    /// <summary>AMD's Key Distribution Service (VCEK, ASK/ARK, CRL): <c>/vcek/v1/{product}/…</c>.</summary>
    public static readonly Uri DefaultKdsUrl = new("https://kdsintf.amd.com");

    /// <summary>Intel's Provisioning Certification Service: <c>/tdx/certification/v4/…</c>, <c>/sgx/certification/v4/…</c>.</summary>
    public static readonly Uri DefaultPcsUrl = new("https://api.trustedservices.intel.com");

    /// <summary>The Intel SGX Root CA's CRL (the root certificate's CRL distribution point).</summary>
    public static readonly Uri DefaultIntelRootCaCrlUrl = new("https://certificates.trustedservices.intel.com/IntelSGXRootCA.der");

    /// <summary>NVIDIA's RIM service: <c>/v1/rim/{id}</c>.</summary>
    public static readonly Uri DefaultRimUrl = new("https://rim.attestation.nvidia.com");

    /// <summary>NVIDIA's OCSP responder for device and RIM certificates.</summary>
    public static readonly Uri DefaultOcspUrl = new("https://ocsp.ndis.nvidia.com");

    /// <summary>NVIDIA OCSP responder URL.</summary>
    public Uri OcspUrl { get; init; } = DefaultOcspUrl;

    /// <summary>AMD KDS base URL.</summary>
    public Uri KdsUrl { get; init; } = DefaultKdsUrl;

    /// <summary>Intel PCS base URL.</summary>
    public Uri PcsUrl { get; init; } = DefaultPcsUrl;

    /// <summary>Intel SGX Root CA CRL URL.</summary>
    public Uri IntelRootCaCrlUrl { get; init; } = DefaultIntelRootCaCrlUrl;

    /// <summary>NVIDIA RIM service base URL.</summary>
    public Uri RimUrl { get; init; } = DefaultRimUrl;

    /// <summary>Time allowed for one attempt (connect, send, read the whole answer).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts in all; only transport errors, timeouts, 429 and 5xx are retried.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Delay before the second attempt (doubled for each later one), unless a 429 names its own.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest <c>Retry-After</c> honoured; a service asking for more is an error.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest answer accepted.</summary>
    public int MaxResponseBytes { get; init; } = 4 << 20;

    /// <summary>The on-disk cache folder; null: no cache.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Never touch the network: only fresh cache entries are used (<c>--offline</c>).</summary>
    public bool Offline { get; init; }

    /// <summary>How long an answer with no expiry of its own (a RIM) stays fresh in the cache.</summary>
    public TimeSpan DefaultLifetime { get; init; } = TimeSpan.FromDays(1);

    /// <summary>The clock (cache freshness).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The HTTP handler (tests); null for a default one that follows no redirect by itself.</summary>
    public HttpMessageHandler? Handler { get; init; }

    /// <summary>The user's collateral cache ($XDG_CACHE_HOME/tee-wasm/collateral or ~/.cache/tee-wasm/collateral).</summary>
    public static string DefaultCacheDirectory
    {
        get
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string baseDir = !string.IsNullOrEmpty(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(baseDir, "tee-wasm", "collateral");
        }
    }
}
