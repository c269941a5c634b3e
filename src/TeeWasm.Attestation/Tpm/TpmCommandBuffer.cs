using System.Buffers.Binary;

namespace TeeWasm.Attestation.Tpm;

/// <summary>Builds a TPM 2.0 command (TPM 2.0 Part 1, §18: big-endian header tag ‖ size ‖ command code).</summary>
internal sealed class TpmCommandBuffer
{
    /// <summary>Size of the command and response header: tag (2), size (4), code (4).</summary>
    public const int HeaderSize = 10;

    public const ushort TagNoSessions = 0x8001;
    public const ushort TagSessions = 0x8002;

    private readonly MemoryStream _body = new();
    private readonly ushort _tag;
    private readonly uint _commandCode;

    public TpmCommandBuffer(ushort tag, uint commandCode)
    {
        _tag = tag;
        _commandCode = commandCode;
    }

    public TpmCommandBuffer U8(byte v) { _body.WriteByte(v); return this; }

    public TpmCommandBuffer U16(ushort v) { Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteUInt16BigEndian(b, v); _body.Write(b); return this; }

    public TpmCommandBuffer U32(uint v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32BigEndian(b, v); _body.Write(b); return this; }

    /// <summary>A TPM2B: 16-bit length then the bytes.</summary>
    public TpmCommandBuffer Sized(ReadOnlySpan<byte> data) { U16(checked((ushort)data.Length)); _body.Write(data); return this; }

    public TpmCommandBuffer Raw(ReadOnlySpan<byte> data) { _body.Write(data); return this; }

    /// <summary>An authorization area holding one empty-password session (TPM_RS_PW).</summary>
    public TpmCommandBuffer PasswordSession()
    {
        const uint TpmRsPw = 0x40000009;
        U32(9);              // authorizationSize
        U32(TpmRsPw);        // sessionHandle
        U16(0);              // nonce (empty)
        U8(0);               // sessionAttributes
        U16(0);              // hmac (empty password)
        return this;
    }

    public byte[] ToArray()
    {
        var body = _body.ToArray();
        var command = new byte[HeaderSize + body.Length];
        BinaryPrimitives.WriteUInt16BigEndian(command, _tag);
        BinaryPrimitives.WriteUInt32BigEndian(command.AsSpan(2), (uint)command.Length);
        BinaryPrimitives.WriteUInt32BigEndian(command.AsSpan(6), _commandCode);
        body.CopyTo(command, HeaderSize);
        return command;
    }
}
