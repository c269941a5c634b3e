using System.Buffers.Binary;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Tpm;

namespace TeeWasm.Attestation.Tests.Platforms.AzureVtpm;

/// <summary>
/// A TPM transport in front of swtpm that plays the Azure paravisor's part in Intel's Azure TDX scheme: when NV index
/// 0x01400002 is written, it rewrites the HCL report in 0x01400001 (same size) with <c>hclFor(written bytes)</c>, as the
/// paravisor refreshes the report with that user-data.
/// </summary>
internal sealed class FakeParavisor(ITpmTransport inner, Func<byte[], byte[]> hclFor) : ITpmTransport
{
    private const uint CcNvWrite = 0x00000137;

    /// <summary>How many times it refreshed the HCL report.</summary>
    public int Refreshes { get; private set; }

    public byte[] Execute(ReadOnlySpan<byte> command)
    {
        byte[] response = inner.Execute(command);
        if (BinaryPrimitives.ReadUInt32BigEndian(command[6..]) == CcNvWrite &&
            BinaryPrimitives.ReadUInt32BigEndian(command[14..]) == AzureVtpmEvidenceSource.UserDataNvIndex &&
            BinaryPrimitives.ReadUInt32BigEndian(response.AsSpan(6)) == 0)
        {
            // header (10) ‖ authHandle ‖ nvIndex ‖ authorizationSize ‖ auth area ‖ TPM2B data ‖ offset
            int authSize = (int)BinaryPrimitives.ReadUInt32BigEndian(command[18..]);
            int at = 22 + authSize;
            int length = BinaryPrimitives.ReadUInt16BigEndian(command[at..]);
            Rewrite(hclFor(command.Slice(at + 2, length).ToArray()));
            Refreshes++;
        }
        return response;
    }

    private void Rewrite(byte[] hcl)
    {
        for (int offset = 0; offset < hcl.Length; offset += 1024)
        {
            int chunk = Math.Min(1024, hcl.Length - offset);
            byte[] write = new TpmCommandBuffer(TpmCommandBuffer.TagSessions, CcNvWrite)
                .U32(0x40000001).U32(Swtpm.HclIndex).PasswordSession().Sized(hcl.AsSpan(offset, chunk)).U16((ushort)offset).ToArray();
            uint rc = BinaryPrimitives.ReadUInt32BigEndian(inner.Execute(write).AsSpan(6));
            if (rc != 0) throw new TpmException($"fake paravisor: rewriting the HCL report failed: TPM_RC 0x{rc:x}", rc);
        }
    }

    public void Dispose() => inner.Dispose();
}
