using System.Buffers.Binary;

namespace TeeWasm.Attestation.Tpm;

/// <summary>A TPM character device such as <c>/dev/tpmrm0</c>: write a command, read the response.</summary>
public sealed class TpmDeviceTransport : ITpmTransport
{
    private const int MaxResponse = 4096;
    private readonly FileStream _device;

    /// <summary>Opens the device for reading and writing.</summary>
    public TpmDeviceTransport(string devicePath)
    {
        try
        {
            _device = new FileStream(devicePath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TpmException($"cannot open TPM device {devicePath}: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public byte[] Execute(ReadOnlySpan<byte> command)
    {
        _device.Write(command);
        _device.Flush();
        var buffer = new byte[MaxResponse];
        int read = _device.Read(buffer);
        if (read < TpmCommandBuffer.HeaderSize)
            throw new TpmException($"TPM device returned {read} bytes, less than a response header");
        int size = (int)BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(2));
        return buffer.AsSpan(0, Math.Min(size, read)).ToArray();
    }

    /// <inheritdoc />
    public void Dispose() => _device.Dispose();
}
