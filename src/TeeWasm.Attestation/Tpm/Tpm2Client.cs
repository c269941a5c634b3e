using System.Buffers.Binary;

namespace TeeWasm.Attestation.Tpm;

/// <summary>The few TPM 2.0 commands the host speaks itself (TPM 2.0 Part 3), over any <see cref="ITpmTransport"/>.</summary>
public sealed partial class Tpm2Client : IDisposable
{
    private const uint CcNvRead = 0x0000014E;
    private const uint CcNvReadPublic = 0x00000169;
    private const int MaxNvChunk = 1024;

    private readonly ITpmTransport _transport;

    /// <summary>Wraps a transport; the client owns and disposes it.</summary>
    public Tpm2Client(ITpmTransport transport) => _transport = transport;

    /// <summary>The data size of an NV index (TPM2_NV_ReadPublic), or null when the index is not defined.</summary>
    public int? TryGetNvSize(uint nvIndex)
    {
        var command = new TpmCommandBuffer(TpmCommandBuffer.TagNoSessions, CcNvReadPublic).U32(nvIndex).ToArray();
        var response = _transport.Execute(command);
        uint rc = ResponseCode(response);
        if (rc != 0) return null;
        // TPM2B_NV_PUBLIC: size(2) nvIndex(4) nameAlg(2) attributes(4) authPolicy(TPM2B) dataSize(2)
        var p = response.AsSpan(TpmCommandBuffer.HeaderSize);
        int offset = 2 + 4 + 2 + 4;
        int policySize = BinaryPrimitives.ReadUInt16BigEndian(p[offset..]);
        offset += 2 + policySize;
        return BinaryPrimitives.ReadUInt16BigEndian(p[offset..]);
    }

    /// <summary>Reads a whole NV index with its own (empty) password authorization.</summary>
    public byte[] ReadNv(uint nvIndex)
    {
        int size = TryGetNvSize(nvIndex) ?? throw new TpmException($"NV index 0x{nvIndex:x8} is not defined");
        var data = new byte[size];
        for (int offset = 0; offset < size; offset += MaxNvChunk)
        {
            ushort chunk = (ushort)Math.Min(MaxNvChunk, size - offset);
            var command = new TpmCommandBuffer(TpmCommandBuffer.TagSessions, CcNvRead)
                .U32(nvIndex).U32(nvIndex).PasswordSession().U16(chunk).U16((ushort)offset).ToArray();
            var response = _transport.Execute(command);
            uint rc = ResponseCode(response);
            if (rc != 0) throw new TpmException($"TPM2_NV_Read of 0x{nvIndex:x8} failed: TPM_RC 0x{rc:x}", rc);
            // parameterSize(4) then TPM2B_MAX_NV_BUFFER
            var p = response.AsSpan(TpmCommandBuffer.HeaderSize + 4);
            int got = BinaryPrimitives.ReadUInt16BigEndian(p);
            if (got != chunk) throw new TpmException($"TPM2_NV_Read returned {got} bytes, asked {chunk}");
            p.Slice(2, got).CopyTo(data.AsSpan(offset));
        }
        return data;
    }

    private static uint ResponseCode(ReadOnlySpan<byte> response)
    {
        if (response.Length < TpmCommandBuffer.HeaderSize) throw new TpmException("truncated TPM response");
        return BinaryPrimitives.ReadUInt32BigEndian(response[6..]);
    }

    /// <inheritdoc />
    public void Dispose() => _transport.Dispose();
}
