using System.Buffers.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TeeWasm.Attestation.Tests.Services;

namespace TeeWasm.Attestation.Tests.Platforms.AzureVtpm;

/// <summary>A loopback Azure IMDS serving <c>POST /acc/tdquote</c>: quotes made by a <see cref="TdQuoteFactory"/>.</summary>
internal sealed class FakeImds : IDisposable
{
    public enum Behaviour { Good, Error500, Slow, NoQuote, NotAQuote }

    private readonly LoopbackServer _server;
    private readonly TdQuoteFactory _factory;

    public FakeImds(TdQuoteFactory factory)
    {
        _factory = factory;
        _server = new LoopbackServer(app => app.MapPost("/acc/tdquote", (Delegate)((HttpContext c) => Quote(c))));
    }

    public Behaviour Mode { get; set; }

    /// <summary>Changes the TDREPORT before the quote is made (a quote for another TDREPORT).</summary>
    public Action<byte[]>? Tamper { get; set; }

    public int Requests { get; private set; }

    public string? LastContentType { get; private set; }

    public string? LastMethod { get; private set; }

    public byte[]? LastReport { get; private set; }

    /// <summary>The "report" string as sent (to check the encoding).</summary>
    public string? LastReportText { get; private set; }

    public Uri Uri => _server.Uri;

    private async Task<IResult> Quote(HttpContext context)
    {
        Requests++;
        LastMethod = context.Request.Method;
        LastContentType = context.Request.ContentType;
        var body = await JsonDocument.ParseAsync(context.Request.Body);
        string encoded = body.RootElement.GetProperty("report").GetString()!;
        LastReportText = encoded;
        LastReport = Base64Url.DecodeFromChars(encoded);
        switch (Mode)
        {
            case Behaviour.Error500:
                return Results.Json(new { error = "quote generation failed" }, statusCode: 500);
            case Behaviour.Slow:
                await Task.Delay(TimeSpan.FromSeconds(3));
                break;
            case Behaviour.NoQuote:
                return Results.Json(new { something = "else" });
            case Behaviour.NotAQuote:
                return Results.Json(new { quote = Base64Url.EncodeToString(new byte[100]) });
        }
        byte[] report = LastReport.ToArray();
        Tamper?.Invoke(report);
        return Results.Json(new { quote = Base64Url.EncodeToString(_factory.QuoteFor(report)) });
    }

    public void Dispose() => _server.Dispose();
}
