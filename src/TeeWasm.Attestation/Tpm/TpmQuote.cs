namespace TeeWasm.Attestation.Tpm;

/// <summary>A TPM2_Quote answer: the signed TPMS_ATTEST and its signature.</summary>
/// <param name="Attest">The TPMS_ATTEST bytes the TPM signed (TPM2B_ATTEST contents).</param>
/// <param name="Signature">The TPMT_SIGNATURE.</param>
public sealed record TpmQuote(byte[] Attest, TpmSignature Signature);
