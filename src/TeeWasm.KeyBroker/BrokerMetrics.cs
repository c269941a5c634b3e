using Prometheus;
using TeeWasm.Attestation.Services.Kbs;

namespace TeeWasm.KeyBroker;

/// <summary>
/// The broker's Prometheus metrics (prometheus-net), in a registry of its own that <c>GET /metrics</c> exports:
/// requests by route and status with their latency, attestations accepted and refused, secrets released and refused
/// (by the refusal's type), the attested sessions held, and the process's own (<c>process_*</c>, <c>dotnet_*</c>).
/// No label carries a secret's name, a client address or anything else a client chooses.
/// </summary>
internal sealed class BrokerMetrics
{
    /// <summary>Content type of the text exposition format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly Counter _requests;
    private readonly Histogram _latency;
    private readonly Counter _attestations;
    private readonly Counter _releases;
    private readonly Counter _refusals;

    public BrokerMetrics(Func<int> sessions)
    {
        Registry = Metrics.NewCustomRegistry();
        DotNetStats.Register(Registry);
        var factory = Metrics.WithCustomRegistry(Registry);
        _requests = factory.CreateCounter("kbs_requests_total", "HTTP requests answered, by route and status.",
            new CounterConfiguration { LabelNames = ["route", "status"] });
        _latency = factory.CreateHistogram("kbs_request_duration_seconds", "Time to answer a request, by route.",
            new HistogramConfiguration { LabelNames = ["route"], Buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
        _attestations = factory.CreateCounter("kbs_attestations_total", "Attestations (POST /kbs/v0/attest) appraised, by result (accepted, refused).",
            new CounterConfiguration { LabelNames = ["result"] });
        _releases = factory.CreateCounter("kbs_secret_releases_total", "Secrets released (encrypted to an attested TEE key).");
        _refusals = factory.CreateCounter("kbs_secret_refusals_total",
            "Secret requests refused, by reason (UnAuthenticated, PolicyDeny, ResourceNotFound, InvalidRequest).",
            new CounterConfiguration { LabelNames = ["reason"] });
        var held = factory.CreateGauge("kbs_sessions", "Attested sessions held (challenges take none).");
        Registry.AddBeforeCollectCallback(() => held.Set(sessions()));
    }

    /// <summary>The registry <c>/metrics</c> exports.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Counts a request answered on <paramref name="path"/>.</summary>
    public void Request(string path, int status, TimeSpan elapsed)
    {
        string route = Route(path);
        _requests.WithLabels(route, status.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        _latency.WithLabels(route).Observe(elapsed.TotalSeconds);
    }

    /// <summary>Counts an attestation.</summary>
    public void Attestation(bool accepted) => _attestations.WithLabels(accepted ? "accepted" : "refused").Inc();

    /// <summary>Counts a release.</summary>
    public void Release() => _releases.Inc();

    /// <summary>Counts a refusal of the given KBS error type.</summary>
    public void Refusal(string type) => _refusals.WithLabels(type).Inc();

    /// <summary>The route a path belongs to: auth, attest, resource, health, metrics, or other.</summary>
    public static string Route(string path) => path switch
    {
        KbsProtocol.AuthPath => "auth",
        KbsProtocol.AttestPath => "attest",
        KeyBrokerServer.HealthPath => "health",
        KeyBrokerServer.MetricsPath => "metrics",
        _ when path.StartsWith(KbsProtocol.ResourcePrefix, StringComparison.Ordinal) => "resource",
        _ => "other",
    };
}
