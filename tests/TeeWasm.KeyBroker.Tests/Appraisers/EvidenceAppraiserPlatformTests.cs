using System.Security.Cryptography;
using System.Text.Json.Nodes;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Simulator;
using TeeWasm.Attestation.Tests;
using TeeWasm.KeyBroker.Appraisers;

namespace TeeWasm.KeyBroker.Tests.Appraisers;

/// <summary>
/// The broker appraises TeeWasm evidence through the platform registration (<see cref="AttestationPlatforms"/>): every
/// registered VM platform, nothing else. (An Azure CVM's evidence end to end: TrusteeAzSnpVtpmTests.)
/// </summary>
public sealed class EvidenceAppraiserPlatformTests
{
    private static readonly Lazy<SimulatorAuthority> s_authority = new(() => SimulatorAuthority.LoadOrCreate(TestSupport.SimulatorDirectory));

    [Fact]
    public void The_platforms_taken_are_the_registered_vm_platforms()
    {
        Assert.Equal(
            AttestationPlatforms.All.Where(p => p.Subject == EvidenceSubject.Vm).Select(p => p.Name),
            EvidenceAppraiser.Platforms.Select(p => p.Name));
        Assert.Equal(["AMD SEV-SNP", "Intel TDX", "Azure vTPM"], EvidenceAppraiser.Platforms.Select(p => p.Name));
    }

    [Fact]
    public void Gpu_evidence_is_not_vm_evidence()
    {
        byte[] nonce = SHA256.HashData("challenge"u8);
        using var attester = new Attester(TestSupport.Simulate());
        var gpu = attester.AttestGpu(0, nonce);
        Assert.True(gpu.Success, gpu.Error);
        var evidence = JsonNode.Parse(gpu.Evidence!)!.AsObject();
        // Give it the binding of VM evidence, so that only its platform is left to refuse.
        evidence["binding"] = JsonNode.Parse(attester.AttestVm(nonce).Evidence!)!["binding"]!.DeepClone();

        var e = Assert.Throws<AttestationException>(() => new EvidenceAppraiser(new AppraisalOptions { SimulatorRoot = s_authority.Value.Ark })
            .Appraise(evidence.ToJsonString(), nonce));
        Assert.Equal("evidence of platform 'NVIDIA_GPU' is not supported (AMD SEV-SNP, Intel TDX, Azure vTPM)", e.Message);
    }

    [Fact]
    public void Simulated_evidence_at_a_broker_that_trusts_no_simulator_is_refused_as_such()
    {
        byte[] nonce = SHA256.HashData("challenge"u8);
        using var attester = new Attester(TestSupport.Simulate());
        string evidence = attester.AttestVm(nonce).Evidence!;

        var e = Assert.Throws<AttestationException>(() => new EvidenceAppraiser(new AppraisalOptions()).Appraise(evidence, nonce));
        Assert.Equal(EvidenceAppraiser.SimulatedRefused, e.Message);
        var appraised = new EvidenceAppraiser(new AppraisalOptions { SimulatorRoot = s_authority.Value.Ark }).Appraise(evidence, nonce);
        Assert.True(appraised.Simulated);
        Assert.Equal("AMD SEV-SNP", appraised.Platform);
    }
}
