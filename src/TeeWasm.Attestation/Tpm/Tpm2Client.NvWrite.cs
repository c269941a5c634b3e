namespace TeeWasm.Attestation.Tpm;

public sealed partial class Tpm2Client
{
    private const uint CcNvDefineSpace = 0x0000012A;
    private const uint CcNvWrite = 0x00000137;
    private const uint TpmRhOwner = 0x40000001;
    private const ushort AlgSha256 = 0x000B;

    // TPMA_NV_OWNERWRITE | TPMA_NV_AUTHWRITE | TPMA_NV_OWNERREAD | TPMA_NV_AUTHREAD (TPM 2.0 Part 2, §13.4): what
    // Intel's go-tpm NVDefine gives the Azure user-data index.
    private const uint NvOwnerAndAuthReadWrite = (1u << 1) | (1u << 2) | (1u << 17) | (1u << 18);

    /// <summary>
    /// Writes <paramref name="data"/> at offset 0 of an NV index with the owner hierarchy's (empty) password, first
    /// defining the index with exactly that size when it does not exist (TPM2_NV_DefineSpace, TPM2_NV_Write).
    /// </summary>
    /// <exception cref="TpmException">The TPM refused, or the index exists with another size.</exception>
    public void WriteNv(uint nvIndex, ReadOnlySpan<byte> data)
    {
        if (data.Length is 0 or > MaxNvChunk) throw new ArgumentException($"NV data must be 1..{MaxNvChunk} bytes", nameof(data));
        int? size = TryGetNvSize(nvIndex);
        if (size is null)
        {
            var define = new TpmCommandBuffer(TpmCommandBuffer.TagSessions, CcNvDefineSpace)
                .U32(TpmRhOwner).PasswordSession()
                .U16(0)                                      // auth (empty)
                .U16(4 + 2 + 4 + 2 + 2)                      // TPM2B_NV_PUBLIC size
                .U32(nvIndex).U16(AlgSha256).U32(NvOwnerAndAuthReadWrite).U16(0).U16((ushort)data.Length)
                .ToArray();
            uint defineRc = ResponseCode(_transport.Execute(define));
            if (defineRc != 0) throw new TpmException($"TPM2_NV_DefineSpace of 0x{nvIndex:x8} failed: TPM_RC 0x{defineRc:x}", defineRc);
        }
        else if (size != data.Length)
        {
            throw new TpmException($"NV index 0x{nvIndex:x8} holds {size} bytes, not {data.Length}");
        }
        var write = new TpmCommandBuffer(TpmCommandBuffer.TagSessions, CcNvWrite)
            .U32(TpmRhOwner).U32(nvIndex).PasswordSession().Sized(data).U16(0).ToArray();
        uint rc = ResponseCode(_transport.Execute(write));
        if (rc != 0) throw new TpmException($"TPM2_NV_Write of 0x{nvIndex:x8} failed: TPM_RC 0x{rc:x}", rc);
    }
}
