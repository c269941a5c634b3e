using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Services;

/// <summary>
/// One loopback Kestrel server (127.0.0.1, port 0) standing in for AMD KDS, Intel PCS, Intel's root CA CRL host and
/// NVIDIA's RIM service at their URL shapes, serving real recorded vendor files from tests/TestData: the VCEK of
/// go-sev-guest's report and AMD's Milan ASK/ARK, PCS TDX TCB info (with its real TCB-Info-Issuer-Chain header), the TD
/// QE identity, the PCK Platform CA and root CA CRLs, and NVIDIA RIMs wrapped as the RIM service wraps them. A test
/// can replace any path's answer (404, 429 with Retry-After, 500, slow, wrong content type, redirect) and counts requests.
/// </summary>
internal sealed class FakeVendorServer : IDisposable
{
    /// <summary>The chip id of go-sev-guest's attestation.bin (= the hwID of vcek.testcer).</summary>
    public static string AttestationBinChipId => Convert.ToHexStringLower(System.IO.File.ReadAllBytes(RepoPaths.Vector("snp", "attestation.bin")).AsSpan(0x1A0, 64));

    /// <summary>The KDS query of attestation.bin's reported TCB 0x4405000000000002.</summary>
    public const string AttestationBinTcbQuery = "blSPL=2&teeSPL=0&snpSPL=5&ucodeSPL=68";

    private readonly LoopbackServer _server;
    private readonly ConcurrentDictionary<string, Func<HttpContext, Task>> _overrides = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _hits = new(StringComparer.Ordinal);

    public FakeVendorServer()
    {
        _server = new LoopbackServer(app => app.Run(Handle));
    }

    public Uri Url => new(_server.Url);

    /// <summary>The Intel root CA CRL's URL on this server.</summary>
    public Uri RootCrlUrl => new(_server.Url + "/IntelSGXRootCA.der");

    /// <summary>How many requests reached <paramref name="path"/> (path and query, as requested).</summary>
    public int Hits(string path) => _hits.TryGetValue(path, out int n) ? n : 0;

    /// <summary>All requests, in any order.</summary>
    public int TotalHits => _hits.Values.Sum();

    /// <summary>Replaces the answer at <paramref name="pathAndQuery"/> (the call number starts at 1).</summary>
    public void Override(string pathAndQuery, Func<HttpContext, int, Task> answer)
    {
        _overrides[pathAndQuery] = ctx => answer(ctx, Hits(pathAndQuery));
    }

    private async Task Handle(HttpContext ctx)
    {
        string key = ctx.Request.Path + ctx.Request.QueryString;
        _hits.AddOrUpdate(key, 1, (_, n) => n + 1);
        if (_overrides.TryGetValue(key, out var answer))
        {
            await answer(ctx);
            return;
        }
        string path = ctx.Request.Path.Value ?? "";
        string? query(string name) => ctx.Request.Query[name].FirstOrDefault();
        if (path == $"/vcek/v1/Milan/{AttestationBinChipId}" && ctx.Request.QueryString.Value == "?" + AttestationBinTcbQuery)
            await Serve(ctx, RepoPaths.Vector("snp", "vcek.testcer"), "application/x-x509-ca-cert");
        else if (path == "/vcek/v1/Milan/cert_chain")
            await Serve(ctx, RepoPaths.Vector("snp", "amd-root-ask_ark_milan.pem"), "application/x-pem-file");
        else if (path.StartsWith("/tdx/certification/v4/tcb", StringComparison.Ordinal) && query("fmspc") is { } fmspc
                 && System.IO.File.Exists(RepoPaths.Vector("tdx", "pcs", $"tcb_info_{fmspc.ToLowerInvariant()}.json")))
        {
            ctx.Response.Headers["TCB-Info-Issuer-Chain"] = Uri.EscapeDataString(System.IO.File.ReadAllText(RepoPaths.Vector("tdx", "pcs", "tcb_info_issuer_chain.pem")));
            await Serve(ctx, RepoPaths.Vector("tdx", "pcs", $"tcb_info_{fmspc.ToLowerInvariant()}.json"), "application/json");
        }
        else if (path == "/tdx/certification/v4/qe/identity")
        {
            ctx.Response.Headers["SGX-Enclave-Identity-Issuer-Chain"] = Uri.EscapeDataString(System.IO.File.ReadAllText(RepoPaths.Vector("tdx", "pcs", "tcb_info_issuer_chain.pem")));
            await Serve(ctx, RepoPaths.Vector("tdx", "sample_qeIdentity_response"), "application/json");
        }
        else if (path == "/sgx/certification/v4/pckcrl" && query("ca") == "platform" && query("encoding") == "der")
            await Serve(ctx, RepoPaths.Vector("tdx", "pckcrl"), "application/pkix-crl");
        else if (path == "/IntelSGXRootCA.der")
            await Serve(ctx, RepoPaths.Vector("tdx", "rootcrl.der"), "application/pkix-crl");
        else if (path.StartsWith("/v1/rim/", StringComparison.Ordinal) && Rim(path["/v1/rim/".Length..]) is { } rim)
        {
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(JsonSerializer.Serialize(new { id = path["/v1/rim/".Length..], rim = Convert.ToBase64String(rim), rim_format = "SWIDTAG" }));
        }
        else
        {
            ctx.Response.StatusCode = 404;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync("{\"error\":\"not found\"}");
        }
    }

    /// <summary>The RIMs of the vectors by the id NVIDIA's service knows them by.</summary>
    private static byte[]? Rim(string id) => id switch
    {
        "NV_GPU_VBIOS_1010_0200_882_96005E0001" => System.IO.File.ReadAllBytes(RepoPaths.Vector("nvidia", "rim-vbios-1010_0200_882_96005E0001-mismatch.xml")),
        "NV_GPU_DRIVER_GH100_550.144.03" => System.IO.File.ReadAllBytes(RepoPaths.Vector("nvidia", "rim-driver-GH100-550.144.03.xml")),
        _ => null,
    };

    private static async Task Serve(HttpContext ctx, string path, string contentType)
    {
        ctx.Response.ContentType = contentType;
        await ctx.Response.Body.WriteAsync(await System.IO.File.ReadAllBytesAsync(path));
    }

    /// <summary>An answer with a status, a body and a content type.</summary>
    public static Task Answer(HttpContext ctx, int status, string body = "", string contentType = "text/plain")
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = contentType;
        return ctx.Response.WriteAsync(body, Encoding.UTF8);
    }

    public void Dispose() => _server.Dispose();
}
