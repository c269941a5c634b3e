using System.Buffers.Binary;
using System.Net.Sockets;

namespace TeeWasm.Attestation.Tpm;

/// <summary>A TPM reached over TCP with raw TPM 2.0 commands, as <c>swtpm socket --server type=tcp</c> serves them.</summary>
public sealed class TpmSocketTransport : ITpmTransport
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;

    /// <summary>Connects to the TPM's command port.</summary>
    public TpmSocketTransport(string host, int port, TimeSpan? timeout = null)
    {
        _client = new TcpClient();
        try
        {
            if (!_client.ConnectAsync(host, port).Wait(timeout ?? TimeSpan.FromSeconds(5)))
                throw new TpmException($"TPM at {host}:{port}: connection timed out");
        }
        catch (AggregateException e) when (e.InnerException is SocketException se)
        {
            _client.Dispose();
            throw new TpmException($"TPM at {host}:{port}: {se.Message}", se);
        }
        _stream = _client.GetStream();
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
    public void Dispose()
    {
        _stream.Dispose();
        _client.Dispose();
    }
}
