using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Platforms.Snp;

/// <summary>What <see cref="SnpVerifier"/> verifies a report against.</summary>
internal sealed class SnpVerificationOptions
{
    /// <summary>
    /// The VCEK or VLEK, optionally with its ASK/ASVK and ARK, in any order. When no ASK/ASVK is given, the
    /// intermediates embedded in the library (<see cref="AmdRootCertificates.Intermediates"/>) are used; when one is
    /// given, only the given ones are.
    /// </summary>
    public IReadOnlyList<X509Certificate2> Certificates { get; init; } = [];

    /// <summary>The ARKs to trust; null trusts AMD's Milan, Genoa and Turin ARKs (<see cref="AmdRootCertificates.Arks"/>).</summary>
    public IReadOnlyList<X509Certificate2>? TrustedRoots { get; init; }

    /// <summary>The time at which every certificate must be valid; null means now.</summary>
    public DateTimeOffset? VerificationTime { get; init; }

    /// <summary>If set, REPORT_DATA must equal these bytes (at most 64; shorter values are compared zero-padded to 64).</summary>
    public byte[]? ExpectedReportData { get; init; }

    /// <summary>For VCEK-signed reports, require the VCEK's hwID to equal the report's CHIP_ID (VLEKs carry none).</summary>
    public bool RequireChipIdMatch { get; init; } = true;

    /// <summary>
    /// A cache of VCEK/VLEK → ASK/ASVK → ARK chains already verified; null (default) verifies the chain every time.
    /// The report's signature, TCB, CHIP_ID and REPORT_DATA checks always run. See <see cref="CertificateChainCache"/>.
    /// </summary>
    public CertificateChainCache? ChainCache { get; init; }
}
