// An unauthenticated POST /kbs/v0/auth flood against `tee-wasm kbs serve` on loopback, from a bounded client (a fixed
// number of connections, each sending its next request when the last is answered), while attested guests get their
// secret: flood requests, statuses and p50/p99 latency; the guests' secrets (an attested session fetching again, and
// new guests attesting from scratch) with their latency; the broker process's resident memory before, at its peak
// during, and after the flood. The broker runs as its own process, so its RSS is its own.
//
//   dotnet run -c Release --project bench/TeeWasm.KbsLoad -- [--seconds 20] [--connections 16] [--tee-wasm DLL] [--json FILE]

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Http;
using TeeWasm.Attestation.Services.Kbs;
using TeeWasm.Tests.Shared;

var options = LoadOptions.Parse(args);
string work = Directory.CreateTempSubdirectory("teewasm-kbs-load-").FullName;
try
{
    return await Run(options, work);
}
finally
{
    Directory.Delete(work, recursive: true);
}

static async Task<int> Run(LoadOptions o, string work)
{
    string secrets = Directory.CreateDirectory(Path.Combine(work, "secrets", "default", "secret")).FullName;
    File.WriteAllBytes(Path.Combine(secrets, "demo"), RandomNumberGenerator.GetBytes(32));
    File.WriteAllText(Path.Combine(work, "policy.json"), """{"default":{"allow_simulated":true}}""");
    using var broker = Broker.Start(o.TeeWasm, work);
    Console.WriteLine($"broker: {o.TeeWasm} (pid {broker.Pid}) at {broker.Url}; log {broker.LogFile}");
    string loadAtStart = LoadAverage();
    Console.WriteLine($"machine: {Environment.ProcessorCount} logical CPUs, {CpuModel()}, load average {loadAtStart}");

    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = o.Connections, UseCookies = false }) { BaseAddress = new Uri(broker.Url) };
    using var guests = new Attester(new AttesterOptions { Mode = AttestationMode.Simulate }) { ModuleHash = Attester.HashModule("kbs-load"u8) };
    var calls = new ServiceCallOptions { Timeout = TimeSpan.FromSeconds(30), MaxAttempts = 1 };
    KbsClient NewClient() => new(new KbsClientOptions { Endpoint = new Uri(broker.Url), Calls = calls }, guests);

    // Warm up both sides, then the attested guest of the flood.
    for (int i = 0; i < 200; i++) await Auth(http);
    using (var warm = NewClient()) Require(warm.GetSecret("demo"), "warm-up guest");
    await Task.Delay(TimeSpan.FromSeconds(2));
    long rssBefore = broker.Rss();
    using var attested = NewClient();
    Require(attested.GetSecret("demo"), "attested guest before the flood");

    var flood = new ConcurrentBag<(double Ms, int Status)>();
    var sameSession = new ConcurrentBag<(double Ms, bool Ok, string? Error)>();
    var newSessions = new ConcurrentBag<(double Ms, bool Ok, string? Error)>();
    long rssPeak = rssBefore;
    var until = DateTime.UtcNow + TimeSpan.FromSeconds(o.Seconds);
    var sampler = Task.Run(async () =>
    {
        while (DateTime.UtcNow < until)
        {
            rssPeak = Math.Max(rssPeak, broker.Rss());
            await Task.Delay(250);
        }
    });
    var workers = Enumerable.Range(0, o.Connections).Select(_ => Task.Run(async () =>
    {
        var mine = new List<(double, int)>();
        while (DateTime.UtcNow < until)
        {
            long start = Stopwatch.GetTimestamp();
            int status = await Auth(http);
            mine.Add((Stopwatch.GetElapsedTime(start).TotalMilliseconds, status));
        }
        foreach (var r in mine) flood.Add(r);
    })).ToArray();
    var guestLoop = Task.Run(async () =>
    {
        int round = 0;
        while (DateTime.UtcNow < until - TimeSpan.FromSeconds(1))
        {
            sameSession.Add(Timed(() => attested.GetSecret("demo")));
            if (round++ % 4 == 0)
            {
                using var fresh = NewClient();
                newSessions.Add(Timed(() => fresh.GetSecret("demo")));
            }
            await Task.Delay(500);
        }
    });
    await Task.WhenAll([.. workers, guestLoop, sampler]);
    long rssAfter = broker.Rss();
    await Task.Delay(TimeSpan.FromSeconds(5));
    long rssIdle = broker.Rss();
    string? sessions = await Metric(http, "kbs_sessions");

    var statuses = flood.GroupBy(r => r.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}");
    var result = new
    {
        seconds = o.Seconds,
        connections = o.Connections,
        flood = new
        {
            requests = flood.Count,
            per_second = Math.Round(flood.Count / (double)o.Seconds),
            statuses = flood.GroupBy(r => r.Status).ToDictionary(g => g.Key.ToString(CultureInfo.InvariantCulture), g => g.Count()),
            p50_ms = Percentile([.. flood.Select(r => r.Ms)], 50),
            p99_ms = Percentile([.. flood.Select(r => r.Ms)], 99),
        },
        attested_guest = Summary(sameSession),
        new_guests = Summary(newSessions),
        rss_mib = new { before = Mib(rssBefore), peak = Mib(rssPeak), after = Mib(rssAfter), after_5s_idle = Mib(rssIdle) },
        kbs_sessions_after = sessions,
        load_average = new { start = loadAtStart, end = LoadAverage() },
        machine = $"{Environment.ProcessorCount} logical CPUs, {CpuModel()}",
    };
    Console.WriteLine($"flood: {result.flood.requests} POST /kbs/v0/auth in {o.Seconds} s from {o.Connections} connections ({result.flood.per_second}/s); "
        + $"statuses {string.Join(", ", statuses)}; p50 {result.flood.p50_ms} ms, p99 {result.flood.p99_ms} ms");
    Console.WriteLine($"attested guest (same session, every 0.5 s): {Describe(result.attested_guest)}");
    Console.WriteLine($"new guests (auth + attest + secret, every 2 s): {Describe(result.new_guests)}");
    Console.WriteLine($"broker RSS: {result.rss_mib.before} MiB before, {result.rss_mib.peak} MiB peak, {result.rss_mib.after} MiB right after, "
        + $"{result.rss_mib.after_5s_idle} MiB after 5 s idle; attested sessions held after: {sessions ?? "(no /metrics)"}");
    foreach (var failure in sameSession.Concat(newSessions).Where(g => !g.Ok).Select(g => g.Error).Distinct().Take(3))
        Console.WriteLine("  guest failure: " + failure);
    if (o.Json is { } json)
        File.WriteAllText(json, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }) + "\n");
    return sameSession.Concat(newSessions).All(g => g.Ok) ? 0 : 1;
}

static async Task<int> Auth(HttpClient http)
{
    using var response = await http.PostAsync("/kbs/v0/auth", new StringContent("""{"version":"0.1.0","tee":"snp","extra-params":""}""", Encoding.UTF8, "application/json"));
    await response.Content.LoadIntoBufferAsync();
    return (int)response.StatusCode;
}

static (double Ms, bool Ok, string? Error) Timed(Func<SecretResult> get)
{
    long start = Stopwatch.GetTimestamp();
    var r = get();
    return (Stopwatch.GetElapsedTime(start).TotalMilliseconds, r.Success, r.Error);
}

static object Summary(ConcurrentBag<(double Ms, bool Ok, string? Error)> runs) => new GuestSummary(
    runs.Count, runs.Count(r => r.Ok), Percentile([.. runs.Select(r => r.Ms)], 50), Percentile([.. runs.Select(r => r.Ms)], 99));

static string Describe(object summary) => summary is GuestSummary s
    ? $"{s.Succeeded}/{s.Requests} secrets released; p50 {s.P50Ms} ms, p99 {s.P99Ms} ms"
    : "";

static double Percentile(double[] values, int p)
{
    if (values.Length == 0) return double.NaN;
    Array.Sort(values);
    int index = (int)Math.Ceiling(p / 100.0 * values.Length) - 1;
    return Math.Round(values[Math.Clamp(index, 0, values.Length - 1)], 2);
}

static double Mib(long bytes) => Math.Round(bytes / 1048576.0, 1);

static void Require(SecretResult r, string who)
{
    if (!r.Success) throw new InvalidOperationException($"{who}: {r.Error}");
}

static async Task<string?> Metric(HttpClient http, string name)
{
    using var response = await http.GetAsync("/metrics");
    if (response.StatusCode != HttpStatusCode.OK) return null;
    var m = Regex.Match(await response.Content.ReadAsStringAsync(), $"^{name} (\\S+)$", RegexOptions.Multiline);
    return m.Success ? m.Groups[1].Value : null;
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]) : "?";

static string CpuModel() =>
    File.Exists("/proc/cpuinfo") && File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) is { } line
        ? line[(line.IndexOf(':') + 1)..].Trim()
        : "?";

/// <summary>What one run is given.</summary>
internal sealed record LoadOptions(int Seconds, int Connections, string TeeWasm, string? Json)
{
    public static LoadOptions Parse(string[] args)
    {
        int seconds = 20, connections = 16;
        string teeWasm = Path.Combine(RepoPaths.Root, "src", "TeeWasm.Cli", "bin", "Release", "net10.0", "tee-wasm.dll");
        string? json = null;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--seconds": seconds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--connections": connections = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--tee-wasm": teeWasm = Path.GetFullPath(Next()); break;
                case "--json": json = Next(); break;
                default: throw new ArgumentException($"unknown option {args[i]} (--seconds S, --connections N, --tee-wasm DLL, --json FILE)");
            }
        }
        if (!File.Exists(teeWasm)) throw new ArgumentException($"{teeWasm} not found: dotnet build src/TeeWasm.Cli -c Release first, or --tee-wasm DLL");
        return new LoadOptions(seconds, connections, teeWasm, json);
    }
}

/// <summary>The guests' figures.</summary>
internal sealed record GuestSummary(int Requests, int Succeeded, double P50Ms, double P99Ms);

/// <summary><c>tee-wasm kbs serve</c> on a free loopback port, its log in a file.</summary>
internal sealed class Broker : IDisposable
{
    private readonly Process _process;

    private Broker(Process process, string url, string logFile)
    {
        _process = process;
        Url = url;
        LogFile = logFile;
    }

    public string Url { get; }
    public string LogFile { get; }
    public int Pid => _process.Id;

    public static Broker Start(string teeWasm, string work)
    {
        string log = Path.Combine(work, "kbs.log");
        var psi = new ProcessStartInfo("bash")
        {
            ArgumentList = { "-c", "exec dotnet \"$0\" kbs serve --listen 127.0.0.1:0 --secrets \"$1\" --policy \"$2\" 2>\"$3\"",
                teeWasm, Path.Combine(work, "secrets"), Path.Combine(work, "policy.json"), log },
            RedirectStandardOutput = true, UseShellExecute = false,
        };
        var p = Process.Start(psi)!;
        var line = p.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(60)) || line.Result is null)
        {
            p.Kill(true);
            throw new InvalidOperationException("kbs serve did not start: " + File.ReadAllText(log));
        }
        return new Broker(p, Regex.Match(line.Result, @"http://127\.0\.0\.1:\d+").Value, log);
    }

    /// <summary>The process's resident set (VmRSS), bytes.</summary>
    public long Rss()
    {
        foreach (string l in File.ReadLines($"/proc/{_process.Id}/status"))
            if (l.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        return 0;
    }

    public void Dispose()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
        _process.Dispose();
    }
}
