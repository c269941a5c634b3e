using System.Net;
using System.Net.Sockets;

namespace TeeWasm.Tests.Shared;

/// <summary>
/// A loopback TCP port where nothing listens, held for the test's lifetime: a socket bound to 127.0.0.1:0 (the OS
/// chooses the port) that never listens. Connecting is refused, and no other process can take the port meanwhile —
/// unlike a port probed and released, or an "assumed closed" one such as 9.
/// </summary>
internal sealed class ClosedPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public ClosedPort()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
    }

    /// <summary>The port.</summary>
    public int Port { get; }

    /// <summary><c>http://127.0.0.1:PORT</c>.</summary>
    public Uri Uri => new($"http://127.0.0.1:{Port}");

    public void Dispose() => _socket.Dispose();
}
