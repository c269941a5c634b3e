using TeeWasm.Attestation.Platforms.Nvidia;
using TeeWasm.Attestation.Platforms.Simulator;
using TeeWasm.Attestation.Policy;
using TeeWasm.Attestation.Tests.Platforms.Nvidia;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation.Tests.Policy;

/// <summary>One simulator authority (its key generation is slow) shared by the GPU policy tests.</summary>
public sealed class GpuPolicyFixture : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("teewasm-gpu-policy-").FullName;

    public SimulatorAuthority Authority { get; }

    public GpuPolicyFixture() => Authority = SimulatorAuthority.LoadOrCreate(Directory);

    public void Dispose()
    {
        Authority.Dispose();
        System.IO.Directory.Delete(Directory, true);
    }
}

public sealed class GpuPolicyTests(GpuPolicyFixture fixture) : IClassFixture<GpuPolicyFixture>
{
    private readonly string _dir = fixture.Directory;
    private readonly SimulatorAuthority _authority = fixture.Authority;

    private static AttestationPolicy Policy(GpuPolicy? gpu, bool simulated = true) => new()
    {
        AcceptedPlatforms = ["NVIDIA GPU"],
        AllowSimulated = simulated,
        RequireReportDataBinding = false,
        Gpu = gpu,
    };

    private GpuAttestationReport SimReport() =>
        GpuAttestationReport.Parse(new SimulatedGpuEvidenceSource(_authority, 1).CreateReport(0, new byte[32]));

    private static PolicyVerdict Eval(AttestationPolicy p, GpuAttestationReport r, string? cc = "on", bool simulated = true) =>
        PolicyEvaluator.Evaluate(p, GpuPolicyClaims.Input(r, cc, null, null, simulated));

    [Fact]
    public void CcMode_Required_AllowsOn_DeniesOffDevtoolsAndUnknown()
    {
        GpuAttestationReport r = SimReport();
        Assert.True(Eval(Policy(new GpuPolicy()), r, "ON").Allowed);
        Assert.Contains("mode is 'off', not 'on'", Eval(Policy(new GpuPolicy()), r, "off").ToString());
        Assert.Contains("mode is 'devtools', not 'on'", Eval(Policy(new GpuPolicy()), r, "devtools").ToString());
        Assert.Contains("mode is unknown", Eval(Policy(null), r, null).ToString()); // no gpu section: cc mode still required
        Assert.True(Eval(Policy(new GpuPolicy { CcModeRequired = false }), r, "off").Allowed);
    }

    [Theory]
    [InlineData("580.65.06", true)]
    [InlineData("580.65.6", true)]   // numeric, not textual: 06 == 6
    [InlineData("580.9", true)]      // 65 > 9 numerically (textually "65" < "9")
    [InlineData("580", true)]
    [InlineData("580.65.07", false)]
    [InlineData("580.100", false)]
    [InlineData("1000.0", false)]
    public void MinDriverVersion_ComparesComponentsNumerically(string minimum, bool allowed)
    {
        // The simulator's report carries driver 580.65.06 in its signed opaque data.
        PolicyVerdict v = Eval(Policy(new GpuPolicy { MinDriverVersion = minimum }), SimReport());
        Assert.Equal(allowed, v.Allowed);
        if (!allowed) Assert.Contains($"GPU driver version 580.65.06 is below gpu.min_driver_version {minimum}", v.ToString());
    }

    [Theory]
    [InlineData("96.00.9f.00.01", true)]
    [InlineData("96.00.9F.00.00", true)]
    [InlineData("96.00.a0.00.00", false)] // hex: a0 > 9f
    [InlineData("97", false)]
    [InlineData("96.00.74.00.01", true)]
    public void MinVbiosVersion_ComparesHexComponents(string minimum, bool allowed)
    {
        PolicyVerdict v = Eval(Policy(new GpuPolicy { MinVbiosVersion = minimum }), SimReport());
        Assert.Equal(allowed, v.Allowed);
        if (!allowed) Assert.Contains("GPU VBIOS version 96.00.9f.00.01 is below gpu.min_vbios_version", v.ToString());
    }

    [Fact]
    public void AllowedMeasurements_MatchTheDigestOfTheMeasurementRecord()
    {
        GpuAttestationReport r = SimReport();
        string digest = Convert.ToHexStringLower(r.ComputeMeasurementDigest());
        Assert.True(Eval(Policy(new GpuPolicy { AllowedMeasurements = [new string('0', 96), digest.ToUpperInvariant()] }), r).Allowed);
        PolicyVerdict denied = Eval(Policy(new GpuPolicy { AllowedMeasurements = [new string('0', 96)] }), r);
        Assert.False(denied.Allowed);
        Assert.Contains($"GPU measurement digest {digest} (SHA-384 of the SPDM measurement record) is not in gpu.allowed_measurements", denied.ToString());
    }

    [Theory]
    [InlineData("sdk-hopper-580-report.txt")]
    [InlineData("sdk-hopper-535-report.txt")]
    [InlineData("hopperAttestationReport.txt")]
    public void RealReports_VersionRulesAllowAndDeny(string file)
    {
        GpuAttestationReport r = NvidiaVectors.Report(file);
        string driver = r.OpaqueData.DriverVersion!;
        string vbios = r.OpaqueData.VbiosVersion!;
        var exact = new GpuPolicy { MinDriverVersion = driver, MinVbiosVersion = vbios, AllowedMeasurements = [Convert.ToHexStringLower(r.ComputeMeasurementDigest())] };
        Assert.True(Eval(Policy(exact, simulated: false), r, simulated: false).Allowed);
        int major = int.Parse(driver.Split('.')[0], System.Globalization.CultureInfo.InvariantCulture);
        PolicyVerdict newer = Eval(Policy(new GpuPolicy { MinDriverVersion = $"{major + 1}.0", MinVbiosVersion = "ff" }, simulated: false), r, simulated: false);
        Assert.Contains($"GPU driver version {driver} is below gpu.min_driver_version {major + 1}.0", newer.ToString());
        Assert.Contains($"GPU VBIOS version {vbios} is below gpu.min_vbios_version ff", newer.ToString());
    }

    [Fact]
    public void Platform_MustBeAccepted_AndSimulatedEvidenceNeedsAllowSimulated()
    {
        GpuAttestationReport r = SimReport();
        var vmOnly = new AttestationPolicy { AllowSimulated = true, RequireReportDataBinding = false };
        Assert.Contains("platform NVIDIA GPU is not accepted", Eval(vmOnly, r).ToString());
        Assert.Contains("does not allow simulated evidence", Eval(Policy(null, simulated: false), r).ToString());
    }

    [Fact]
    public void FromResult_ReadsSimulatorGpuEvidence_AndChecksTheNonceBinding()
    {
        // The source's appraisal carries the policy input: the nonce it asked for was checked once, by the verifier.
        byte[] binding = System.Security.Cryptography.RandomNumberGenerator.GetBytes(64);
        CollectedEvidence collected = new SimulatedGpuEvidenceSource(_authority, 2).Attest(1, binding.AsSpan(0, 32), [], new byte[32]);
        PolicyInput input = collected.Appraisal.PolicyInput!;
        Assert.Equal("NVIDIA GPU", input.Platform);
        Assert.Equal("ON", ((GpuPolicyClaims)input.Claims!).CcMode);
        Assert.True(input.ReportDataBound);
        Assert.True(input.Simulated);
        // Read back from its JSON and judged against another binding, the same evidence is not bound (its nonce fails).
        var verifier = new NvidiaGpuEvidenceVerifier(new NvidiaGpuVerifierOptions { Root = _authority.GpuRoot });
        var other = verifier.Verify(AttestationPlatforms.ReadEvidence(collected.EvidenceJson), new VerificationContext { ExpectedReportData = new byte[64] });
        Assert.False(other.EvidenceValid);
        Assert.Equal(NvidiaFailureReason.NonceMismatch.ToString(), other.Reason);

        var policy = Policy(new GpuPolicy { MinDriverVersion = "590" }) with { RequireReportDataBinding = true };
        PolicyVerdict v = PolicyEvaluator.Evaluate(policy, input);
        Assert.Equal(["GPU driver version 580.65.06 is below gpu.min_driver_version 590"], v.Violations);
    }

    [Theory]
    [InlineData("{\"gpu\": {\"min_driver_version\": \"550.x\"}}", "gpu.min_driver_version")]
    [InlineData("{\"gpu\": {\"min_vbios_version\": \"96.zz\"}}", "gpu.min_vbios_version")]
    [InlineData("{\"gpu\": {\"allowed_measurements\": [\"abcd\"]}}", "gpu.allowed_measurements")]
    public void InvalidGpuKeys_AreRejectedWhenLoading(string json, string key)
    {
        string path = Path.Combine(_dir, "p.json");
        File.WriteAllText(path, json);
        PolicyException e = Assert.Throws<PolicyException>(() => AttestationPolicy.Load(path));
        Assert.Contains(key, e.Message);
    }
}
