using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TeeWasm.Attestation.Http;
using TeeWasm.Attestation.Inputs;
using TeeWasm.Attestation.Services.Maa;
using TeeWasm.Attestation.Tests.Services;

namespace TeeWasm.Attestation.Tests.Http;

/// <summary>
/// Issue 12 item 3: a remote service's answer is read up to its cap (16 MiB; a JWKS 1 MiB) and no further, also when
/// the service streams without end, and the error names the service and the cap.
/// </summary>
public sealed class ServiceAnswerLimitTests
{
    private static readonly ServiceCallOptions s_fast = new() { Timeout = TimeSpan.FromSeconds(30), MaxAttempts = 2, RetryDelay = TimeSpan.FromMilliseconds(10) };

    private static async Task Endless(HttpContext context)
    {
        context.Response.ContentType = "application/json";
        byte[] chunk = new byte[64 << 10];
        chunk.AsSpan().Fill((byte)' ');
        try
        {
            while (!context.RequestAborted.IsCancellationRequested) await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
    }

    [Fact]
    public void An_endless_answer_is_refused_at_the_cap()
    {
        using var server = new LoopbackServer(app => app.MapGet("/big", (Delegate)Endless));
        using var http = new ServiceHttpClient("Test service", server.Uri, s_fast);
        var e = Assert.Throws<RemoteServiceException>(() => http.Send(() => new HttpRequestMessage(HttpMethod.Get, new Uri(server.Uri, "/big")), "fetching"));
        Assert.Equal($"Test service at {server.Url}: fetching: the answer is larger than 16 MiB, the limit for it (docs/limits.md)", e.Message);
        Assert.IsType<InputTooLargeException>(e.InnerException);
    }

    [Fact]
    public void A_declared_length_over_the_cap_is_refused_without_reading()
    {
        using var server = new LoopbackServer(app => app.MapGet("/big", (Delegate)(async (HttpContext c) =>
        {
            c.Response.ContentLength = (long)InputLimits.Jwks + 1;
            await c.Response.Body.WriteAsync(new byte[16]);
        })));
        using var http = new ServiceHttpClient("Test service", server.Uri, s_fast);
        var e = Assert.Throws<RemoteServiceException>(() => http.Send(() => new HttpRequestMessage(HttpMethod.Get, new Uri(server.Uri, "/big")), "fetching", InputLimits.Jwks));
        Assert.Contains("fetching: the answer is larger than 1 MiB", e.Message);
    }

    [Fact]
    public void A_token_services_endless_key_set_is_refused()
    {
        using var server = new LoopbackServer(app => app.MapGet("/certs", (Delegate)Endless));
        using var maa = new MaaClient(new MaaOptions { Endpoint = server.Uri, Calls = s_fast });
        var verdict = maa.Verify("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.eyJpc3MiOiJ4In0.c2ln");
        Assert.False(verdict.Valid);
        Assert.Contains("fetching signing keys: the answer is larger than 1 MiB, the limit for it (docs/limits.md)", verdict.Reason);
    }
}
