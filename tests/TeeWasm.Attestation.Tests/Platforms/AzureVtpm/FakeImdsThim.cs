using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TeeWasm.Attestation.Tests.Services;

namespace TeeWasm.Attestation.Tests.Platforms.AzureVtpm;

/// <summary>
/// A loopback Azure IMDS serving THIM's <c>GET /metadata/THIM/amd/certification</c>: a VCEK and its chain as Azure
/// serves them (<c>{"vcekCert": PEM, "certificateChain": PEM, "tcbm": …}</c>), only to requests with <c>Metadata: true</c>.
/// </summary>
internal sealed class FakeImdsThim : IDisposable
{
    /// <summary>The THIM path under the IMDS address.</summary>
    public const string Path = "/metadata/THIM/amd/certification";

    private readonly LoopbackServer _server;

    public FakeImdsThim(string vcekPem, string chainPem)
    {
        VcekPem = vcekPem;
        ChainPem = chainPem;
        _server = new LoopbackServer(app => app.MapGet(Path, (Delegate)((HttpContext c) => Thim(c))));
    }

    public string VcekPem { get; set; }

    public string ChainPem { get; set; }

    /// <summary>The HTTP status to answer with when not 200.</summary>
    public int Status { get; set; } = 200;

    public int Requests { get; private set; }

    /// <summary>The IMDS address (what <c>AttesterOptions.ImdsAddress</c> and <c>--imds-url</c> take).</summary>
    public Uri Uri => _server.Uri;

    /// <summary>The THIM endpoint (what <c>AzureVtpmOptions.ImdsEndpoint</c> takes).</summary>
    public string Endpoint => new Uri(_server.Uri, Path).ToString();

    private IResult Thim(HttpContext context)
    {
        Requests++;
        if (context.Request.Headers["Metadata"] != "true")
            return Results.Json(new { error = "Bad request: the Metadata header is required" }, statusCode: 400);
        if (Status != 200) return Results.Json(new { error = "THIM failed" }, statusCode: Status);
        return Results.Json(new { vcekCert = VcekPem, certificateChain = ChainPem, tcbm = "DB18000000000004" });
    }

    public void Dispose() => _server.Dispose();
}
