using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TeeWasm.Attestation.Http;
using TeeWasm.Attestation.Platforms.Tdx;

namespace TeeWasm.Attestation.Platforms.AzureVtpm;

/// <summary>
/// Turns a TDREPORT into a TD quote through the Azure IMDS quote endpoint, as Azure's cvm-attestation-tools do:
/// <c>POST http://169.254.169.254/acc/tdquote</c>, <c>Content-Type: application/json</c> (no charset),
/// body <c>{"report": base64url(TDREPORT, 1024 bytes, unpadded)}</c>, answer <c>{"quote": base64url(quote)}</c>.
/// Timeout and bounded retries come from <see cref="ServiceCallOptions"/>; errors name the service and URL.
/// </summary>
public sealed class ImdsTdQuoteClient : IDisposable
{
    /// <summary>The service's name in messages.</summary>
    public const string Name = "Azure IMDS TD quote service";

    /// <summary>The quote path under the IMDS address.</summary>
    public const string QuotePath = "/acc/tdquote";

    /// <summary>The Azure IMDS address (link-local, plain http).</summary>
    public static readonly Uri DefaultBaseUri = new("http://169.254.169.254");

    private static readonly IPAddress s_imdsAddress = IPAddress.Parse("169.254.169.254");

    private readonly ServiceHttpClient _http;
    private readonly Uri _endpoint;

    /// <summary>Creates the client; plain http is allowed to the IMDS address and loopback only. No call is made yet.</summary>
    /// <param name="baseUri">The IMDS base address; null for <see cref="DefaultBaseUri"/>.</param>
    /// <param name="calls">Timeout, retries, handler; null for defaults.</param>
    public ImdsTdQuoteClient(Uri? baseUri = null, ServiceCallOptions? calls = null)
    {
        _endpoint = new Uri(baseUri ?? DefaultBaseUri, QuotePath);
        calls ??= new ServiceCallOptions();
        bool imds = IPAddress.TryParse(_endpoint.Host, out var ip) && ip.Equals(s_imdsAddress);
        _http = new ServiceHttpClient(Name, _endpoint, calls with { AllowInsecureHttp = calls.AllowInsecureHttp || imds });
    }

    /// <summary>"Azure IMDS TD quote service at URL".</summary>
    public string Service => _http.Service;

    /// <summary>Gets a TD quote for the first 1024 bytes of <paramref name="tdReport"/>.</summary>
    /// <exception cref="RemoteServiceException">The service failed, refused, or answered no TD quote.</exception>
    public byte[] GetQuote(ReadOnlySpan<byte> tdReport)
    {
        if (tdReport.Length < TdxTdReport.Size)
            throw new ArgumentException($"a TDREPORT has {TdxTdReport.Size} bytes, got {tdReport.Length}", nameof(tdReport));
        string body = new JsonObject { ["report"] = Base64Url.EncodeToString(tdReport[..TdxTdReport.Size]) }.ToJsonString();
        var response = _http.SendOk(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new StringContent(body, Encoding.UTF8) };
            // Exactly "application/json", as Microsoft's tools send it: a "; charset=utf-8" suffix is reported to get HTTP 415.
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            return request;
        }, "get TD quote");
        var json = response.Json(Service);
        if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("quote", out var q) || q.ValueKind != JsonValueKind.String)
            throw new RemoteServiceException(Service, "answer has no \"quote\"") { StatusCode = (int)response.Status };
        byte[] quote;
        try
        {
            quote = Base64Url.DecodeFromChars(q.GetString()!.TrimEnd('='));
        }
        catch (FormatException e)
        {
            throw new RemoteServiceException(Service, "answer's \"quote\" is not base64url", e);
        }
        if (!TdxQuote.TryParse(quote, out _, out string? error))
            throw new RemoteServiceException(Service, $"answer's \"quote\" is not a TDX quote ({error})");
        return quote;
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}
