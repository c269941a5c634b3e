using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Tokens;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation.Platforms.Snp;

/// <summary>
/// Attests an SEV-SNP guest: collects a report over the binding (configfs-tsm, else /dev/sev-guest), verifies it with
/// <see cref="SnpVerifier"/> (certificates from the extended report plus any given ones, AMD roots by default).
/// </summary>
public sealed class SnpVmEvidenceSource : IVmEvidenceSource
{
    private readonly SnpEvidenceSource _collector;
    private readonly IReadOnlyList<X509Certificate2> _extraCertificates;
    private readonly IReadOnlyList<X509Certificate2>? _trustedRoots;
    private readonly TimeProvider _time;

    /// <summary>Creates the source.</summary>
    /// <param name="collector">Where reports come from.</param>
    /// <param name="extraCertificates">VCEK/VLEK/ASK/ARK certificates to use besides those the platform returns.</param>
    /// <param name="trustedRoots">Roots to trust instead of AMD's (tests only); null for AMD's.</param>
    /// <param name="time">The clock.</param>
    public SnpVmEvidenceSource(SnpEvidenceSource collector, IReadOnlyList<X509Certificate2>? extraCertificates = null,
        IReadOnlyList<X509Certificate2>? trustedRoots = null, TimeProvider? time = null)
    {
        _collector = collector;
        _extraCertificates = extraCertificates ?? [];
        _trustedRoots = trustedRoots;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Fetches the VCEK (and chain, CRL) from AMD's KDS when the platform returns none and none was given; null: never.</summary>
    public ICollateralFetcher? CollateralFetcher { get; init; }

    /// <summary>The AMD product to fetch for when the report does not name it (version 2 firmware); null otherwise.</summary>
    public string? Product { get; init; }

    /// <inheritdoc />
    public TeeType TeeType => TeeType.AmdSevSnp;

    /// <inheritdoc />
    public bool Simulated => false;

    /// <inheritdoc />
    public CollectedEvidence Attest(ReadOnlySpan<byte> reportData, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> moduleHash)
    {
        var collected = _collector.GetEvidence(reportData);
        X509Certificate2[] certificates = [.. collected.Certificates?.GetCertificates() ?? [], .. _extraCertificates];
        IReadOnlyList<X509.CertificateRevocationList> crls = [];
        string? crlUnavailable = null;
        if (certificates.Length == 0 && CollateralFetcher is { } fetcher)
        {
            try
            {
                SnpFetchedCollateral fetched = SnpCollateralFetch.For(fetcher, collected.Report, [], Product);
                certificates = [.. fetched.Certificates];
                crls = fetched.Crls;
                crlUnavailable = fetched.CrlUnavailable;
            }
            catch (Exception e) when (e is CollateralUnavailableException or VerificationInputException)
            {
                throw new AttestationException("the platform returned no VCEK and fetching it failed: " + e.Message, e);
            }
        }
        if (certificates.Length == 0)
            throw new AttestationException("the platform returned no VCEK/VLEK and none was given (--vm-cert FILE, or --fetch to get the VCEK from AMD's KDS)");
        var evidence = new SnpEvidence { Report = collected.Report.AsSpan(0, SnpReport.Size).ToArray(), Certificates = certificates, Source = collected.Source };
        var appraisal = new SnpEvidenceVerifier(new SnpVerifierOptions { TrustedRoots = _trustedRoots, Crls = crls, CrlUnavailable = crlUnavailable })
            .Verify(evidence, new VerificationContext { ExpectedReportData = reportData.ToArray(), Time = _time.GetUtcNow() });
        if (!appraisal.EvidenceValid) throw new AttestationException($"report rejected ({appraisal.Reason}): {appraisal.Message}");
        return new CollectedEvidence(ToVerifiedEvidence(appraisal, nonce, moduleHash, appraisal.Note!), evidence, appraisal);
    }

    /// <summary>What a verified SNP report establishes, as token claims.</summary>
    internal static VerifiedEvidence ToVerifiedEvidence(Appraisal appraisal, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> moduleHash, string note) => new()
    {
        Platform = TeeType.AmdSevSnp.ToAbiName(),
        Subject = "vm",
        Measurement = appraisal.Claims!.Measurement,
        ReportData = appraisal.Claims.ReportData,
        Nonce = nonce.ToArray(),
        ModuleHash = moduleHash.ToArray(),
        Simulated = appraisal.Claims.Simulated,
        VerifierNote = note,
    };
}
