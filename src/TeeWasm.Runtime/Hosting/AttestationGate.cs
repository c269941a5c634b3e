using TeeWasm.Attestation;
using TeeWasm.Attestation.Policy;

namespace TeeWasm.Runtime.Hosting;

/// <summary>
/// The policy gate of a run: <c>--require-attestation</c> attests the VM and evaluates the policy on the verified
/// evidence before the guest starts (fail closed), and the guest's <c>attest_*</c> results pass through the policy.
/// The verdicts are the attester's (<see cref="Attester.CheckVm"/>, <see cref="Attester.UnderPolicy"/>).
/// </summary>
public static class AttestationGate
{
    /// <summary>Attests the VM and evaluates <paramref name="policy"/>; <c>Ok</c> false comes with the reason.</summary>
    public static (bool Ok, string Reason) Check(Attester attester, AttestationPolicy policy) => attester.CheckVm(policy);

    /// <summary>A guest's result under <paramref name="policy"/>: a refused result becomes a failure naming the violations.</summary>
    public static AttestationResult Apply(Attester attester, AttestationPolicy? policy, AttestationResult result, ReadOnlySpan<byte> nonce) =>
        attester.UnderPolicy(policy, result, nonce);
}
