using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Verification;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Services.Collateral;

/// <summary>
/// Fetches vendor collateral, only when asked (<c>--fetch</c>): AMD KDS (<c>/vcek/v1/{product}/{hwid}?blSPL…</c>,
/// <c>/vcek/v1/{product}/cert_chain</c>, <c>/vcek/v1/{product}/crl</c>), Intel PCS v4
/// (<c>/tdx/certification/v4/tcb?fmspc=</c>, <c>/tdx/certification/v4/qe/identity</c>,
/// <c>/sgx/certification/v4/pckcrl?ca=…&amp;encoding=der</c> with their issuer-chain headers) and the Intel SGX Root CA
/// CRL, NVIDIA's RIM service (<c>/v1/rim/{id}</c>). Each answer is checked to be what was asked for (content type and
/// content); each attempt has a timeout; 429 (honouring <c>Retry-After</c> up to a bound), 5xx and transport errors are
/// retried a bounded number of times; a redirect is followed only on the same host. With a cache folder, answers are
/// kept by URL until their own next update (<see cref="CollateralCache"/>); <see cref="CollateralFetcherOptions.Offline"/>
/// uses the cache only. Everything fetched is recorded in <see cref="Fetched"/>.
/// </summary>
public sealed class CollateralFetcher : ICollateralFetcher, IDisposable
{
    private readonly CollateralFetcherOptions _options;
    private readonly HttpClient _http;
    private readonly Action<string>? _log;

    /// <summary>Creates the fetcher (no call is made until <see cref="Fetch"/>).</summary>
    public CollateralFetcher(CollateralFetcherOptions? options = null, Action<string>? log = null)
    {
        _options = options ?? new CollateralFetcherOptions();
        _log = log;
        _http = _options.Handler is { } h
            ? new HttpClient(h, disposeHandler: false)
            : new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        _http.Timeout = System.Threading.Timeout.InfiniteTimeSpan; // per attempt, below
        _http.MaxResponseContentBufferSize = _options.MaxResponseBytes;
        Cache = _options.CacheDirectory is { } dir ? new CollateralCache(dir, log) : null;
        foreach (Uri u in (Uri[])[_options.KdsUrl, _options.PcsUrl, _options.IntelRootCaCrlUrl, _options.RimUrl, _options.OcspUrl])
        {
            if (u.Scheme == Uri.UriSchemeHttp && !u.IsLoopback)
                throw new ArgumentException($"collateral URL '{u}' must use https (plain http only to loopback)");
        }
    }

    /// <summary>The options.</summary>
    public CollateralFetcherOptions Options => _options;

    /// <summary>The on-disk cache, or null.</summary>
    public CollateralCache? Cache { get; }

    /// <summary>Everything fetched or read from the cache so far (a typed set an offline bundle is made of).</summary>
    public CollateralSet Fetched { get; } = new();

    /// <summary>How many HTTP requests were sent (attempts included).</summary>
    public int Requests { get; private set; }

    /// <summary>The URL <paramref name="request"/> is fetched from.</summary>
    public Uri UrlOf(CollateralRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string kds = _options.KdsUrl.AbsoluteUri.TrimEnd('/'), pcs = _options.PcsUrl.AbsoluteUri.TrimEnd('/');
        string Need(string? v, string what) => v is { Length: > 0 } ? v : throw new ArgumentException($"{request.Kind} needs {what}");
        return new Uri(request.Kind switch
        {
            CollateralKind.AmdVcek => $"{kds}/vcek/v1/{Need(request.Product, "a product")}/{Need(request.HardwareId, "a hardware id")}?"
                + string.Join("&", request.Tcb.Select(t => $"{t.Key}={t.Value.ToString(CultureInfo.InvariantCulture)}")),
            CollateralKind.AmdCertChain => $"{kds}/vcek/v1/{Need(request.Product, "a product")}/cert_chain",
            CollateralKind.AmdCrl => $"{kds}/vcek/v1/{Need(request.Product, "a product")}/crl",
            CollateralKind.IntelTcbInfo => $"{pcs}/tdx/certification/v4/tcb?fmspc={Need(request.Fmspc, "an FMSPC").ToUpperInvariant()}",
            CollateralKind.IntelQeIdentity => $"{pcs}/tdx/certification/v4/qe/identity",
            CollateralKind.IntelPckCrl => $"{pcs}/sgx/certification/v4/pckcrl?ca={Need(request.Ca, "a CA")}&encoding=der",
            CollateralKind.IntelRootCaCrl => _options.IntelRootCaCrlUrl.AbsoluteUri,
            CollateralKind.NvidiaRim => $"{_options.RimUrl.AbsoluteUri.TrimEnd('/')}/v1/rim/{Uri.EscapeDataString(Need(request.RimId, "a RIM id"))}",
            // One URL for every certificate: the fragment (never sent) keys the cache by the request.
            CollateralKind.NvidiaOcsp => $"{_options.OcspUrl.AbsoluteUri}#{Convert.ToHexStringLower(SHA256.HashData(request.OcspRequest ?? throw new ArgumentException("NvidiaOcsp needs a request")))}",
            _ => throw new ArgumentOutOfRangeException(nameof(request)),
        });
    }

    /// <inheritdoc />
    public CollateralItem Fetch(CollateralRequest request)
    {
        Uri url = UrlOf(request);
        DateTimeOffset now = _options.Time.GetUtcNow();
        if (Cache?.ReadFresh(url, now) is { } hit)
        {
            _log?.Invoke($"collateral: {request.Describe()} from the cache ({url}, fresh until {hit.NextUpdate:u})");
            return Record(new CollateralItem
            {
                Request = request, Url = url, Body = hit.Body, IssuerChainPem = hit.IssuerChainPem, FetchedAt = hit.FetchedAt,
                NextUpdate = hit.NextUpdate, FromCache = true,
            });
        }
        if (_options.Offline)
        {
            CollateralCacheEntry? stale = Cache?.Read(url);
            throw new CollateralUnavailableException(stale is not null
                ? $"--offline: the cached {request.Describe()} ({url}) went stale at {stale.NextUpdate:u}; fetch it again without --offline"
                : $"--offline: {request.Describe()} ({url}) is not in the collateral cache{(Cache is null ? " (no cache folder)" : $" ({Cache.Directory})")}");
        }
        (byte[] body, string? chain) = Get(request, url);
        DateTimeOffset next = NextUpdateOf(request, body, now);
        Cache?.Write(new CollateralCacheEntry(url, body, chain, now, next));
        _log?.Invoke($"collateral: fetched {request.Describe()} from {url}");
        return Record(new CollateralItem { Request = request, Url = url, Body = body, IssuerChainPem = chain, FetchedAt = now, NextUpdate = next });
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private CollateralItem Record(CollateralItem item)
    {
        Fetched.Add(item);
        return item;
    }

    private (byte[] Body, string? IssuerChain) Get(CollateralRequest request, Uri url)
    {
        string what = $"{request.Describe()} at {url.GetLeftPart(UriPartial.Query)}"; // without the fragment that keys OCSP requests
        int attempts = Math.Max(1, _options.MaxAttempts);
        string last = "no answer";
        Exception? lastError = null;
        TimeSpan? wait = null;
        for (int attempt = 1; attempt <= attempts; attempt++)
        {
            if (attempt > 1) Thread.Sleep(wait ?? _options.RetryDelay * Math.Pow(2, attempt - 2));
            wait = null;
            Uri current = url;
            for (int redirects = 0; ; redirects++)
            {
                using var cts = new CancellationTokenSource(_options.Timeout);
                HttpResponseMessage response;
                try
                {
                    Requests++;
                    using var message = new HttpRequestMessage(request.Kind == CollateralKind.NvidiaOcsp ? HttpMethod.Post : HttpMethod.Get, current);
                    message.Headers.Accept.ParseAdd(IsJson(request.Kind) ? "application/json" : "*/*");
                    if (request.Kind == CollateralKind.NvidiaOcsp)
                    {
                        message.Content = new ByteArrayContent(request.OcspRequest!);
                        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/ocsp-request");
                    }
                    response = _http.Send(message, HttpCompletionOption.ResponseContentRead, cts.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or HttpRequestException or IOException)
                {
                    lastError = e;
                    last = e is OperationCanceledException ? $"no answer within {_options.Timeout.TotalSeconds:0.###} s"
                        : e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } ? "cannot connect" : e.Message;
                    break;
                }
                using (response)
                {
                    int status = (int)response.StatusCode;
                    if (status is 301 or 302 or 303 or 307 or 308)
                    {
                        Uri? to = response.Headers.Location is { } loc ? new Uri(current, loc) : null;
                        if (to is null || to.Scheme != url.Scheme || to.Host != url.Host || to.Port != url.Port)
                            throw new CollateralUnavailableException($"{what}: redirected to {(to?.ToString() ?? "nowhere")}, another host: refused") { StatusCode = status };
                        if (redirects >= 3) throw new CollateralUnavailableException($"{what}: too many redirects") { StatusCode = status };
                        current = to;
                        continue;
                    }
                    byte[] body = response.Content.ReadAsByteArrayAsync(cts.Token).GetAwaiter().GetResult();
                    if (status is >= 200 and < 300) return Check(request, what, response, body);
                    last = $"HTTP {status}{Detail(body)}";
                    if (status == 429)
                    {
                        TimeSpan? asked = RetryAfter(response);
                        if (asked is { } a && a > _options.MaxRetryAfter)
                            throw new CollateralUnavailableException($"{what}: HTTP 429, the service asks to retry after {a.TotalSeconds:0} s (more than the {_options.MaxRetryAfter.TotalSeconds:0} s allowed)") { StatusCode = 429 };
                        wait = asked;
                    }
                    else if (status < 500)
                    {
                        throw new CollateralUnavailableException($"{what}: {(status == 404 ? "not found" : "refused")} (HTTP {status}{Detail(body)})") { StatusCode = status };
                    }
                    break;
                }
            }
        }
        throw new CollateralUnavailableException($"{what}: {last} (tried {attempts} time(s))", lastError);
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        RetryConditionHeaderValue? h = response.Headers.RetryAfter;
        if (h?.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (h?.Date is { } date) return date - DateTimeOffset.UtcNow is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero;
        return null;
    }

    private static bool IsJson(CollateralKind kind) => kind is CollateralKind.IntelTcbInfo or CollateralKind.IntelQeIdentity or CollateralKind.NvidiaRim;

    /// <summary>The answer must be what was asked for: its content type, then its content.</summary>
    private static (byte[] Body, string? IssuerChain) Check(CollateralRequest request, string what, HttpResponseMessage response, byte[] body)
    {
        string? type = response.Content.Headers.ContentType?.MediaType;
        bool json = type is not null && (type.EndsWith("/json", StringComparison.OrdinalIgnoreCase) || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
        if (IsJson(request.Kind) ? !json : json || string.Equals(type, "text/html", StringComparison.OrdinalIgnoreCase))
            throw new CollateralUnavailableException($"{what}: answered content type '{type ?? "none"}', expected {(IsJson(request.Kind) ? "application/json" : "a certificate, CRL or PEM file")}");
        try
        {
            switch (request.Kind)
            {
                case CollateralKind.AmdVcek:
                    using (X509CertificateLoader.LoadCertificate(body)) { }
                    return (body, null);
                case CollateralKind.AmdCertChain:
                    if (CertificateLoader.Load(body).Count < 2) throw new FormatException("not an ASK and ARK");
                    return (body, null);
                case CollateralKind.AmdCrl or CollateralKind.IntelRootCaCrl:
                    CertificateRevocationList.Parse(body);
                    return (body, null);
                case CollateralKind.IntelPckCrl:
                    CertificateRevocationList.Parse(body);
                    return (body, IssuerChain(response, "SGX-PCK-CRL-Issuer-Chain"));
                case CollateralKind.IntelTcbInfo:
                    RequireMember(body, "tcbInfo");
                    return (body, IssuerChain(response, "TCB-Info-Issuer-Chain") ?? IssuerChain(response, "SGX-TCB-Info-Issuer-Chain"));
                case CollateralKind.IntelQeIdentity:
                    RequireMember(body, "enclaveIdentity");
                    return (body, IssuerChain(response, "SGX-Enclave-Identity-Issuer-Chain"));
                case CollateralKind.NvidiaRim:
                    return (RimXml(body), null);
                case CollateralKind.NvidiaOcsp:
                    OcspResponse.Parse(body);
                    return (body, null);
            }
        }
        catch (Exception e) when (e is CryptographicException or AttestationException or FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new CollateralUnavailableException($"{what}: the answer is not {request.Describe()}: {e.Message}", e);
        }
        throw new ArgumentOutOfRangeException(nameof(request));
    }

    private static void RequireMember(byte[] body, string name)
    {
        using JsonDocument doc = JsonDocument.Parse(body);
        if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty(name, out _))
            throw new FormatException($"JSON without \"{name}\"");
    }

    /// <summary>The RIM service answers <c>{"id", "rim": base64 of the SWID XML, "sha256", …}</c>; the XML is what is kept.</summary>
    private static byte[] RimXml(byte[] body)
    {
        using JsonDocument doc = JsonDocument.Parse(body);
        string rim = doc.RootElement.GetProperty("rim").GetString() ?? throw new FormatException("\"rim\" is null");
        byte[] xml = Convert.FromBase64String(rim);
        if (xml.AsSpan().IndexOf("SoftwareIdentity"u8) < 0) throw new FormatException("\"rim\" is not a SWID document");
        return xml;
    }

    private static string? IssuerChain(HttpResponseMessage response, string header) =>
        response.Headers.TryGetValues(header, out IEnumerable<string>? values) && values.FirstOrDefault() is { } v ? Uri.UnescapeDataString(v) : null;

    /// <summary>When the answer goes stale: CRL / TCB info / QE identity nextUpdate, the earliest notAfter of certificates, else the default lifetime.</summary>
    private DateTimeOffset NextUpdateOf(CollateralRequest request, byte[] body, DateTimeOffset now)
    {
        try
        {
            switch (request.Kind)
            {
                case CollateralKind.AmdCrl or CollateralKind.IntelPckCrl or CollateralKind.IntelRootCaCrl:
                    return CertificateRevocationList.Parse(body).NextUpdate ?? now + _options.DefaultLifetime;
                case CollateralKind.IntelTcbInfo or CollateralKind.IntelQeIdentity:
                    using (JsonDocument doc = JsonDocument.Parse(body))
                    {
                        JsonElement inner = doc.RootElement.GetProperty(request.Kind == CollateralKind.IntelTcbInfo ? "tcbInfo" : "enclaveIdentity");
                        return inner.GetProperty("nextUpdate").GetDateTimeOffset();
                    }
                case CollateralKind.AmdVcek or CollateralKind.AmdCertChain:
                    return CertificateLoader.Load(body).Min(c => new DateTimeOffset(c.NotAfter.ToUniversalTime(), TimeSpan.Zero));
                case CollateralKind.NvidiaOcsp:
                    return OcspResponse.Parse(body).Responses.Select(r => r.NextUpdate).Where(n => n is not null).Min() ?? now + _options.DefaultLifetime;
            }
        }
        catch (Exception e) when (e is AttestationException or JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            // Checked already; a missing date only shortens the cache lifetime.
        }
        return now + _options.DefaultLifetime;
    }

    private static string Detail(byte[] body)
    {
        if (body.Length == 0) return "";
        string text = Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 200))).Trim();
        return text.Length == 0 || text.Any(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t') ? "" : ": " + text.ReplaceLineEndings(" ");
    }
}
