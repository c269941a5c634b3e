using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Tpm;

namespace TeeWasm.Attestation.Platforms.AzureVtpm;

/// <summary>
/// Azure confidential-VM evidence: the HCL report from the vTPM (an SNP report or a TDREPORT inside, bound to the
/// runtime claims), the TPM quote over the PCRs by the claims' HCLAkPub, the VCEK (SNP) or the TD quote made from the
/// TDREPORT (TDX). Evidence JSON: <c>tee_type</c> (the ABI name), <c>source</c> "azure-vtpm", <c>report</c> (the HCL
/// report), <c>td_quote</c>, <c>certificates</c>, <c>tpm_quote</c> {<c>attest</c>, <c>signature</c>, <c>nonce</c>,
/// <c>pcr_selection</c>, <c>pcrs</c>}.
/// </summary>
public sealed record AzureVtpmEvidence : AttestationEvidence
{
    /// <summary>The platform inside, as the collecting source detected it.</summary>
    public TeeType TeeType { get; init; } = TeeType.AmdSevSnp;

    /// <summary>The raw HCL report (NV index 0x01400001, padding included).</summary>
    public required byte[] HclReport { get; init; }

    /// <summary>The TD quote for the TDREPORT inside (Azure TDX CVMs), or null.</summary>
    public byte[]? TdQuote { get; init; }

    /// <summary>The VCEK (and optionally ASK/ARK) for an SNP report inside.</summary>
    public IReadOnlyList<X509Certificate2> Certificates { get; init; } = [];

    /// <summary>The TPM quote, or null when the evidence has none.</summary>
    public TpmQuote? Quote { get; init; }

    /// <summary>The nonce the quote was requested over (its extraData), as the evidence states it; null when not stated.</summary>
    public byte[]? QuoteNonce { get; init; }

    /// <summary>The PCRs quoted, or null when not stated.</summary>
    public TpmPcrSelection? PcrSelection { get; init; }

    /// <summary>The PCR values read, in ascending PCR order of <see cref="PcrSelection"/>, or null.</summary>
    public IReadOnlyList<byte[]>? Pcrs { get; init; }

    /// <summary>
    /// The Trustee evidence version (0, 1, 2) when the evidence was read from Trustee's <c>az-snp-vtpm</c>/<c>az-tdx-vtpm</c>
    /// format: its TPM quote's extraData is the report data itself (not SHA-256 of it), and from version 2 the HCL
    /// runtime claims' <c>user-data</c> starts with it; null for TeeWasm's evidence.
    /// </summary>
    public int? TrusteeVersion { get; init; }

    /// <inheritdoc />
    public override EvidenceSubject Subject => EvidenceSubject.Vm;

    /// <inheritdoc />
    protected internal override void WriteTo(EvidenceDocument.Writer w)
    {
        w.String("tee_type", TeeType.ToAbiName());
        w.String("source", Source);
        w.Base64("report", HclReport);
        if (TdQuote is not null) w.Base64("td_quote", TdQuote);
        w.Certificates("certificates", Certificates);
        if (Quote is not { } quote) return;
        w.Object("tpm_quote", q =>
        {
            q.Base64("attest", quote.Attest);
            q.Base64("signature", quote.Signature.Raw);
            if (QuoteNonce is not null) q.Hex("nonce", QuoteNonce);
            if (PcrSelection is { } selection) q.Numbers("pcr_selection", selection.Pcrs.Select(p => (long)p));
            if (Pcrs is not null) q.Strings("pcrs", Pcrs.Select(Convert.ToHexStringLower));
        });
    }
}
