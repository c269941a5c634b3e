using System.Diagnostics.CodeAnalysis;
using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>
/// The Intel SGX extension (OID 1.2.840.113741.1.13.1) of a PCK certificate (Intel "SGX PCK Certificate and
/// Certificate Revocation List Profile Specification"): FMSPC, PCE-ID and the TCB the PCK was issued for.
/// </summary>
public sealed class PckCertificateExtensions
{
    /// <summary>OID of the SGX extension.</summary>
    public const string SgxExtensionOid = "1.2.840.113741.1.13.1";

    private const string PpidOid = SgxExtensionOid + ".1";
    private const string TcbOid = SgxExtensionOid + ".2";
    private const string PceIdOid = SgxExtensionOid + ".3";
    private const string FmspcOid = SgxExtensionOid + ".4";
    private const string SgxTypeOid = SgxExtensionOid + ".5";
    private const string PceSvnOid = TcbOid + ".17";
    private const string CpuSvnOid = TcbOid + ".18";

    /// <summary>Number of SGX TCB component SVNs.</summary>
    public const int SgxTcbComponentCount = 16;

    private PckCertificateExtensions(byte[] fmspc, byte[] pceId, byte[] ppid, byte[] cpuSvn, byte[] components, int pceSvn, int sgxType)
    {
        Fmspc = fmspc;
        PceId = pceId;
        Ppid = ppid;
        CpuSvn = cpuSvn;
        SgxTcbComponents = components;
        PceSvn = pceSvn;
        SgxType = sgxType;
    }

    /// <summary>FMSPC (6 bytes): family-model-stepping-platform-custom SKU.</summary>
    public ReadOnlyMemory<byte> Fmspc { get; }

    /// <summary>FMSPC as lower-case hex, as in TCB info JSON (compare case-insensitively).</summary>
    public string FmspcHex => Convert.ToHexStringLower(Fmspc.Span);

    /// <summary>PCE-ID (2 bytes).</summary>
    public ReadOnlyMemory<byte> PceId { get; }

    /// <summary>PPID (16 bytes, encrypted platform id).</summary>
    public ReadOnlyMemory<byte> Ppid { get; }

    /// <summary>CPUSVN (16 bytes).</summary>
    public ReadOnlyMemory<byte> CpuSvn { get; }

    /// <summary>SGX TCB component SVNs 1..16 (index 0 = component 1).</summary>
    public ReadOnlyMemory<byte> SgxTcbComponents { get; }

    /// <summary>PCESVN.</summary>
    public int PceSvn { get; }

    /// <summary>SGX type (0 Standard, 1 Scalable, 2 Scalable with integrity).</summary>
    public int SgxType { get; }

    /// <summary>Reads the SGX extension of a PCK certificate.</summary>
    /// <param name="certificate">The PCK leaf.</param>
    /// <param name="extensions">The parsed extension, when the result is true.</param>
    /// <param name="error">Why it could not be read, when the result is false.</param>
    public static bool TryRead(X509Certificate2 certificate, [NotNullWhen(true)] out PckCertificateExtensions? extensions, [NotNullWhen(false)] out string? error)
    {
        extensions = null;
        X509Extension? ext = certificate.Extensions[SgxExtensionOid];
        if (ext is null)
        {
            error = $"PCK certificate has no SGX extension ({SgxExtensionOid})";
            return false;
        }
        try
        {
            byte[]? fmspc = null, pceId = null, ppid = null, cpuSvn = null;
            byte[] components = new byte[SgxTcbComponentCount];
            int pceSvn = -1, sgxType = 0, found = 0;
            AsnReader seq = new AsnReader(ext.RawData, AsnEncodingRules.DER).ReadSequence();
            while (seq.HasData)
            {
                AsnReader item = seq.ReadSequence();
                string oid = item.ReadObjectIdentifier();
                switch (oid)
                {
                    case PpidOid: ppid = item.ReadOctetString(); break;
                    case PceIdOid: pceId = item.ReadOctetString(); break;
                    case FmspcOid: fmspc = item.ReadOctetString(); break;
                    case SgxTypeOid: sgxType = item.ReadEnumeratedBytes().Span[^1]; break;
                    case TcbOid:
                        AsnReader tcb = item.ReadSequence();
                        while (tcb.HasData)
                        {
                            AsnReader comp = tcb.ReadSequence();
                            string compOid = comp.ReadObjectIdentifier();
                            if (compOid == CpuSvnOid)
                            {
                                cpuSvn = comp.ReadOctetString();
                            }
                            else if (compOid == PceSvnOid)
                            {
                                pceSvn = (int)ReadSmallInteger(comp);
                            }
                            else if (compOid.StartsWith(TcbOid + ".", StringComparison.Ordinal)
                                && int.TryParse(compOid.AsSpan(TcbOid.Length + 1), out int index) && index is >= 1 and <= SgxTcbComponentCount)
                            {
                                components[index - 1] = (byte)ReadSmallInteger(comp);
                                found |= 1 << (index - 1);
                            }
                        }
                        break;
                }
            }
            if (fmspc is not { Length: 6 } || pceId is not { Length: 2 } || pceSvn < 0 || found != 0xFFFF)
            {
                error = "PCK SGX extension lacks FMSPC, PCE-ID, PCESVN or one of the 16 SGX TCB components";
                return false;
            }
            extensions = new PckCertificateExtensions(fmspc, pceId, ppid ?? [], cpuSvn ?? [], components, pceSvn, sgxType);
            error = null;
            return true;
        }
        catch (AsnContentException e)
        {
            error = "PCK SGX extension is malformed: " + e.Message;
            return false;
        }
    }

    private static long ReadSmallInteger(AsnReader reader) =>
        reader.TryReadInt64(out long value) && value is >= 0 and <= 0xFFFF ? value : throw new AsnContentException("SVN out of range");
}
