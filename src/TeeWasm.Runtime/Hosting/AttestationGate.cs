using TeeWasm.Attestation;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Policy;

namespace TeeWasm.Runtime.Hosting;

/// <summary>
/// The <c>--require-attestation</c> gate: attests the VM (report_data bound to the module, host key and an empty nonce),
/// then evaluates the policy on the verified evidence. The runner calls it before instantiating the guest and refuses to
/// start the guest when it fails (fail closed: any error is a refusal).
/// </summary>
public static class AttestationGate
{
    /// <summary>Attests and evaluates <paramref name="policy"/>; <c>Ok</c> false comes with the reason.</summary>
    public static (bool Ok, string Reason) Check(Attester attester, AttestationPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(attester);
        ArgumentNullException.ThrowIfNull(policy);
        var result = attester.AttestVm();
        if (!result.Success) return (false, "VM attestation failed: " + (result.Error ?? "unknown error"));
        var verdict = Evaluate(attester, policy, result, []);
        return verdict.Allowed ? (true, $"{result.TeeType} attested; policy allows it") : (false, "policy refused the platform: " + verdict);
    }

    /// <summary>Evaluates <paramref name="policy"/> on a successful result for <paramref name="nonce"/>; decoding failures are violations.</summary>
    public static PolicyVerdict Evaluate(Attester attester, AttestationPolicy policy, AttestationResult result, ReadOnlySpan<byte> nonce)
    {
        ArgumentNullException.ThrowIfNull(attester);
        try
        {
            // With a VM token service the report carries that service's binding (maa, ita) of the same inputs.
            byte[] expected = VmBinding.ExpectedReportData(result.Evidence, attester.ModuleHash, attester.HostKey.PublicPoint, nonce);
            return PolicyEvaluator.Evaluate(policy, PolicyInputs.FromResult(result, expected));
        }
        catch (AttestationException e)
        {
            return new PolicyVerdict(false, [e.Message]);
        }
    }

    /// <summary>
    /// What a guest's <c>attest_vm</c> and <c>attest_gpu</c> see under a policy: a successful result that the policy refuses becomes a failure
    /// whose error names the violations (the evidence stays, so the guest can see what was refused).
    /// </summary>
    public static AttestationResult Apply(Attester attester, AttestationPolicy? policy, AttestationResult result, ReadOnlySpan<byte> nonce)
    {
        if (policy is null || !result.Success) return result;
        var verdict = Evaluate(attester, policy, result, nonce);
        return verdict.Allowed ? result : result with { Success = false, Token = null, Error = "policy: " + verdict };
    }
}
