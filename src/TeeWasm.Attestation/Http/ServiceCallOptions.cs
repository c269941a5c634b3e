namespace TeeWasm.Attestation.Http;

/// <summary>How every remote call is made: a timeout per attempt, a bounded number of attempts, a back-off.</summary>
public sealed record ServiceCallOptions
{
    /// <summary>Time allowed for one attempt (connect, send, read the whole answer).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts in all (1 = no retry). Only transport errors, timeouts, 408, 429 and 5xx are retried.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Delay before the second attempt; doubled for each later one.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The HTTP handler (tests or proxies); null for a default <see cref="SocketsHttpHandler"/>.</summary>
    public HttpMessageHandler? Handler { get; init; }

    /// <summary>Allows plain http to hosts other than loopback (never for production).</summary>
    public bool AllowInsecureHttp { get; init; }
}
