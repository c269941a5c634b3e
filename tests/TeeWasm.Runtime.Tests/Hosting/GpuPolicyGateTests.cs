using TeeWasm.Attestation;
using TeeWasm.Attestation.Platforms.Simulator;
using TeeWasm.Attestation.Policy;
using TeeWasm.Runtime.Hosting;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Runtime.Tests.Hosting;

/// <summary>attest_gpu results under --policy: what AttestationImports hands the guest (AttestationGate.Apply).</summary>
public sealed class GpuPolicyGateTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly SimulatorAuthority _authority;

    public GpuPolicyGateTests() => _authority = SimulatorAuthority.LoadOrCreate(_dir.Path);

    public void Dispose()
    {
        _authority.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void AttestGpu_IsAllowedOrRefusedByTheGpuRules()
    {
        using var attester = new Attester(new AttesterOptions { Mode = AttestationMode.Simulate }, null, _ => null, () => new SimulatedGpuEvidenceSource(_authority, 2));
        byte[] nonce = [1, 2, 3];
        AttestationResult raw = attester.AttestGpu(1, nonce);
        Assert.True(raw.Success, raw.Error);

        var allow = AttestationPolicy.Parse("""{"accepted_platforms": ["NVIDIA GPU"], "allow_simulated": true, "gpu": {"min_driver_version": "580.65", "min_vbios_version": "96.00.9f"}}""");
        AttestationResult allowed = AttestationGate.Apply(attester, allow, raw, nonce);
        Assert.True(allowed.Success, allowed.Error);

        var deny = AttestationPolicy.Parse("""{"accepted_platforms": ["NVIDIA GPU"], "allow_simulated": true, "gpu": {"min_driver_version": "590"}}""");
        AttestationResult denied = AttestationGate.Apply(attester, deny, raw, nonce);
        Assert.False(denied.Success);
        Assert.Equal("policy: GPU driver version 580.65.06 is below gpu.min_driver_version 590", denied.Error);
        Assert.NotNull(denied.Evidence);

        // The binding: the same result judged against another nonce is not bound.
        AttestationResult unbound = AttestationGate.Apply(attester, allow, raw, [9]);
        Assert.False(unbound.Success);
        Assert.Contains("report_data does not match the expected binding", unbound.Error);

        // A VM-only policy refuses GPU evidence by platform.
        AttestationResult vmOnly = AttestationGate.Apply(attester, AttestationPolicy.Parse("""{"allow_simulated": true}"""), raw, nonce);
        Assert.Contains("platform NVIDIA GPU is not accepted", vmOnly.Error);
    }
}
