using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TeeWasm.Attestation.Tests.Services;

/// <summary>A Kestrel server on 127.0.0.1 with an OS-chosen port, routes given by the test.</summary>
internal sealed class LoopbackServer : IAsyncDisposable, IDisposable
{
    private readonly WebApplication _app;

    public LoopbackServer(Action<WebApplication> routes)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(200));
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        routes(_app);
        _app.StartAsync().GetAwaiter().GetResult();
        string address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Uri = new Uri(address);
    }

    public Uri Uri { get; }

    public string Url => Uri.GetLeftPart(UriPartial.Authority);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
