using TeeWasm.Attestation;

namespace TeeWasm.Runtime.Interfaces.Attestation;

/// <summary>
/// Decides what a guest's <c>attest_vm</c> / <c>attest_gpu</c> call returns for a <paramref name="result"/> attested with
/// <paramref name="nonce"/>: the result itself, or a failure in its place (the host's policy gate).
/// </summary>
public delegate AttestationResult AttestationResultFilter(AttestationResult result, ReadOnlySpan<byte> nonce);
