using System.Buffers.Binary;

namespace TeeWasm.Attestation.Tpm;

public sealed partial class Tpm2Client
{
    private const uint CcQuote = 0x00000158;
    private const uint CcPcrRead = 0x0000017E;
    private const ushort AlgNull = 0x0010;

    /// <summary>The persistent handle of the attestation key on Azure confidential VMs.</summary>
    public const uint AzureAkHandle = 0x81000003;

    /// <summary>
    /// TPM2_Quote (TPM 2.0 Part 3 §18.4): the key at <paramref name="signHandle"/> (empty password) signs the
    /// selected PCRs' digest with <paramref name="qualifyingData"/> as extraData. The scheme is the key's own (TPM_ALG_NULL in).
    /// </summary>
    public TpmQuote Quote(uint signHandle, ReadOnlySpan<byte> qualifyingData, TpmPcrSelection? selection = null)
    {
        selection ??= TpmPcrSelection.AllSha256;
        var command = new TpmCommandBuffer(TpmCommandBuffer.TagSessions, CcQuote).U32(signHandle).PasswordSession()
            .Sized(qualifyingData).U16(AlgNull);
        selection.WriteTo(command);
        var response = _transport.Execute(command.ToArray());
        uint rc = ResponseCode(response);
        if (rc != 0) throw new TpmException($"TPM2_Quote with key 0x{signHandle:x8} failed: TPM_RC 0x{rc:x}", rc);
        try
        {
            var p = response.AsSpan(TpmCommandBuffer.HeaderSize + 4); // after parameterSize
            int offset = 0;
            byte[] attest = TpmAttest.ReadSized(p, ref offset);
            var signature = TpmSignature.Read(p, ref offset);
            return new TpmQuote(attest, signature);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new TpmException("truncated TPM2_Quote response");
        }
    }

    /// <summary>
    /// TPM2_PCR_Read (TPM 2.0 Part 3 §22.4) of every PCR in <paramref name="selection"/>, in ascending order. A TPM returns
    /// at most 8 digests per call, so this asks again for what is still missing.
    /// </summary>
    public IReadOnlyList<byte[]> ReadPcrs(TpmPcrSelection? selection = null)
    {
        selection ??= TpmPcrSelection.AllSha256;
        var values = new Dictionary<int, byte[]>();
        for (int round = 0; values.Count < selection.Pcrs.Count; round++)
        {
            var missing = selection.Pcrs.Where(p => !values.ContainsKey(p)).ToArray();
            if (round > TpmPcrSelection.PcrCount) throw new TpmException("TPM2_PCR_Read makes no progress");
            var command = new TpmCommandBuffer(TpmCommandBuffer.TagNoSessions, CcPcrRead);
            new TpmPcrSelection(missing, selection.HashAlgorithm).WriteTo(command);
            var response = _transport.Execute(command.ToArray());
            uint rc = ResponseCode(response);
            if (rc != 0) throw new TpmException($"TPM2_PCR_Read failed: TPM_RC 0x{rc:x}", rc);
            try
            {
                var p = response.AsSpan(TpmCommandBuffer.HeaderSize);
                int offset = 4; // pcrUpdateCounter
                var banks = TpmPcrSelection.ReadList(p, ref offset);
                uint count = BinaryPrimitives.ReadUInt32BigEndian(p[offset..]);
                offset += 4;
                var returned = banks.Where(b => b.Hash == selection.HashAlgorithm).SelectMany(b => b.Pcrs).ToList();
                if (returned.Count != count) throw new TpmException($"TPM2_PCR_Read returned {count} digests for {returned.Count} PCRs");
                if (count == 0) throw new TpmException($"TPM has no PCR bank 0x{selection.HashAlgorithm:x4}");
                foreach (int pcr in returned) values[pcr] = TpmAttest.ReadSized(p, ref offset);
            }
            catch (ArgumentOutOfRangeException)
            {
                throw new TpmException("truncated TPM2_PCR_Read response");
            }
        }
        return selection.Pcrs.Select(p => values[p]).ToArray();
    }
}
