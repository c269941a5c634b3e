using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>What <see cref="GpuReportVerifier"/> established about a report.</summary>
/// <param name="Report">The parsed report.</param>
/// <param name="Leaf">The device certificate that signed it.</param>
/// <param name="FwidChecked">True when the report's FWID was compared with (and equals) the certificate's; false when the report has none.</param>
/// <param name="Note">A one-line description of what was checked.</param>
public sealed record GpuReportVerification(GpuAttestationReport Report, X509Certificate2 Leaf, bool FwidChecked, string Note);

/// <summary>
/// Verifies an NVIDIA GPU attestation report: the device certificate chain to the pinned NVIDIA Device Identity CA,
/// the ECDSA P-384/SHA-384 signature over request ‖ response with the chain's leaf, the request nonce, and the opaque
/// FWID against the leaf's TCG DICE FWID. Offline; the verification time is injectable.
/// </summary>
public sealed class GpuReportVerifier
{
    private readonly X509Certificate2 _root;
    private readonly TimeProvider _time;

    /// <summary>Creates a verifier pinned to <paramref name="root"/> (default: the embedded NVIDIA Device Identity CA).</summary>
    public GpuReportVerifier(TimeProvider? time = null, X509Certificate2? root = null)
    {
        _time = time ?? TimeProvider.System;
        _root = root ?? NvidiaRootCertificates.DeviceIdentityCa;
    }

    /// <summary>Verifies <paramref name="report"/> with its PEM chain (leaf first) for <paramref name="expectedNonce"/>.</summary>
    /// <exception cref="NvidiaAttestationException">Any check failed; <see cref="NvidiaAttestationException.Reason"/> says which.</exception>
    public GpuReportVerification Verify(GpuAttestationReport report, string certificateChainPem, ReadOnlySpan<byte> expectedNonce) =>
        Verify(report, NvidiaCertificateChain.ParsePem(certificateChainPem), expectedNonce);

    /// <summary>Verifies <paramref name="report"/> with its chain (leaf first) for <paramref name="expectedNonce"/>.</summary>
    /// <exception cref="NvidiaAttestationException">Any check failed; <see cref="NvidiaAttestationException.Reason"/> says which.</exception>
    public GpuReportVerification Verify(GpuAttestationReport report, IReadOnlyList<X509Certificate2> chain, ReadOnlySpan<byte> expectedNonce)
    {
        NvidiaCertificateChain.Validate(chain, _root, _time.GetUtcNow(), "GPU device certificate");
        X509Certificate2 leaf = chain[0];

        using (ECDsa? key = leaf.GetECDsaPublicKey())
        {
            if (key is null)
                throw new NvidiaAttestationException(NvidiaFailureReason.ReportSignature, $"device certificate '{leaf.Subject}' has no ECDSA key");
            if (!SignatureVerifies(report, key))
                throw new NvidiaAttestationException(NvidiaFailureReason.ReportSignature,
                    $"GPU attestation report signature does not verify with the device certificate '{leaf.GetNameInfo(X509NameType.SimpleName, false)}'");
        }

        if (!CryptographicOperations.FixedTimeEquals(report.RequestNonce.Span, expectedNonce))
            throw new NvidiaAttestationException(NvidiaFailureReason.NonceMismatch,
                $"GPU attestation report is over nonce {Convert.ToHexStringLower(report.RequestNonce.Span)}, expected {Convert.ToHexStringLower(expectedNonce)}");

        bool fwidChecked = false;
        if (report.OpaqueData.Fwid is { } fwid)
        {
            if (!FwidMatches(fwid, leaf, out byte[]? certFwid))
                throw new NvidiaAttestationException(NvidiaFailureReason.FwidMismatch,
                    $"report FWID {Convert.ToHexStringLower(fwid)} differs from the device certificate's {(certFwid is null ? "(none)" : Convert.ToHexStringLower(certFwid))}");
            fwidChecked = true;
        }

        string note = $"SPDM measurement report signed by '{leaf.GetNameInfo(X509NameType.SimpleName, false)}', chain to {_root.GetNameInfo(X509NameType.SimpleName, false)}, nonce bound"
            + (fwidChecked ? ", FWID matches" : ", no FWID in report");
        return new GpuReportVerification(report, leaf, fwidChecked, note);
    }

    /// <summary>True when the report's ECDSA P-384/SHA-384 signature over request ‖ response verifies with <paramref name="deviceKey"/>.</summary>
    public static bool SignatureVerifies(GpuAttestationReport report, ECDsa deviceKey) =>
        deviceKey.VerifyData(report.SignedBytes.Span, report.Signature.Span, HashAlgorithmName.SHA384, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    /// <summary>True when <paramref name="fwid"/> (the report's) equals the first TCG DICE FWID of <paramref name="leaf"/>, which is returned (null when it has none).</summary>
    public static bool FwidMatches(ReadOnlySpan<byte> fwid, X509Certificate2 leaf, out byte[]? certificateFwid)
    {
        List<byte[]> certFwids = NvidiaCertificateChain.GetFwids(leaf);
        certificateFwid = certFwids.Count > 0 ? certFwids[0] : null;
        return certificateFwid is not null && certificateFwid.AsSpan().SequenceEqual(fwid);
    }
}
