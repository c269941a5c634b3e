using System.Diagnostics.Tracing;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace TeeWasm.Tests.Shared;

/// <summary>
/// Records every event of .NET's socket, DNS and HTTP event sources in this process while it lives: a test that must
/// use no network asserts <see cref="Events"/> is empty (run it in a collection that runs alone).
/// </summary>
internal sealed class NetworkWatch : EventListener
{
    private static readonly string[] s_sources = ["System.Net.Sockets", "System.Net.NameResolution", "System.Net.Http"];
    private readonly List<string> _events = [];
    private readonly Lock _gate = new();

    /// <summary>"source/event" of everything seen, in order.</summary>
    public IReadOnlyList<string> Events
    {
        get
        {
            lock (_gate) return [.. _events];
        }
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (s_sources.Contains(source.Name)) EnableEvents(source, EventLevel.Verbose, EventKeywords.All);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName is null or "EventCounters") return;
        lock (_gate) _events.Add($"{e.EventSource.Name}/{e.EventName}");
    }

    /// <summary>A loopback connection is seen (so an empty list later means no socket was used), then forgotten.</summary>
    public void ProveItSeesAConnection()
    {
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        using (var client = new TcpClient()) client.Connect(IPAddress.Loopback, ((IPEndPoint)server.LocalEndpoint).Port);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!Events.Contains("System.Net.Sockets/ConnectStart") && DateTime.UtcNow < deadline) Thread.Sleep(10);
        Assert.Contains("System.Net.Sockets/ConnectStart", Events);
        server.Stop();
        Thread.Sleep(50);
        lock (_gate) _events.Clear();
    }
}
