using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Tpm;

namespace TeeWasm.Attestation.Platforms.AzureVtpm;

/// <summary>Why Azure vTPM evidence was rejected.</summary>
public enum AzureVtpmFailureReason
{
    /// <summary>Not rejected.</summary>
    None = 0,
    /// <summary>The HCL report or its runtime claims are malformed.</summary>
    Malformed,
    /// <summary>hash(runtime claims) differs from the hardware report's report_data.</summary>
    BindingMismatch,
    /// <summary>The runtime claims carry no HCLAkPub key.</summary>
    AttestationKeyMissing,
    /// <summary>A TPM quote was required but none was given.</summary>
    QuoteMissing,
    /// <summary>The quote's TPMS_ATTEST is malformed or not a quote.</summary>
    QuoteMalformed,
    /// <summary>The quote's signature does not verify with the HCLAkPub key.</summary>
    QuoteSignatureInvalid,
    /// <summary>The quote's extraData differs from the expected nonce.</summary>
    NonceMismatch,
    /// <summary>The quote's pcrDigest differs from the digest of the PCR values read, or the quoted PCRs differ.</summary>
    PcrMismatch,
    /// <summary>The SNP report inside failed verification (see <see cref="AzureVtpmVerificationResult.Snp"/>).</summary>
    HardwareReportInvalid,
    /// <summary>The hardware report is a TDREPORT: MAC'd, not signed, so it cannot be verified alone (no TD quote given).</summary>
    HardwareReportUnverifiable,
    /// <summary>The TD quote given for a TDREPORT failed verification (see <see cref="AzureVtpmVerificationResult.Tdx"/>).</summary>
    TdQuoteInvalid,
    /// <summary>The TD quote is not for this TDREPORT: a field differs (see <see cref="AzureVtpmVerificationResult.MismatchedField"/>).</summary>
    TdQuoteMismatch,
}

/// <summary>The verdict on Azure vTPM evidence: HCL report (+ binding), TPM quote, hardware report.</summary>
internal sealed class AzureVtpmVerificationResult
{
    /// <summary>The message for a TDX HCL report.</summary>
    public const string TdReportUnverifiable = "TDREPORT is MACed, not signed: cannot be verified alone";

    /// <summary>True when every check passed.</summary>
    public bool IsValid => Reason == AzureVtpmFailureReason.None;

    /// <summary>The first check that failed.</summary>
    public AzureVtpmFailureReason Reason { get; internal init; }

    /// <summary>What failed and why, or what was verified.</summary>
    public string Message { get; internal init; } = "";

    /// <summary>The parsed HCL report, when it parsed.</summary>
    public HclReport? Report { get; internal init; }

    /// <summary>The parsed runtime claims, when they parsed.</summary>
    public RuntimeClaims? Claims { get; internal init; }

    /// <summary>True when hash(runtime claims) = report_data prefix.</summary>
    public bool BindingValid { get; internal init; }

    /// <summary>True when a TPM quote was checked (signature, nonce, PCRs) and passed.</summary>
    public bool QuoteVerified { get; internal init; }

    /// <summary>The parsed quote, when one was given and parsed.</summary>
    public TpmAttest? Quote { get; internal init; }

    /// <summary>The SNP verdict for an SNP report inside.</summary>
    public SnpVerificationResult? Snp { get; internal init; }

    /// <summary>The TD quote's verdict for a TDX report inside, when a TD quote was given.</summary>
    public TdxVerificationResult? Tdx { get; internal init; }

    /// <summary>For <see cref="AzureVtpmFailureReason.TdQuoteMismatch"/>: the first field of the TDREPORT the quote does not carry.</summary>
    public string? MismatchedField { get; internal init; }

    /// <inheritdoc/>
    public override string ToString() => IsValid ? Message : $"{Reason}: {Message}";
}
