using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace TeeWasm.Attestation.Tpm;

/// <summary>
/// A TPM reached over a stream socket with raw TPM 2.0 commands, as swtpm serves them: TCP
/// (<c>swtpm socket --server type=tcp</c>) or a Unix domain socket (<c>--server type=unixio,path=…</c>).
/// </summary>
public sealed class TpmSocketTransport : ITpmTransport
{
    private readonly NetworkStream _stream;

    /// <summary>Connects to the TPM's command port over TCP.</summary>
    public TpmSocketTransport(string host, int port, TimeSpan? timeout = null)
        : this(new DnsEndPoint(host, port), $"{host}:{port}", timeout)
    {
    }

    /// <summary>Connects to the TPM's command socket, a Unix domain socket at <paramref name="path"/>.</summary>
    public TpmSocketTransport(string path, TimeSpan? timeout = null)
        : this(new UnixDomainSocketEndPoint(path), path, timeout)
    {
    }

    private TpmSocketTransport(EndPoint endpoint, string name, TimeSpan? timeout)
    {
        var socket = endpoint is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (!socket.ConnectAsync(endpoint).Wait(timeout ?? TimeSpan.FromSeconds(5)))
                throw new TpmException($"TPM at {name}: connection timed out");
        }
        catch (AggregateException e) when (e.InnerException is SocketException se)
        {
            socket.Dispose();
            throw new TpmException($"TPM at {name}: {se.Message}", se);
        }
        catch (TpmException)
        {
            socket.Dispose();
            throw;
        }
        _stream = new NetworkStream(socket, ownsSocket: true);
        _stream.ReadTimeout = _stream.WriteTimeout = (int)(timeout ?? TimeSpan.FromSeconds(10)).TotalMilliseconds;
    }

    /// <inheritdoc />
    public byte[] Execute(ReadOnlySpan<byte> command)
    {
        _stream.Write(command);
        Span<byte> header = stackalloc byte[TpmCommandBuffer.HeaderSize];
        _stream.ReadExactly(header);
        int size = (int)BinaryPrimitives.ReadUInt32BigEndian(header[2..]);
        if (size < TpmCommandBuffer.HeaderSize || size > 1 << 16)
            throw new TpmException($"TPM response has an impossible size {size}");
        var response = new byte[size];
        header.CopyTo(response);
        _stream.ReadExactly(response.AsSpan(TpmCommandBuffer.HeaderSize));
        return response;
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();
}
