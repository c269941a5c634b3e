using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Tpm;

namespace TeeWasm.Attestation.Platforms.AzureVtpm;

/// <summary>What <see cref="AzureVtpmVerifier"/> verifies an HCL report (and optionally a TPM quote) against.</summary>
internal sealed class AzureVtpmVerificationOptions
{
    /// <summary>The VCEK (and optionally ASK/ARK) for an SNP report inside; see <see cref="Snp.SnpVerificationOptions.Certificates"/>.</summary>
    public IReadOnlyList<X509Certificate2> Certificates { get; init; } = [];

    /// <summary>The ARKs to trust; null trusts AMD's.</summary>
    public IReadOnlyList<X509Certificate2>? TrustedRoots { get; init; }

    /// <summary>When certificates must be valid; null means now.</summary>
    public DateTimeOffset? VerificationTime { get; init; }

    /// <summary>The TPM quote to check (signed by the runtime claims' HCLAkPub); null when there is none.</summary>
    public TpmQuote? Quote { get; init; }

    /// <summary>When true, a missing <see cref="Quote"/> is a failure (live attestation); when false it is only noted.</summary>
    public bool RequireQuote { get; init; }

    /// <summary>The quote's extraData must equal this (the nonce we passed as qualifyingData); null skips the check.</summary>
    public byte[]? ExpectedNonce { get; init; }

    /// <summary>The PCR values read from the TPM, in ascending PCR order of <see cref="PcrSelection"/>; null skips the PCR digest check.</summary>
    public IReadOnlyList<byte[]>? PcrValues { get; init; }

    /// <summary>
    /// The TD quote for a TDX HCL report (e.g. from <see cref="ImdsTdQuoteClient"/>): verified with
    /// <see cref="TdxQuoteVerifier"/> and compared field by field with the TDREPORT (<see cref="TdQuotePairing"/>).
    /// Null: a TDX HCL report is rejected as unverifiable alone.
    /// </summary>
    public byte[]? TdQuote { get; init; }

    /// <summary>How <see cref="TdQuote"/> is verified (collateral, policy switches); null: defaults at <see cref="VerificationTime"/>.</summary>
    public TdxVerificationOptions? TdxOptions { get; init; }

    /// <summary>The PCRs that were quoted.</summary>
    public TpmPcrSelection PcrSelection { get; init; } = TpmPcrSelection.AllSha256;
}
