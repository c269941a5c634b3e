using System.Text;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>
/// The quote's signature data (Intel TDX DCAP spec, "ECDSA 256-bit Quote Signature Data Structure - Version 4"):
/// ECDSA signature over header ‖ body, the attestation public key, and certification data of type 6 (QE report
/// certification data: QE report, its PCK signature, QE authentication data, and type-5 PCK certificate chain).
/// </summary>
public sealed class TdxQuoteSignatureData
{
    internal const int SignatureLength = 64;
    internal const int AttestationKeyLength = 64;
    internal const int SignatureOffset = 0;
    internal const int AttestationKeyOffset = 64;
    internal const int CertificationDataOffset = 128;
    internal const int CertificationDataHeaderLength = 6; // u16 type + u32 size
    internal const int QeAuthDataLengthSize = 2;

    /// <summary>Certification data type 5: concatenated PCK certificate chain (PEM).</summary>
    public const ushort CertificationDataTypePckChain = 5;

    /// <summary>Certification data type 6: QE report certification data.</summary>
    public const ushort CertificationDataTypeQeReport = 6;

    internal TdxQuoteSignatureData(
        ReadOnlyMemory<byte> signature, ReadOnlyMemory<byte> attestationKey, SgxReportBody qeReport, ReadOnlyMemory<byte> qeReportSignature,
        ReadOnlyMemory<byte> qeAuthData, ushort pckCertificationDataType, ReadOnlyMemory<byte> pckCertificationData)
    {
        Signature = signature;
        AttestationKey = attestationKey;
        QeReport = qeReport;
        QeReportSignature = qeReportSignature;
        QeAuthData = qeAuthData;
        PckCertificationDataType = pckCertificationDataType;
        PckCertificationData = pckCertificationData;
    }

    /// <summary>ECDSA P-256 signature (r ‖ s, 32 bytes each, big-endian) over header ‖ body by the attestation key.</summary>
    public ReadOnlyMemory<byte> Signature { get; }

    /// <summary>The attestation public key: raw P-256 point X ‖ Y (32 bytes each, big-endian).</summary>
    public ReadOnlyMemory<byte> AttestationKey { get; }

    /// <summary>The quoting enclave's report, signed by the PCK.</summary>
    public SgxReportBody QeReport { get; }

    /// <summary>ECDSA P-256 signature (r ‖ s) over <see cref="QeReport"/> by the PCK leaf key.</summary>
    public ReadOnlyMemory<byte> QeReportSignature { get; }

    /// <summary>QE authentication data (variable length; hashed into the QE report data).</summary>
    public ReadOnlyMemory<byte> QeAuthData { get; }

    /// <summary>Type of the inner certification data (5 = PCK chain PEM is the only one verifiable here).</summary>
    public ushort PckCertificationDataType { get; }

    /// <summary>The inner certification data bytes (for type 5: PEM, leaf first, may end with a NUL).</summary>
    public ReadOnlyMemory<byte> PckCertificationData { get; }

    /// <summary>The PCK certificate chain as PEM text (type 5 only; trailing NULs removed), else null.</summary>
    public string? PckCertificateChainPem =>
        PckCertificationDataType == CertificationDataTypePckChain
            ? Encoding.ASCII.GetString(PckCertificationData.Span).TrimEnd('\0')
            : null;
}
