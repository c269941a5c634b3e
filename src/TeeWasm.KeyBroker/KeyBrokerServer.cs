using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Audit;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Simulator;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Services.Kbs;
using TeeWasm.Attestation.Services.Kbs.Trustee;
using TeeWasm.KeyBroker.Appraisers;
using TeeWasm.KeyBroker.Trustee;

namespace TeeWasm.KeyBroker;

/// <summary>
/// The embedded key broker (<c>tee-wasm kbs serve</c>): speaks the Trustee KBS protocol — <c>POST /kbs/v0/auth</c>,
/// <c>POST /kbs/v0/attest</c>, <c>GET /kbs/v0/resource/&lt;repo&gt;/&lt;type&gt;/&lt;tag&gt;</c> — verifies evidence
/// with <see cref="EvidenceAppraiser"/>, and releases a secret, encrypted to the TEE key, only when the secret's policy
/// rule accepts the appraised evidence. Simulated platforms are accepted only when a rule explicitly allows them.
/// </summary>
public sealed class KeyBrokerServer : IAsyncDisposable
{
    /// <summary>The issuer of the broker's attestation tokens.</summary>
    public const string TokenIssuer = "tee-wasm-kbs";

    private const string ErrorType = "https://github.com/confidential-containers/kbs/errors/";
    private readonly KeyBrokerOptions _options;
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly AppraisalOptions _appraisal;
    private readonly ECDsa _tokenKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly string _secretsRoot;
    private readonly Dictionary<string, TeeWasm.Attestation.Evidence.WorkloadIdentity> _workloads;

    private sealed class Session
    {
        public required string Nonce { get; init; }
        public required string Tee { get; init; }
        public required DateTimeOffset Expires { get; set; }
        public AppraisedEvidence? Evidence { get; set; }
        public TeePublicKey? TeeKey { get; set; }
    }

    private KeyBrokerServer(KeyBrokerOptions options, WebApplication app)
    {
        _options = options;
        _workloads = options.Workloads.GroupBy(w => w.DigestHex).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        _app = app;
        _secretsRoot = Path.GetFullPath(options.SecretsDirectory);
        var simulator = options.Policy.AnyAllowsSimulated ? SimulatorAuthority.LoadOrCreate(options.SimulatorDirectory) : null;
        _appraisal = new AppraisalOptions
        {
            SimulatorRoot = simulator?.Ark,
            SimulatorAsk = simulator?.Ask,
            Tdx = new TdxVerifierOptions { Collateral = options.TdxCollateralDirectory is { } dir ? TdxCollateral.LoadDirectory(dir) : null },
            Time = options.Time,
            CollateralFetcher = options.CollateralFetcher,
        };
        app.MapPost(KbsProtocol.AuthPath, (Delegate)Auth);
        app.MapPost(KbsProtocol.AttestPath, (Delegate)Attest);
        app.MapGet(KbsProtocol.ResourcePrefix + "{repository}/{type}/{tag}", (Delegate)Resource);
    }

    /// <summary>The address it listens on (the real port when 0 was asked for).</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>Whether simulated platforms can get secrets from this broker at all.</summary>
    public bool AcceptsSimulated => _appraisal.SimulatorRoot is not null;

    /// <summary>Starts a broker.</summary>
    /// <exception cref="AttestationException">Bad settings (secrets directory, listen address) or the port is taken.</exception>
    public static async Task<KeyBrokerServer> StartAsync(KeyBrokerOptions options)
    {
        if (!Directory.Exists(options.SecretsDirectory))
            throw new AttestationException($"secrets directory '{options.SecretsDirectory}' does not exist");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.WebHost.UseUrls(ListenUrl(options.Listen));
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 1024 * 1024); // evidence is a few KiB
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
        foreach (var s in _sessions.Values) s.TeeKey?.Dispose();
    }

    internal static string ListenUrl(string listen)
    {
        if (listen.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || listen.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            return listen;
        return "http://" + listen;
    }

    private async Task<IResult> Auth(HttpContext context)
    {
        JsonElement request;
        try
        {
            request = (await JsonDocument.ParseAsync(context.Request.Body)).RootElement;
        }
        catch (JsonException)
        {
            return Problem(400, "InvalidRequest", "auth body is not a KBS Request (JSON)");
        }
        string? version = Str(request, "version");
        string? tee = Str(request, "tee");
        if (version is null || !version.StartsWith("0.", StringComparison.Ordinal))
            return Problem(400, "ProtocolVersion", $"protocol version '{version}' not supported (0.x)");
        if (tee is not ("snp" or "tdx" or "amd-sev-snp" or "intel-tdx" or TrusteeAzVtpmEvidence.SnpTee or TrusteeAzVtpmEvidence.TdxTee))
            return Problem(400, "UnsupportedTee", $"tee '{tee}' not supported (snp, tdx, az-snp-vtpm, az-tdx-vtpm)");
        Sweep();
        if (_sessions.Count >= _options.MaxSessions)
            return Problem(503, "Busy", "too many open sessions; try again later");
        string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        string nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        _sessions[id] = new Session { Nonce = nonce, Tee = tee is "intel-tdx" ? "tdx" : tee is "amd-sev-snp" ? "snp" : tee, Expires = _options.Time.GetUtcNow() + _options.SessionLifetime };
        context.Response.Headers.SetCookie = $"{KbsProtocol.SessionCookie}={id}; Path=/kbs; HttpOnly; Max-Age={(int)_options.SessionLifetime.TotalSeconds}";
        return Results.Json(new Dictionary<string, object> { ["nonce"] = nonce, ["extra-params"] = "" });
    }

    private async Task<IResult> Attest(HttpContext context)
    {
        if (FindSession(context) is not { } session)
            return Problem(401, "UnAuthenticated", "no session: POST /kbs/v0/auth first (cookie kbs-session-id)");
        JsonElement body;
        try
        {
            body = (await JsonDocument.ParseAsync(context.Request.Body)).RootElement;
        }
        catch (JsonException)
        {
            return Problem(400, "InvalidRequest", "attest body is not a KBS Attestation (JSON)");
        }
        // Trustee 0.4.0 puts the key in runtime-data and sends composite evidence; TeeWasm's own format has both at the top.
        bool trustee = body.ValueKind == JsonValueKind.Object && body.TryGetProperty(TrusteeKbs.RuntimeDataField, out _);
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
                ? TrusteeEvidenceAppraiser.Appraise(session.Tee, session.Nonce, body, key, _appraisal)
                : EvidenceAppraiser.Appraise(evidenceJson, KbsProtocol.BindingNonce(session.Nonce, key.Jwk), _appraisal);
        }
        catch (Exception ex) when (ex is AttestationException or CryptographicException or FormatException or ArgumentException)
        {
            key.Dispose();
            Audit(AuditEvents.Verify, null, "failed", ex.Message);
            return Problem(401, "AttestationFailed", ex.Message);
        }
        Audit(AuditEvents.Verify, appraised, "ok", appraised.Note);
        session.TeeKey?.Dispose();
        session.TeeKey = key;
        session.Evidence = appraised;
        var expires = session.Expires;
        string token = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = TokenIssuer,
            IssuedAt = _options.Time.GetUtcNow().UtcDateTime,
            Expires = expires.UtcDateTime,
            Claims = appraised.BindsModule
                ? new Dictionary<string, object> { ["platform"] = appraised.Platform, ["simulated"] = appraised.Simulated, ["measurement"] = appraised.Measurement, ["module_hash"] = appraised.ModuleHash }
                : new Dictionary<string, object> { ["platform"] = appraised.Platform, ["simulated"] = appraised.Simulated, ["measurement"] = appraised.Measurement },
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(_tokenKey), SecurityAlgorithms.EcdsaSha256),
        });
        Audit(AuditEvents.TokenIssued, appraised, "ok", null, token: token);
        return Results.Json(new { token });
    }

    private IResult Resource(HttpContext context, string repository, string type, string tag)
    {
        string name = $"{repository}/{type}/{tag}";
        if (FindSession(context) is not { Evidence: { } evidence, TeeKey: { } key } session)
        {
            Audit(AuditEvents.SecretRefused, null, "refused", "not attested", name);
            return Problem(401, "UnAuthenticated", "no attested session: POST /kbs/v0/auth and /kbs/v0/attest first");
        }
        Audit(AuditEvents.SecretRequested, evidence, "requested", null, name);
        if (KbsProtocol.ResourcePath(name) is not { } path)
            return Refuse(evidence, name, 400, "InvalidRequest", $"'{name}' is not a resource path");
        if (_options.Policy.Check(path, evidence, _options.Time.GetUtcNow(), _workloads) is { } reason)
            return Refuse(evidence, name, 403, "PolicyDeny", $"secret '{path}' refused: {reason}");
        string file = Path.GetFullPath(Path.Combine(_secretsRoot, repository, type, tag));
        if (!file.StartsWith(_secretsRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(file))
            return Refuse(evidence, name, 404, "ResourceNotFound", $"no secret '{path}'");
        byte[] secret = File.ReadAllBytes(file);
        try
        {
            string jwe = key.Encrypt(secret);
            Audit(AuditEvents.SecretReleased, evidence, "released", null, name);
            return Results.Text(jwe, "application/json");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    private IResult Refuse(AppraisedEvidence evidence, string name, int status, string type, string detail)
    {
        Audit(AuditEvents.SecretRefused, evidence, "refused", detail, name);
        return Problem(status, type, detail);
    }

    private Session? FindSession(HttpContext context)
    {
        if (!context.Request.Cookies.TryGetValue(KbsProtocol.SessionCookie, out string? id) || id is null) return null;
        if (!_sessions.TryGetValue(id, out var s)) return null;
        if (s.Expires <= _options.Time.GetUtcNow())
        {
            if (_sessions.TryRemove(id, out var gone)) gone.TeeKey?.Dispose();
            return null;
        }
        return s;
    }

    private void Sweep()
    {
        var now = _options.Time.GetUtcNow();
        foreach (var (id, s) in _sessions)
            if (s.Expires <= now && _sessions.TryRemove(id, out var gone)) gone.TeeKey?.Dispose();
    }

    private static IResult Problem(int status, string type, string detail) =>
        Results.Json(new { type = ErrorType + type, detail }, statusCode: status);

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
}
