using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TeeWasm.Attestation.Inputs;

namespace TeeWasm.Attestation.Http;

/// <summary>An answer of a remote service: status, body, and headers the protocols need.</summary>
internal sealed record ServiceResponse(HttpStatusCode Status, string Body, HttpResponseHeaders Headers)
{
    public JsonElement Json(string service)
    {
        try
        {
            return JsonDocument.Parse(Body).RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new RemoteServiceException(service, $"answer is not JSON ({e.Message})") { StatusCode = (int)Status };
        }
    }
}

/// <summary>
/// HTTP for the remote services: one <see cref="HttpClient"/> per service, a timeout per attempt, bounded retries with
/// back-off for transient failures, and errors that name the service. Calls are synchronous because host functions are.
/// </summary>
internal sealed class ServiceHttpClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly ServiceCallOptions _options;

    public ServiceHttpClient(string serviceName, Uri baseUri, ServiceCallOptions options)
    {
        CheckEndpoint(serviceName, baseUri, options.AllowInsecureHttp);
        Service = $"{serviceName} at {baseUri.GetLeftPart(UriPartial.Path).TrimEnd('/')}";
        BaseUri = baseUri;
        _options = options;
        _http = options.Handler is { } h
            ? new HttpClient(h, disposeHandler: false)
            : new HttpClient(new SocketsHttpHandler { UseCookies = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        _http.Timeout = System.Threading.Timeout.InfiniteTimeSpan; // per attempt, below
    }

    /// <summary>"name at URL", the prefix of every error.</summary>
    public string Service { get; }

    public Uri BaseUri { get; }

    /// <summary>
    /// Sends a request made by <paramref name="make"/> (called once per attempt); returns any answer that is not
    /// transient. An answer longer than <paramref name="maxBytes"/> is an error, read no further.
    /// </summary>
    public ServiceResponse Send(Func<HttpRequestMessage> make, string what, int maxBytes = InputLimits.ServiceAnswer)
    {
        int attempts = Math.Max(1, _options.MaxAttempts);
        Exception? last = null;
        for (int attempt = 1; attempt <= attempts; attempt++)
        {
            if (attempt > 1) Thread.Sleep(_options.RetryDelay * Math.Pow(2, attempt - 2));
            using var cts = new CancellationTokenSource(_options.Timeout);
            try
            {
                using var request = make();
                using var response = _http.Send(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
                string body = ReadBody(response, what, maxBytes, cts.Token);
                var result = new ServiceResponse(response.StatusCode, body, response.Headers);
                if (IsTransient(response.StatusCode) && attempt < attempts)
                {
                    last = new RemoteServiceException(Service, $"{what}: HTTP {(int)response.StatusCode}") { StatusCode = (int)response.StatusCode };
                    continue;
                }
                return result;
            }
            catch (Exception e) when (e is OperationCanceledException || (cts.IsCancellationRequested && e is IOException or ObjectDisposedException))
            {
                last = new RemoteServiceException(Service, $"{what}: no answer within {_options.Timeout.TotalSeconds:0.###} s (tried {attempt} time(s))", e);
            }
            catch (HttpRequestException e)
            {
                last = new RemoteServiceException(Service, $"{what}: {Describe(e)} (tried {attempt} time(s))", e);
            }
            catch (IOException e)
            {
                last = new RemoteServiceException(Service, $"{what}: connection failed: {e.Message} (tried {attempt} time(s))", e);
            }
        }
        throw last as RemoteServiceException ?? new RemoteServiceException(Service, what + " failed");
    }

    /// <summary>Sends and requires a 2xx answer; a failing answer becomes an error carrying the service's own message.</summary>
    public ServiceResponse SendOk(Func<HttpRequestMessage> make, string what, int maxBytes = InputLimits.ServiceAnswer)
    {
        var response = Send(make, what, maxBytes);
        if ((int)response.Status is >= 200 and < 300) return response;
        throw new RemoteServiceException(Service, $"{what} refused: HTTP {(int)response.Status}{ErrorDetail(response.Body)}")
        {
            StatusCode = (int)response.Status,
        };
    }

    public static HttpRequestMessage PostJson(Uri uri, JsonNode body) => new(HttpMethod.Post, uri)
    {
        Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
    };

    public void Dispose() => _http.Dispose();

    // The body, at most maxBytes of it; a body still arriving when the attempt's time is up ends the read.
    private string ReadBody(HttpResponseMessage response, string what, int maxBytes, CancellationToken cancel)
    {
        try
        {
            if (response.Content.Headers.ContentLength > maxBytes) throw new InputTooLargeException("answer", Service, maxBytes);
            using var stream = response.Content.ReadAsStream(cancel);
            using var stop = cancel.Register(static s => ((Stream)s!).Dispose(), stream);
            return BoundedRead.Decode(BoundedRead.Stream(stream, maxBytes, "answer", Service));
        }
        catch (InputTooLargeException e)
        {
            throw new RemoteServiceException(Service, $"{what}: the answer is larger than {InputLimits.Describe(maxBytes)}, the limit for it (docs/limits.md)", e)
            {
                StatusCode = (int)response.StatusCode,
            };
        }
    }

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    private static string Describe(HttpRequestException e) => e.HttpRequestError switch
    {
        HttpRequestError.ConnectionError => "cannot connect" + (e.InnerException is { } i ? $" ({i.Message})" : ""),
        HttpRequestError.NameResolutionError => "host name does not resolve",
        HttpRequestError.SecureConnectionError => "TLS handshake failed",
        _ => e.Message,
    };

    // Services put their reason in "error", "message", "detail" or an {"error":{"message":…}} object.
    private static string ErrorDetail(string body)
    {
        if (string.IsNullOrWhiteSpace(body)) return "";
        try
        {
            var root = JsonDocument.Parse(body).RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                foreach (string key in (string[])["detail", "message", "error"])
                {
                    if (!root.TryGetProperty(key, out var v)) continue;
                    if (v.ValueKind == JsonValueKind.String) return ": " + Clip(v.GetString()!);
                    if (v.ValueKind == JsonValueKind.Object && v.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                        return ": " + Clip(m.GetString()!);
                }
            }
        }
        catch (JsonException) { }
        return ": " + Clip(body);
    }

    private static string Clip(string s) => s.Length <= 300 ? s.Trim() : s[..300].Trim() + "…";

    private static void CheckEndpoint(string service, Uri uri, bool allowInsecure)
    {
        if (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            throw new RemoteServiceException(service, $"endpoint '{uri}' is not an http(s) URL");
        if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback && !allowInsecure)
            throw new RemoteServiceException(service, $"endpoint '{uri}' must use https (plain http is allowed only to loopback)");
    }
}
