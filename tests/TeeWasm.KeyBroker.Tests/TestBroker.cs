using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Http;
using TeeWasm.Attestation.Services.Kbs;
using TeeWasm.Attestation.Tests;
using TeeWasm.Tests.Shared;

namespace TeeWasm.KeyBroker.Tests;

/// <summary>
/// A key broker on loopback (port 0) over a temporary secrets directory holding <c>default/secret/demo</c> and
/// <c>default/secret/other</c> (32 random bytes each), with a captured log, and simulated guests that talk to it.
/// </summary>
internal sealed class TestBroker : IAsyncDisposable
{
    public const string AllowSimulated = """{"default":{"allow_simulated":true}}""";
    public static readonly ServiceCallOptions Fast = new() { Timeout = TimeSpan.FromSeconds(30), MaxAttempts = 2, RetryDelay = TimeSpan.FromMilliseconds(10) };

    private readonly TempDir _dir;

    private TestBroker(TempDir dir, byte[] secret, KeyBrokerServer server, CapturingLogger log)
    {
        _dir = dir;
        Secret = secret;
        Server = server;
        Log = log;
    }

    public byte[] Secret { get; }
    public KeyBrokerServer Server { get; }
    public CapturingLogger Log { get; }
    public string SecretsDirectory => Path.Combine(_dir.Path, "secrets");

    public static async Task<TestBroker> StartAsync(string policy = AllowSimulated, Func<KeyBrokerOptions, KeyBrokerOptions>? configure = null)
    {
        var dir = new TempDir();
        byte[] secret = RandomNumberGenerator.GetBytes(32);
        string secrets = Directory.CreateDirectory(Path.Combine(dir.Path, "secrets", "default", "secret")).FullName;
        File.WriteAllBytes(Path.Combine(secrets, "demo"), secret);
        File.WriteAllBytes(Path.Combine(secrets, "other"), secret);
        var log = new CapturingLogger();
        var options = new KeyBrokerOptions
        {
            Listen = "127.0.0.1:0",
            SecretsDirectory = Path.Combine(dir.Path, "secrets"),
            Policy = SecretPolicy.Parse(policy),
            SimulatorDirectory = TestSupport.SimulatorDirectory,
            Logger = log,
        };
        try
        {
            return new TestBroker(dir, secret, await KeyBrokerServer.StartAsync(configure?.Invoke(options) ?? options), log);
        }
        catch
        {
            dir.Dispose();
            throw;
        }
    }

    /// <summary>A simulated guest (its module: "guest").</summary>
    public static Attester Guest() => new(TestSupport.Simulate()) { ModuleHash = Attester.HashModule("guest"u8) };

    /// <summary>A KBS client of this broker for <paramref name="guest"/>.</summary>
    public KbsClient Client(Attester guest, KbsEvidenceFormat format = KbsEvidenceFormat.TeeWasm) =>
        new(new KbsClientOptions { Endpoint = Server.Address, Calls = Fast, Evidence = format }, guest);

    /// <summary>An HTTP client of this broker (no cookie handling: the tests send the cookie they mean).</summary>
    public HttpClient Http() => new(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = Server.Address };

    /// <summary>POSTs a KBS Request; returns the challenge nonce and the session cookie.</summary>
    public async Task<(string Nonce, string Cookie)> AuthAsync(HttpClient http, string tee = "snp")
    {
        var response = await http.PostAsync(KbsProtocol.AuthPath, new StringContent($$"""{"version":"0.1.0","tee":"{{tee}}","extra-params":""}"""));
        response.EnsureSuccessStatusCode();
        string nonce = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("nonce").GetString()!;
        string cookie = response.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        return (nonce, cookie);
    }

    /// <summary>A TeeWasm Attestation body: a fresh EC TEE key and simulated evidence bound to <paramref name="nonce"/> and it.</summary>
    public static (string Body, TeeKeyPair Key) Attestation(Attester guest, string nonce)
    {
        var key = TeeKeyPair.Create(TeeKeyKind.EcP256);
        var result = guest.AttestVm(KbsProtocol.BindingNonce(nonce, key.Jwk));
        Assert.True(result.Success, result.Error);
        string body = $$"""{"tee-pubkey":{{key.Jwk.ToJsonString()}},"tee-evidence":{{result.Evidence}}}""";
        return (body, key);
    }

    /// <summary>A request with the session cookie <paramref name="cookie"/>.</summary>
    public static HttpRequestMessage Request(HttpMethod method, string path, string? cookie, HttpContent? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body };
        if (cookie is not null) request.Headers.Add("Cookie", cookie);
        return request;
    }

    /// <summary>The <c>detail</c> of a KBS error body.</summary>
    public static async Task<string> DetailAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString()!;

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _dir.Dispose();
    }
}

/// <summary>A logger that keeps every line (level and formatted message).</summary>
internal sealed class CapturingLogger : ILogger
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _lines.Enqueue($"{logLevel}: {formatter(state, exception)}{(exception is null ? "" : " | " + exception.GetType().Name)}");
}
