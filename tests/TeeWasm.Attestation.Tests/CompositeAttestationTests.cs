using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Nvidia;
using TeeWasm.Attestation.Platforms.Simulator;
using TeeWasm.Attestation.Tests.Evidence;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation.Tests;

/// <summary><see cref="Attester.AttestAll"/> and the composite evidence verifier: the VM and every GPU, one nonce, one host key, one token.</summary>
public sealed class CompositeAttestationTests
{
    private static readonly byte[] s_nonce = [0xc0, 0xff, 0xee];

    private static AttesterOptions ThreeGpus => TestSupport.Simulate() with { SimulatedGpuCount = 3 };

    private static VerifyOptions TrustSimulator => new() { TrustSimulator = true, SimulatorDirectory = TestSupport.SimulatorDirectory };

    [Fact]
    public void ThreeSimulatedGpus_GiveOneTokenWithThreeGpuClaimSets_AllOverOneNonce()
    {
        using var attester = new Attester(ThreeGpus) { Workload = WorkloadIdentityTests.Trainer() };
        CompositeAttestationResult r = attester.AttestAll(s_nonce);

        Assert.True(r.Success, r.Error);
        Assert.Equal(["VM", "GPU 0", "GPU 1", "GPU 2"], r.Devices.Select(d => d.Device));
        var token = new JsonWebToken(r.Token!);
        Assert.Equal("composite", token.Subject);
        Assert.Equal(Convert.ToHexStringLower(s_nonce), token.GetPayloadValue<string>("nonce"));
        Assert.Equal(attester.Workload!.DigestHex, token.GetPayloadValue<string>("workload_sha256"));
        string reportData = token.GetPayloadValue<string>("report_data");
        Assert.Equal(Convert.ToHexStringLower(ReportDataBinding.ComputeForWorkload(attester.ModuleHash, attester.HostKey.PublicPoint, attester.Workload.Digest, s_nonce)), reportData);

        using var claims = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(Pad(r.Token!.Split('.')[1]))));
        var gpus = claims.RootElement.GetProperty("devices").EnumerateArray().Where(d => d.TryGetProperty("gpu_index", out _)).ToList();
        Assert.Equal(3, gpus.Count);
        Assert.Equal(3, gpus.Select(g => g.GetProperty("uuid").GetString()).Distinct().Count());
        // Each GPU report is over the first 32 bytes of the one binding; the measurements are each GPU's.
        Assert.All(gpus, g => Assert.Equal(reportData[..64], g.GetProperty("report_data").GetString()));
        Assert.Equal(3, gpus.Select(g => g.GetProperty("measurement").GetString()).Distinct().Count());
        Assert.True(attester.VerifyToken(r.Token!).Valid);

        CompositeAppraisal appraisal = AttestationPlatforms.VerifyComposite(EvidenceDocument.Parse(r.ToJson()), TrustSimulator);
        Assert.True(appraisal.Valid, appraisal.Verdict);
        Assert.Equal("VALID: the VM and 3 GPUs verify, all over one nonce and one host key", appraisal.Verdict);
        Assert.Contains("one host key and nonce c0ffee", appraisal.Checks.Single(c => c.Name == CompositeAppraisal.BindingCheck).Reason);
    }

    [Fact]
    public void AGpuThatFailsAtAttestation_IsNamed_AndNoTokenIsIssued()
    {
        using var sim = SimulatorAuthority.LoadOrCreate(TestSupport.SimulatorDirectory);
        var gpus = new FaultyGpus(new SimulatedGpuEvidenceSource(sim, 3), faulty: 1, sim);
        using var attester = new Attester(ThreeGpus, null, null, () => gpus);
        CompositeAttestationResult r = attester.AttestAll(s_nonce);

        Assert.False(r.Success);
        Assert.Null(r.Token);
        string uuid = new SimulatedGpuEvidenceSource(sim, 3).UuidOf(1);
        Assert.StartsWith($"GPU 1 ({uuid}): GPU attestation failed: ", r.Error);
        Assert.Contains("signature does not verify", r.Error);
        Assert.Equal([true, true, false, true], r.Devices.Select(d => d.Result.Success));

        // The result's JSON, verified later, says the same.
        CompositeAppraisal appraisal = AttestationPlatforms.VerifyComposite(EvidenceDocument.Parse(r.ToJson()), TrustSimulator);
        Assert.False(appraisal.Valid);
        Assert.StartsWith($"REJECTED: GPU 1 ({uuid}): the attestation recorded a failure: GPU attestation failed: ", appraisal.Verdict);
    }

    [Fact]
    public void OneGpusEvidenceCorruptedInTheFile_TheVerdictNamesThatGpu()
    {
        using var attester = new Attester(ThreeGpus);
        CompositeAttestationResult r = attester.AttestAll(s_nonce);
        JsonNode result = JsonNode.Parse(r.ToJson())!;
        JsonNode evidence = JsonNode.Parse(result["evidence"]!.GetValue<string>())!;
        byte[] report = Convert.FromBase64String(evidence["gpus"]![2]!["report"]!.GetValue<string>());
        report[100] ^= 0x01;
        evidence["gpus"]![2]!["report"] = Convert.ToBase64String(report);
        result["evidence"] = evidence.ToJsonString();

        CompositeAppraisal appraisal = AttestationPlatforms.VerifyComposite(EvidenceDocument.Parse(result.ToJsonString()), TrustSimulator);
        Assert.False(appraisal.Valid);
        Assert.Equal([true, true, true, false], appraisal.Devices.Select(d => d.Appraisal.Valid));
        Assert.StartsWith($"REJECTED: GPU 2 ({r.Devices[3].Uuid}): ", appraisal.Verdict);
        Assert.DoesNotContain("GPU 0", appraisal.Verdict);
    }

    [Fact]
    public void AGpuReportFromAnotherAttestation_FailsAndIsNamed()
    {
        using var attester = new Attester(ThreeGpus);
        JsonNode a = JsonNode.Parse(attester.AttestAll(s_nonce).Evidence!)!;
        JsonNode b = JsonNode.Parse(attester.AttestAll([0x01]).Evidence!)!;
        a["gpus"]![1] = b["gpus"]![1]!.DeepClone();

        CompositeAppraisal appraisal = AttestationPlatforms.VerifyComposite(EvidenceDocument.Parse(a.ToJsonString()), TrustSimulator);
        Assert.False(appraisal.Valid);
        Assert.Contains("GPU 1 (", appraisal.Verdict);
        Assert.Equal(CheckStatus.Fail, appraisal.Checks.Single(c => c.Name == CompositeAppraisal.BindingCheck).Status);
        Assert.Contains("is bound to another nonce", appraisal.Checks[0].Reason);
    }

    [Fact]
    public void WithoutANonce_TheBindingCheckSaysSo()
    {
        using var attester = new Attester(TestSupport.Simulate() with { SimulatedGpuCount = 1 });
        CompositeAttestationResult r = attester.AttestAll([]);
        Assert.True(r.Success, r.Error);
        CompositeAppraisal appraisal = AttestationPlatforms.VerifyComposite(EvidenceDocument.Parse(r.ToJson()), TrustSimulator);
        Assert.True(appraisal.Valid, appraisal.Verdict);
        Assert.EndsWith("one host key and no nonce", appraisal.Checks.Single(c => c.Name == CompositeAppraisal.BindingCheck).Reason);
    }

    [Fact]
    public void WithoutATee_TheVmIsNamed()
    {
        using var attester = new Attester(new AttesterOptions { Mode = AttestationMode.None });
        CompositeAttestationResult r = attester.AttestAll(s_nonce);
        Assert.False(r.Success);
        Assert.Equal($"VM: {AttestationResult.NoTeeError}", r.Error);
        Assert.Null(r.Evidence);
    }

    private static string Pad(string b64url)
    {
        string s = b64url.Replace('-', '+').Replace('_', '/');
        return s + new string('=', (4 - s.Length % 4) % 4);
    }

    /// <summary>Simulated GPUs of which one returns a report whose signature was damaged on the way (its verifier is the real one).</summary>
    private sealed class FaultyGpus(SimulatedGpuEvidenceSource inner, int faulty, SimulatorAuthority sim) : IGpuEvidenceSource
    {
        public int GpuCount => inner.GpuCount;

        public bool Simulated => true;

        public string? DeviceIdOf(int index) => inner.UuidOf(index);

        public CollectedEvidence Attest(int index, ReadOnlySpan<byte> nonce32, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> moduleHash)
        {
            if (index != faulty) return inner.Attest(index, nonce32, nonce, moduleHash);
            byte[] report = inner.CreateReport(index, nonce32);
            report[^10] ^= 0xff;
            var evidence = new NvidiaGpuEvidence
            {
                Origin = NvidiaEvidenceOrigin.Simulator, Source = "simulator", Simulated = true, GpuIndex = index, Report = report,
                CertificateChainPem = sim.GpuDevice.ExportCertificatePem() + "\n" + sim.GpuRoot.ExportCertificatePem(),
            };
            Appraisal a = new NvidiaGpuEvidenceVerifier(new NvidiaGpuVerifierOptions { Root = sim.GpuRoot, ExpectedNonce = nonce32.ToArray() })
                .Verify(evidence, new VerificationContext());
            throw new AttestationException(a.Valid ? "expected the damaged report to be rejected" : a.Failures);
        }
    }
}
