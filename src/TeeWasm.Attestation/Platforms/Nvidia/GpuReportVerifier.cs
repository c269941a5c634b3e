using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>What <see cref="GpuReportVerifier"/> established about a report.</summary>
/// <param name="Report">The parsed report.</param>
/// <param name="Leaf">The device certificate that signed it.</param>
/// <param name="FwidChecked">True when the report's FWID was compared with (and equals) the certificate's; false when the report has none.</param>
/// <param name="Note">A one-line description of what was checked.</param>
internal sealed record GpuReportVerification(GpuAttestationReport Report, X509Certificate2 Leaf, bool FwidChecked, string Note);

/// <summary>
/// The GPU sources' use of <see cref="NvidiaGpuEvidenceVerifier"/>: the evidence checks (chain to the pinned root,
/// validity, signature, nonce, FWID), the first failure thrown with its reason. Offline; the time is injectable.
/// </summary>
internal sealed class GpuReportVerifier(TimeProvider? time = null, X509Certificate2? root = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly X509Certificate2 _root = root ?? NvidiaRootCertificates.DeviceIdentityCa;

    /// <summary>Verifies <paramref name="report"/> with its PEM chain (leaf first) for <paramref name="expectedNonce"/>.</summary>
    /// <exception cref="NvidiaAttestationException">Any check failed; <see cref="NvidiaAttestationException.Reason"/> says which.</exception>
    public GpuReportVerification Verify(GpuAttestationReport report, string certificateChainPem, ReadOnlySpan<byte> expectedNonce) =>
        Verify(report, NvidiaCertificateChain.ParsePem(certificateChainPem), expectedNonce);

    /// <summary>Verifies <paramref name="report"/> with its chain (leaf first) for <paramref name="expectedNonce"/>.</summary>
    /// <exception cref="NvidiaAttestationException">Any check failed; <see cref="NvidiaAttestationException.Reason"/> says which.</exception>
    public GpuReportVerification Verify(GpuAttestationReport report, IReadOnlyList<X509Certificate2> chain, ReadOnlySpan<byte> expectedNonce)
    {
        var verifier = new NvidiaGpuEvidenceVerifier(new NvidiaGpuVerifierOptions { Root = _root, ExpectedNonce = expectedNonce.ToArray(), CertificateChain = chain });
        var evidence = new NvidiaGpuEvidence { Report = report.Raw.ToArray() };
        var (appraisal, reasons) = verifier.Check(evidence, new VerificationContext { Time = _time.GetUtcNow() }, nonceSource: "");
        ThrowFirstFailure(appraisal, reasons);
        return new GpuReportVerification(report, chain[0], report.OpaqueData.Fwid is not null, appraisal.Note!);
    }

    /// <summary>Throws the first failed evidence check (chain, validity, signature, nonce, FWID) with its reason.</summary>
    internal static void ThrowFirstFailure(Appraisal appraisal, IReadOnlyDictionary<string, NvidiaFailureReason> reasons)
    {
        if (appraisal.EvidenceValid) return;
        AppraisalCheck failed = appraisal.Checks.First(c => c.Status == CheckStatus.Fail);
        throw new NvidiaAttestationException(reasons.TryGetValue(failed.Name, out var reason) ? reason : NvidiaFailureReason.Malformed, failed.Reason);
    }
}
