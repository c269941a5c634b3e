using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography.X509Certificates;

namespace TeeWasm.Attestation.Platforms.Snp;

/// <summary>
/// The AMD-specific X.509 extensions of a VCEK or VLEK certificate (AMD "Versioned Chip Endorsement Key (VCEK)
/// Certificate and KDS Interface Specification"): structure version, product name, the SPL of each TCB component,
/// the chip's hardware ID (VCEK) and the cloud provider's ID (VLEK).
/// </summary>
public sealed class AmdCertificateExtensions
{
    /// <summary>OID prefix of AMD's SEV extensions (AMD's enterprise number 3704).</summary>
    public const string OidPrefix = "1.3.6.1.4.1.3704.1.";
    /// <summary>structVersion (INTEGER).</summary>
    public const string StructVersionOid = "1.3.6.1.4.1.3704.1.1";
    /// <summary>productName (IA5String), e.g. "Milan-B0".</summary>
    public const string ProductNameOid = "1.3.6.1.4.1.3704.1.2";
    /// <summary>blSPL: boot loader SPL (INTEGER).</summary>
    public const string BootloaderSplOid = "1.3.6.1.4.1.3704.1.3.1";
    /// <summary>teeSPL: PSP OS SPL (INTEGER).</summary>
    public const string TeeSplOid = "1.3.6.1.4.1.3704.1.3.2";
    /// <summary>snpSPL: SNP firmware SPL (INTEGER).</summary>
    public const string SnpSplOid = "1.3.6.1.4.1.3704.1.3.3";
    /// <summary>spl_4 (reserved TCB byte, INTEGER).</summary>
    public const string Spl4Oid = "1.3.6.1.4.1.3704.1.3.4";
    /// <summary>spl_5 (reserved TCB byte, INTEGER).</summary>
    public const string Spl5Oid = "1.3.6.1.4.1.3704.1.3.5";
    /// <summary>spl_6 (reserved TCB byte, INTEGER).</summary>
    public const string Spl6Oid = "1.3.6.1.4.1.3704.1.3.6";
    /// <summary>spl_7 (reserved TCB byte, INTEGER).</summary>
    public const string Spl7Oid = "1.3.6.1.4.1.3704.1.3.7";
    /// <summary>ucodeSPL: microcode SPL (INTEGER).</summary>
    public const string MicrocodeSplOid = "1.3.6.1.4.1.3704.1.3.8";
    /// <summary>fmcSPL: firmware management controller SPL, Turin (INTEGER).</summary>
    public const string FmcSplOid = "1.3.6.1.4.1.3704.1.3.9";
    /// <summary>hwID: the 64-byte chip ID (VCEK only). AMD puts the raw bytes in extnValue; a DER OCTET STRING is also accepted.</summary>
    public const string HardwareIdOid = "1.3.6.1.4.1.3704.1.4";
    /// <summary>CSP ID (IA5String): the cloud provider a VLEK was issued to (VLEK only).</summary>
    public const string CspIdOid = "1.3.6.1.4.1.3704.1.5";

    /// <summary>structVersion, if present.</summary>
    public int? StructVersion { get; init; }
    /// <summary>productName, if present (e.g. "Milan-B0", "Genoa", "Turin").</summary>
    public string? ProductName { get; init; }
    /// <summary>Boot loader SPL, if present.</summary>
    public int? BootloaderSpl { get; init; }
    /// <summary>TEE SPL, if present.</summary>
    public int? TeeSpl { get; init; }
    /// <summary>SNP SPL, if present.</summary>
    public int? SnpSpl { get; init; }
    /// <summary>Microcode SPL, if present.</summary>
    public int? MicrocodeSpl { get; init; }
    /// <summary>FMC SPL (Turin), if present.</summary>
    public int? FmcSpl { get; init; }
    /// <summary>The 64-byte hardware (chip) ID, if present (VCEK).</summary>
    public byte[]? HardwareId { get; init; }
    /// <summary>The cloud service provider ID, if present (VLEK).</summary>
    public string? CspId { get; init; }

    /// <summary>True when the certificate carries a CSP ID: it is a VLEK.</summary>
    public bool IsVlek => CspId is not null;

    /// <summary>Reads AMD's extensions from a certificate; throws <see cref="SnpException"/> when one is malformed.</summary>
    public static AmdCertificateExtensions FromCertificate(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        int? structVersion = null, bl = null, tee = null, snp = null, ucode = null, fmc = null;
        string? product = null, csp = null;
        byte[]? hwid = null;
        foreach (X509Extension ext in certificate.Extensions)
        {
            string? oid = ext.Oid?.Value;
            if (oid is null || !oid.StartsWith(OidPrefix, StringComparison.Ordinal)) continue;
            byte[] value = ext.RawData;
            try
            {
                switch (oid)
                {
                    case StructVersionOid: structVersion = ReadInteger(value); break;
                    case ProductNameOid: product = ReadIa5(value); break;
                    case BootloaderSplOid: bl = ReadInteger(value); break;
                    case TeeSplOid: tee = ReadInteger(value); break;
                    case SnpSplOid: snp = ReadInteger(value); break;
                    case MicrocodeSplOid: ucode = ReadInteger(value); break;
                    case FmcSplOid: fmc = ReadInteger(value); break;
                    case HardwareIdOid: hwid = ReadHardwareId(value); break;
                    case CspIdOid: csp = ReadIa5(value); break;
                }
            }
            catch (AsnContentException e)
            {
                throw new SnpException($"certificate '{certificate.Subject}': AMD extension {oid} is malformed", e);
            }
        }
        return new AmdCertificateExtensions
        {
            StructVersion = structVersion,
            ProductName = product,
            BootloaderSpl = bl,
            TeeSpl = tee,
            SnpSpl = snp,
            MicrocodeSpl = ucode,
            FmcSpl = fmc,
            HardwareId = hwid,
            CspId = csp,
        };
    }

    /// <summary>
    /// Builds the extensions AMD's KDS puts in a VCEK: structVersion 1, productName, every SPL of <paramref name="tcb"/>
    /// (Turin layout adds fmcSPL) and hwID = <paramref name="chipId"/> (64 bytes).
    /// </summary>
    public static IReadOnlyList<X509Extension> CreateForVcek(SnpTcb tcb, ReadOnlySpan<byte> chipId, string productName = "Milan-B0")
    {
        if (chipId.Length != 64) throw new ArgumentException("a chip ID is 64 bytes", nameof(chipId));
        List<X509Extension> list = CreateCommon(tcb, productName);
        list.Add(new X509Extension(HardwareIdOid, chipId.ToArray(), critical: false));
        return list;
    }

    /// <summary>Builds the extensions AMD's KDS puts in a VLEK: as for a VCEK, but a CSP ID instead of a hwID.</summary>
    public static IReadOnlyList<X509Extension> CreateForVlek(SnpTcb tcb, string cspId, string productName = "Milan-B0")
    {
        ArgumentNullException.ThrowIfNull(cspId);
        List<X509Extension> list = CreateCommon(tcb, productName);
        list.Add(new X509Extension(CspIdOid, EncodeIa5(cspId), critical: false));
        return list;
    }

    private static List<X509Extension> CreateCommon(SnpTcb tcb, string productName)
    {
        ArgumentNullException.ThrowIfNull(productName);
        // The reserved TCB bytes (spl_4..spl_7) are their raw values in the Milan/Genoa layout, as AMD's KDS does.
        var list = new List<X509Extension>
        {
            new(StructVersionOid, EncodeInteger(1), false),
            new(ProductNameOid, EncodeIa5(productName), false),
            new(BootloaderSplOid, EncodeInteger(tcb.Bootloader), false),
            new(TeeSplOid, EncodeInteger(tcb.Tee), false),
            new(Spl4Oid, EncodeInteger(0), false),
            new(Spl5Oid, EncodeInteger(0), false),
            new(Spl6Oid, EncodeInteger(0), false),
            new(Spl7Oid, EncodeInteger(0), false),
            new(SnpSplOid, EncodeInteger(tcb.Snp), false),
            new(MicrocodeSplOid, EncodeInteger(tcb.Microcode), false),
        };
        if (tcb.Layout == SnpTcbLayout.Turin) list.Add(new X509Extension(FmcSplOid, EncodeInteger(tcb.Fmc), false));
        return list;
    }

    private static int ReadInteger(byte[] value)
    {
        var reader = new AsnReader(value, AsnEncodingRules.DER);
        BigInteger n = reader.ReadInteger();
        reader.ThrowIfNotEmpty();
        if (n < 0 || n > int.MaxValue) throw new AsnContentException("SPL out of range");
        return (int)n;
    }

    private static string ReadIa5(byte[] value)
    {
        var reader = new AsnReader(value, AsnEncodingRules.DER);
        string s = reader.ReadCharacterString(UniversalTagNumber.IA5String);
        reader.ThrowIfNotEmpty();
        return s;
    }

    private static byte[] ReadHardwareId(byte[] value)
    {
        if (value.Length == 64) return value; // AMD KDS: the raw 64 bytes
        var reader = new AsnReader(value, AsnEncodingRules.DER);
        byte[] inner = reader.ReadOctetString();
        reader.ThrowIfNotEmpty();
        return inner;
    }

    private static byte[] EncodeInteger(long value)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        w.WriteInteger(value);
        return w.Encode();
    }

    private static byte[] EncodeIa5(string value)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        w.WriteCharacterString(UniversalTagNumber.IA5String, value);
        return w.Encode();
    }
}
