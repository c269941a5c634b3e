using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Audit;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Inputs;
using TeeWasm.Attestation.Services.Kbs.Trustee;
using TeeWasm.Attestation.Services.Kbs;
using TeeWasm.KeyBroker.Appraisers;
using TeeWasm.KeyBroker.Trustee;

namespace TeeWasm.KeyBroker;

/// <summary>
/// The embedded key broker (<c>tee-wasm kbs serve</c>): speaks the Trustee KBS protocol — <c>POST /kbs/v0/auth</c>,
/// <c>POST /kbs/v0/attest</c>, <c>GET /kbs/v0/resource/&lt;repo&gt;/&lt;type&gt;/&lt;tag&gt;</c> — verifies TeeWasm
/// evidence of any registered platform with <see cref="EvidenceAppraiser"/> (Trustee evidence with
/// <see cref="TrusteeEvidenceAppraiser"/>), and releases a secret, encrypted to the TEE key, only when the secret's
/// policy rule accepts the appraised evidence. Simulated platforms are accepted only when a rule explicitly allows them.
/// Also <c>GET /health</c> and <c>GET /metrics</c> (Prometheus); every request is logged and counted.
/// </summary>
public sealed partial class KeyBrokerServer : IAsyncDisposable
{
    /// <summary>The issuer of the broker's attestation tokens.</summary>
    public const string TokenIssuer = "tee-wasm-kbs";

    /// <summary>Path of the health endpoint: 200 <c>{"status":"ok"}</c> while the broker can serve its secrets.</summary>
    public const string HealthPath = "/health";

    /// <summary>Path of the Prometheus metrics (text exposition format).</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>Largest request body read (evidence is a few KiB); a larger one is answered 413.</summary>
    public const int MaxRequestBodyBytes = 1024 * 1024;

    /// <summary>Largest total size of a request's headers; beyond it Kestrel answers 431.</summary>
    public const int MaxRequestHeadersBytes = 32 * 1024;

    /// <summary>Most headers a request may have; beyond it Kestrel answers 431.</summary>
    public const int MaxRequestHeaderCount = 100;

    /// <summary>The refusal of plain HTTP beyond loopback without <see cref="KeyBrokerOptions.AllowInsecureHttp"/>.</summary>
    public const string InsecureHttpRefused =
        "would serve plain HTTP beyond loopback: session cookies and tokens would cross the network in clear (secrets stay encrypted to the TEE key). "
        + "Listen on 127.0.0.1 behind a TLS proxy, use https:// with a certificate, or allow it explicitly (--insecure-http)";

    private const string ErrorType = "https://github.com/confidential-containers/kbs/errors/";
    private static readonly string[] s_trusteeTees = ["snp", "tdx", TrusteeAzVtpmEvidence.SnpTee, TrusteeAzVtpmEvidence.TdxTee];
    private static readonly string[] s_tees = [.. s_trusteeTees.Concat(KbsProtocol.TeeWasmTeeNames).Distinct()];

    private readonly KeyBrokerOptions _options;
    private readonly WebApplication _app;
    private readonly SessionStore _sessions;
    private readonly EvidenceAppraiser _appraiser;
    private readonly TrusteeAppraisalOptions _trustee;
    private readonly ECDsa _tokenKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly string _secretsRoot;
    private readonly BrokerMetrics _metrics;
    private readonly ILogger _log;
    private readonly Dictionary<string, TeeWasm.Attestation.Evidence.WorkloadIdentity> _workloads;

    private KeyBrokerServer(KeyBrokerOptions options, WebApplication app)
    {
        _options = options;
        _workloads = options.Workloads.GroupBy(w => w.DigestHex).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        _app = app;
        _log = options.Logger;
        _secretsRoot = Path.GetFullPath(options.SecretsDirectory);
        _sessions = new SessionStore(options.MaxSessions, options.ChallengeLifetime, options.SessionLifetime);
        // The simulator's root (loaded only when some rule allows simulated platforms) serves both kinds of evidence.
        _trustee = TrusteeAppraisalOptions.Create(options.Policy.AnyAllowsSimulated, options.SimulatorDirectory, options.TdxCollateralDirectory, options.Time,
            options.CollateralFetcher);
        _appraiser = new EvidenceAppraiser(new AppraisalOptions
        {
            SimulatorRoot = _trustee.SimulatorRoot, CollateralDirectory = options.TdxCollateralDirectory, Time = options.Time,
            CollateralFetcher = options.CollateralFetcher,
        });
        _metrics = new BrokerMetrics(() => _sessions.Count);
        app.Use(ObserveAsync);
        // Plain request delegates, no handler binding at run time: the native build (Native AOT) serves them as is.
        app.MapPost(KbsProtocol.AuthPath, Serve(Auth));
        app.MapPost(KbsProtocol.AttestPath, Serve(Attest));
        app.MapGet(KbsProtocol.ResourcePrefix + "{repository}/{type}/{tag}", Serve(context =>
        {
            RouteValueDictionary route = context.Request.RouteValues;
            return Task.FromResult(Resource(context, (string)route["repository"]!, (string)route["type"]!, (string)route["tag"]!));
        }));
        app.MapGet(HealthPath, Serve(_ => Task.FromResult(Health())));
        app.MapGet(MetricsPath, MetricsAsync);
    }

    /// <summary>The address it listens on (the real port when 0 was asked for).</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>Whether simulated platforms can get secrets from this broker at all.</summary>
    public bool AcceptsSimulated => _trustee.SimulatorRoot is not null;

    /// <summary>Starts a broker.</summary>
    /// <exception cref="AttestationException">Bad settings (secrets directory, listen address, plain HTTP beyond loopback) or the port is taken.</exception>
    public static async Task<KeyBrokerServer> StartAsync(KeyBrokerOptions options)
    {
        if (!Directory.Exists(options.SecretsDirectory))
            throw new AttestationException($"secrets directory '{options.SecretsDirectory}' does not exist");
        if (options.TdxCollateralDirectory is { } collateral && !Directory.Exists(collateral))
            throw new AttestationException($"TDX collateral directory '{collateral}' does not exist");
        string url = ListenUrl(options.Listen);
        bool https = url.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        if (https && options.TlsCertificate is null)
            throw new AttestationException($"listen address {options.Listen} is https: a TLS certificate and key are needed (--tls-cert, --tls-key)");
        if (!https && options.TlsCertificate is not null)
            throw new AttestationException($"a TLS certificate was given but the listen address {options.Listen} is not https://");
        if (!https && !options.AllowInsecureHttp && !IsLoopback(options.Listen))
            throw new AttestationException($"{options.Listen} {InsecureHttpRefused}");

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.WebHost.UseUrls(url);
        if (https) builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
            k.Limits.MaxRequestHeadersTotalSize = MaxRequestHeadersBytes;
            k.Limits.MaxRequestHeaderCount = MaxRequestHeaderCount;
            if (options.TlsCertificate is { } certificate) k.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate);
        });
        var server = new KeyBrokerServer(options, builder.Build());
        try
        {
            await server._app.StartAsync();
        }
        catch (IOException e)
        {
            throw new AttestationException($"key broker cannot listen on {options.Listen}: {e.Message}", e);
        }
        server.Address = new Uri(server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        if (!https && !IsLoopback(options.Listen)) LogInsecure(server._log, options.Listen);
        return server;
    }

    /// <summary>Waits until the host is stopped (Ctrl-C, SIGTERM).</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _tokenKey.Dispose();
    }

    internal static string ListenUrl(string listen)
    {
        if (listen.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || listen.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            return listen;
        return "http://" + listen;
    }

    /// <summary>True when <paramref name="listen"/> (HOST:PORT or a URL) names only loopback: 127.0.0.0/8, ::1 or localhost.</summary>
    public static bool IsLoopback(string listen) => Uri.TryCreate(ListenUrl(listen), UriKind.Absolute, out var uri) && uri.IsLoopback;

    private async Task<IResult> Auth(HttpContext context)
    {
        var (request, invalid) = await ReadJsonAsync(context, "auth body is not a KBS Request (JSON)");
        if (invalid is not null) return invalid;
        string? version = Str(request, "version");
        string? tee = Str(request, "tee");
        if (version is null || !version.StartsWith("0.", StringComparison.Ordinal))
            return Problem(400, "ProtocolVersion", $"protocol version '{version}' not supported (0.x)");
        if (tee is "intel-tdx") tee = "tdx";
        if (tee is "amd-sev-snp") tee = "snp";
        if (tee is null || !s_tees.Contains(tee, StringComparer.Ordinal))
            return Problem(400, "UnsupportedTee", $"tee '{tee}' not supported ({string.Join(", ", s_tees)})");
        var challenge = _sessions.Issue(tee, _options.Time.GetUtcNow());
        context.Response.Headers.SetCookie =
            $"{KbsProtocol.SessionCookie}={challenge.Cookie}; Path=/kbs; HttpOnly; Max-Age={(int)_sessions.CookieLifetime.TotalSeconds}";
        return Results.Json(new KbsChallenge(challenge.Nonce, ""), KeyBrokerJsonContext.Default.KbsChallenge);
    }

    private async Task<IResult> Attest(HttpContext context)
    {
        var now = _options.Time.GetUtcNow();
        if (_sessions.Read(Cookie(context)) is not { } challenge)
            return Problem(401, "UnAuthenticated", "no session: POST /kbs/v0/auth first (cookie kbs-session-id)");
        if (challenge.Expires <= now)
            return Problem(401, "UnAuthenticated", "the challenge has expired: POST /kbs/v0/auth again");
        var (body, invalid) = await ReadJsonAsync(context, "attest body is not a KBS Attestation (JSON)");
        if (invalid is not null) return invalid;
        if (body.ValueKind != JsonValueKind.Object) return Problem(400, "InvalidRequest", "attest body is not a KBS Attestation (a JSON object)");
        // Trustee 0.4.0 puts the key in runtime-data and sends composite evidence; TeeWasm's own format has both at the top.
        bool trustee = body.TryGetProperty(TrusteeKbs.RuntimeDataField, out _);
        var keyHolder = trustee ? body.GetProperty(TrusteeKbs.RuntimeDataField) : body;
        if (keyHolder.ValueKind != JsonValueKind.Object || !keyHolder.TryGetProperty("tee-pubkey", out var jwk))
            return Problem(400, "InvalidRequest", $"no {(trustee ? "runtime-data." : "")}tee-pubkey");
        TeePublicKey key;
        try
        {
            key = TeePublicKey.FromJwk(jwk);
        }
        catch (AttestationException ex)
        {
            return Problem(400, "InvalidRequest", ex.Message);
        }
        if (!body.TryGetProperty("tee-evidence", out var evidence))
        {
            key.Dispose();
            return Problem(400, "InvalidRequest", "no tee-evidence");
        }
        string evidenceJson = evidence.ValueKind == JsonValueKind.String ? evidence.GetString()! : evidence.GetRawText();

        AppraisedEvidence appraised;
        try
        {
            appraised = trustee
                ? TrusteeEvidenceAppraiser.Appraise(challenge.Tee, challenge.Nonce, body, key, _trustee)
                : _appraiser.Appraise(evidenceJson, KbsProtocol.BindingNonce(challenge.Nonce, key.Jwk));
        }
        catch (Exception ex) when (ex is AttestationException or CryptographicException or FormatException or ArgumentException)
        {
            key.Dispose();
            _metrics.Attestation(accepted: false);
            Audit(AuditEvents.Verify, null, "failed", ex.Message);
            return Problem(401, "AttestationFailed", ex.Message);
        }
        Audit(AuditEvents.Verify, appraised, "ok", appraised.Note);
        if (_sessions.Store(challenge, appraised, key, now) is not { } session)
        {
            key.Dispose();
            return Problem(503, "Busy", $"too many attested sessions ({_options.MaxSessions}); try again later");
        }
        _metrics.Attestation(accepted: true);
        string token = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = TokenIssuer,
            IssuedAt = now.UtcDateTime,
            Expires = session.Expires.UtcDateTime,
            Claims = appraised.BindsModule
                ? new Dictionary<string, object> { ["platform"] = appraised.Platform, ["simulated"] = appraised.Simulated, ["measurement"] = appraised.Measurement, ["module_hash"] = appraised.ModuleHash }
                : new Dictionary<string, object> { ["platform"] = appraised.Platform, ["simulated"] = appraised.Simulated, ["measurement"] = appraised.Measurement },
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(_tokenKey), SecurityAlgorithms.EcdsaSha256),
        });
        Audit(AuditEvents.TokenIssued, appraised, "ok", null, token: token);
        return Results.Json(new KbsAttestationToken(token), KeyBrokerJsonContext.Default.KbsAttestationToken);
    }

    private IResult Resource(HttpContext context, string repository, string type, string tag)
    {
        string name = $"{repository}/{type}/{tag}";
        if (_sessions.Find(Cookie(context), _options.Time.GetUtcNow()) is not { } session)
        {
            Audit(AuditEvents.SecretRefused, null, "refused", "not attested", name);
            _metrics.Refusal("UnAuthenticated");
            return Problem(401, "UnAuthenticated", "no attested session: POST /kbs/v0/auth and /kbs/v0/attest first");
        }
        var evidence = session.Evidence;
        Audit(AuditEvents.SecretRequested, evidence, "requested", null, name);
        if (KbsProtocol.ResourcePath(name) is not { } path)
            return Refuse(evidence, name, 400, "InvalidRequest", $"'{name}' is not a resource path");
        if (_options.Policy.Check(path, evidence, _options.Time.GetUtcNow(), _workloads) is { } reason)
            return Refuse(evidence, name, 403, "PolicyDeny", $"secret '{path}' refused: {reason}");
        string file = Path.GetFullPath(Path.Combine(_secretsRoot, repository, type, tag));
        if (!file.StartsWith(_secretsRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(file))
            return Refuse(evidence, name, 404, "ResourceNotFound", $"no secret '{path}'");
        byte[] secret;
        try
        {
            secret = BoundedRead.File(file, InputLimits.Secret, "secret file");
        }
        catch (InputTooLargeException)
        {
            return Refuse(evidence, name, 500, "SecretTooLarge", $"secret '{path}' is larger than {InputLimits.Describe(InputLimits.Secret)}, the limit the broker serves (docs/limits.md)");
        }
        try
        {
            string jwe = session.TeeKey.Encrypt(secret);
            Audit(AuditEvents.SecretReleased, evidence, "released", null, name);
            _metrics.Release();
            return Results.Text(jwe, "application/json");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    private IResult Health() => Directory.Exists(_secretsRoot)
        ? Results.Text("""{"status":"ok"}""", "application/json")
        : Results.Text("""{"status":"unavailable","detail":"the secrets directory is gone"}""", "application/json", statusCode: 503);

    private async Task MetricsAsync(HttpContext context)
    {
        context.Response.ContentType = BrokerMetrics.ContentType;
        await _metrics.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
    }

    /// <summary>Logs and counts every request; answers what escaped a handler with a KBS error body (and a log line), never an empty 500.</summary>
    private async Task ObserveAsync(HttpContext context, RequestDelegate next)
    {
        long start = Stopwatch.GetTimestamp();
        string path = context.Request.Path.ToUriComponent();
        if (path.Length > 256) path = path[..256] + "…";
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's refusal of a request it was reading (a body over the limit: 413).
            await WriteProblemAsync(context, e.StatusCode, e.StatusCode == StatusCodes.Status413PayloadTooLarge ? "PayloadTooLarge" : "InvalidRequest",
                e.StatusCode == StatusCodes.Status413PayloadTooLarge ? $"request body over {MaxRequestBodyBytes} bytes" : e.Message);
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
        {
            LogFailure(_log, context.Request.Method, path, e);
            await WriteProblemAsync(context, 500, "InternalError", "internal error (the broker's log has it)");
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(start);
            _metrics.Request(context.Request.Path.Value ?? "", context.Response.StatusCode, elapsed);
            LogRequest(_log, context.Request.Method, path, context.Response.StatusCode,
                elapsed.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture), context.Connection.RemoteIpAddress?.ToString() ?? "-");
        }
    }

    private static async Task WriteProblemAsync(HttpContext context, int status, string type, string detail)
    {
        if (context.Response.HasStarted) return;
        context.Response.Clear();
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", ErrorType + type);
            w.WriteString("detail", detail);
            w.WriteEndObject();
        }
        await context.Response.Body.WriteAsync(buffer.ToArray(), context.RequestAborted);
    }

    /// <summary>Reads the whole body (bounded by <see cref="MaxRequestBodyBytes"/>) as UTF-8 JSON; a problem answer when it is not.</summary>
    private static async Task<(JsonElement Body, IResult? Problem)> ReadJsonAsync(HttpContext context, string what)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        if (!Utf8.IsValid(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)))
            return (default, Problem(400, "InvalidRequest", what + ": not UTF-8"));
        try
        {
            using var document = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
            return (document.RootElement.Clone(), null);
        }
        catch (JsonException)
        {
            return (default, Problem(400, "InvalidRequest", what));
        }
    }

    private IResult Refuse(AppraisedEvidence evidence, string name, int status, string type, string detail)
    {
        Audit(AuditEvents.SecretRefused, evidence, "refused", detail, name);
        _metrics.Refusal(type);
        return Problem(status, type, detail);
    }

    private static string? Cookie(HttpContext context) =>
        context.Request.Cookies.TryGetValue(KbsProtocol.SessionCookie, out string? value) ? value : null;

    private static IResult Problem(int status, string type, string detail) =>
        Results.Json(new KbsError(ErrorType + type, detail), KeyBrokerJsonContext.Default.KbsError, statusCode: status);

    private static RequestDelegate Serve(Func<HttpContext, Task<IResult>> handler) =>
        async context => await (await handler(context)).ExecuteAsync(context);

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private void Audit(string evt, AppraisedEvidence? evidence, string verdict, string? reason, string? subject = null, string? token = null)
    {
        if (_options.AuditLog is NullAuditLog) return;
        _options.AuditLog.Write(new AuditEvent
        {
            Time = _options.Time.GetUtcNow(),
            Event = evt,
            ModuleHash = evidence is { BindsModule: true } ? evidence.ModuleHash : null,
            Platform = evidence?.Platform,
            Verdict = verdict,
            Reason = reason,
            Subject = subject,
            TokenSha256 = token is null ? null : AuditEvent.Fingerprint(token),
            Simulated = evidence?.Simulated ?? false,
        });
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Method} {Path} {Status} {ElapsedMs} ms {Client}")]
    private static partial void LogRequest(ILogger logger, string method, string path, int status, string elapsedMs, string client);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "{Method} {Path} failed; answered 500")]
    private static partial void LogFailure(ILogger logger, string method, string path, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "serving plain HTTP beyond loopback on {Listen} (allowed explicitly): session cookies and tokens cross the network in clear")]
    private static partial void LogInsecure(ILogger logger, string listen);
}
