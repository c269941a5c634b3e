using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>A measurement of the report that no RIM value accepts.</summary>
/// <param name="RimIndex">The RIM index.</param>
/// <param name="BlockIndex">The SPDM measurement block index (RIM index + 1).</param>
/// <param name="Actual">The report's value (hex), or null when the block is missing.</param>
/// <param name="Expected">The RIM's accepted values (hex).</param>
internal sealed record RimMismatch(int RimIndex, int BlockIndex, string? Actual, IReadOnlyList<string> Expected);

/// <summary>The result of comparing a report's measurements with a RIM.</summary>
/// <param name="Rim">The RIM.</param>
/// <param name="Compared">How many active RIM indices were compared.</param>
/// <param name="Mismatches">The indices that did not match.</param>
internal sealed record RimComparison(NvidiaRim Rim, int Compared, IReadOnlyList<RimMismatch> Mismatches)
{
    /// <summary>True when every active index matched.</summary>
    public bool Matches => Mismatches.Count == 0;
}

/// <summary>
/// Verifies NVIDIA RIMs (XML signature with the KeyInfo leaf, chain to the pinned NVIDIA CoRIM signing Root CA, every
/// certificate valid at the verification time) and compares a GPU report's measurement blocks with them.
/// </summary>
internal sealed class RimVerifier
{
    private readonly X509Certificate2 _root;
    private readonly TimeProvider _time;

    /// <summary>Creates a verifier pinned to <paramref name="root"/> (default: the embedded NVIDIA CoRIM signing Root CA).</summary>
    public RimVerifier(TimeProvider? time = null, X509Certificate2? root = null)
    {
        _time = time ?? TimeProvider.System;
        _root = root ?? NvidiaRootCertificates.RimRootCa;
    }

    /// <summary>Verifies the RIM's signing chain, validity and XML signature.</summary>
    /// <exception cref="NvidiaAttestationException">Reason <see cref="NvidiaFailureReason.RimCertificateChain"/>, <see cref="NvidiaFailureReason.RimExpired"/> or <see cref="NvidiaFailureReason.RimSignature"/>.</exception>
    public void Verify(NvidiaRim rim)
    {
        string what = $"RIM {rim.Name} {rim.Version}";
        if (rim.SigningChain.Count == 0)
            throw new NvidiaAttestationException(NvidiaFailureReason.RimCertificateChain, $"{what} carries no signing certificate");
        try
        {
            NvidiaCertificateChain.Validate(rim.SigningChain, _root, _time.GetUtcNow(), what + " signing",
                NvidiaFailureReason.RimCertificateChain, NvidiaFailureReason.RimExpired);
        }
        catch (NvidiaAttestationException e) when (e.Reason == NvidiaFailureReason.RimExpired)
        {
            throw new NvidiaAttestationException(NvidiaFailureReason.RimExpired, "RIM expired: " + e.Message, e);
        }
        using ECDsa? key = rim.SigningChain[0].GetECDsaPublicKey();
        if (key is null)
            throw new NvidiaAttestationException(NvidiaFailureReason.RimSignature, $"{what}: signing certificate has no ECDSA key");
        if (!RimSignature.Verify(rim.Document, key, out string? error))
            throw new NvidiaAttestationException(NvidiaFailureReason.RimSignature, $"{what}: {error}");
    }

    /// <summary>Compares every active RIM index <c>i</c> with measurement block <c>i + 1</c> of the report.</summary>
    public static RimComparison Compare(NvidiaRim rim, GpuAttestationReport report)
    {
        var mismatches = new List<RimMismatch>();
        int compared = 0;
        foreach (RimMeasurement m in rim.Measurements.Where(m => m.Active))
        {
            compared++;
            SpdmMeasurementBlock? block = report.GetBlock(m.BlockIndex);
            if (block is null || !m.Alternatives.Any(a => a.AsSpan().SequenceEqual(block.Value.Span)))
                mismatches.Add(new RimMismatch(m.Index, m.BlockIndex, block?.ValueHex, m.Alternatives.Select(Convert.ToHexStringLower).ToList()));
        }
        return new RimComparison(rim, compared, mismatches);
    }

    /// <summary>Verifies the RIM, then requires every active index to match the report.</summary>
    /// <exception cref="NvidiaAttestationException">The RIM does not verify, or reason <see cref="NvidiaFailureReason.MeasurementMismatch"/> naming the indices.</exception>
    public RimComparison VerifyAndCompare(NvidiaRim rim, GpuAttestationReport report)
    {
        Verify(rim);
        RimComparison result = Compare(rim, report);
        if (!result.Matches)
            throw new NvidiaAttestationException(NvidiaFailureReason.MeasurementMismatch, Mismatch(result));
        return result;
    }

    /// <summary>"measurements differ from RIM … at RIM index i (measurement block i + 1: …)" for a comparison that failed.</summary>
    public static string Mismatch(RimComparison result) =>
        $"measurements differ from RIM {result.Rim.Name} {result.Rim.Version} at " + string.Join(", ",
            result.Mismatches.Select(m => $"RIM index {m.RimIndex} (measurement block {m.BlockIndex}: {(m.Actual is null ? "missing" : m.Actual[..16] + "…")})"));
}
