using System.Text.Json;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Policy;
using TeeWasm.Attestation.Tokens;
using TeeWasm.Attestation.Verification;
using TeeWasm.Runtime.Hosting;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Runtime.Tests.Hosting;

public sealed class AttestationGateTests : IDisposable
{
    /// <summary>An evidence source that "verifies" an SNP report it builds: its appraisal says whether report_data is the binding.</summary>
    private sealed class FakeSnpSource(bool debug = false, bool echoReportData = true, bool simulated = false, bool fail = false) : IVmEvidenceSource
    {
        public TeeType TeeType => TeeType.AmdSevSnp;

        public bool Simulated => simulated;

        public CollectedEvidence Attest(ReadOnlySpan<byte> reportData, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> moduleHash)
        {
            if (fail) throw new AttestationException("no report today");
            var report = new SnpReport
            {
                ReportData = echoReportData ? reportData.ToArray() : new byte[64],
                Policy = SnpReport.PolicyReservedOneBit | (debug ? SnpReport.PolicyDebugBit : 0),
                Measurement = Enumerable.Repeat((byte)7, 48).ToArray(),
            };
            var verified = new VerifiedEvidence
            {
                Platform = "AMD SEV-SNP", Subject = "vm", Measurement = report.Measurement, ReportData = report.ReportData,
                Nonce = nonce.ToArray(), ModuleHash = moduleHash.ToArray(), Simulated = simulated,
            };
            var appraisal = new Appraisal
            {
                Kind = "AMD SEV-SNP report", EvidenceValid = true, Reason = "None", Message = "fake",
                PolicyInput = SnpPolicyClaims.Input(report, reportDataBound: report.ReportData.AsSpan().SequenceEqual(reportData), null, simulated),
            };
            return new CollectedEvidence(verified, new SnpEvidence { Report = report.ToArray(), Simulated = simulated }, appraisal);
        }
    }

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Attester Attester(FakeSnpSource source) =>
        new(new AttesterOptions { Mode = AttestationMode.Simulate }, null, _ => source, () => null);

    private static AttestationPolicy Policy(string json = "{}") => AttestationPolicy.Parse(json);

    [Fact]
    public void GoodPlatform_Passes()
    {
        using var a = Attester(new FakeSnpSource());
        var (ok, reason) = AttestationGate.Check(a, Policy());
        Assert.True(ok, reason);
    }

    [Fact]
    public void DebugPlatform_IsRefused_UnlessAllowed()
    {
        using var a = Attester(new FakeSnpSource(debug: true));
        var (ok, reason) = AttestationGate.Check(a, Policy());
        Assert.False(ok);
        Assert.Contains("policy refused the platform: SEV-SNP guest policy allows debugging", reason);
        Assert.True(AttestationGate.Check(a, Policy("{\"allow_debug\": true}")).Ok);
    }

    [Fact]
    public void UnboundReportData_IsRefused()
    {
        using var a = Attester(new FakeSnpSource(echoReportData: false));
        var (ok, reason) = AttestationGate.Check(a, Policy());
        Assert.False(ok);
        Assert.Contains("report_data does not match the expected binding", reason);
    }

    [Fact]
    public void SimulatedEvidence_NeedsExplicitConsent()
    {
        using var a = Attester(new FakeSnpSource(simulated: true));
        Assert.Contains("simulator", AttestationGate.Check(a, Policy()).Reason);
        Assert.True(AttestationGate.Check(a, Policy("{\"allow_simulated\": true}")).Ok);
    }

    [Fact]
    public void FailedAttestation_IsRefused()
    {
        using var a = Attester(new FakeSnpSource(fail: true));
        var (ok, reason) = AttestationGate.Check(a, Policy());
        Assert.False(ok);
        Assert.Contains("VM attestation failed", reason);
        Assert.Contains("no report today", reason);
    }

    [Fact]
    public void Apply_TurnsRefusedResultIntoFailure()
    {
        using var a = Attester(new FakeSnpSource(debug: true));
        var result = a.AttestVm();
        Assert.True(result.Success);
        var seen = AttestationGate.Apply(a, Policy(), result, []);
        Assert.False(seen.Success);
        Assert.Null(seen.Token);
        Assert.StartsWith("policy: ", seen.Error);
        Assert.Same(result, AttestationGate.Apply(a, null, result, []));
    }

    private RunResult RunGuest(FakeSnpSource source, bool require, string? policy = null)
    {
        using var a = Attester(source);
        var options = new RunOptions
        {
            CacheDirectory = null,
            StdoutPath = _dir.File("stdout.txt"),
            StderrPath = _dir.File("stderr.txt"),
            Logger = null,
            RequireAttestation = require,
            Policy = policy is null ? null : Policy(policy),
        };
        return WasmRunner.Run(GuestModules.WriteTemp(GuestModules.ProcExit42, _dir), options, a);
    }

    [Fact]
    public void Runner_RefusesToStartGuest_WhenGateFails()
    {
        var r = RunGuest(new FakeSnpSource(debug: true), require: true);
        Assert.Equal(1, r.ExitCode); // the guest would have exited 42
        Assert.StartsWith("attestation required but policy refused the platform: ", r.Error);
        Assert.EndsWith("; guest not started", r.Error);
    }

    [Fact]
    public void Runner_StartsGuest_WhenGatePasses()
    {
        Assert.Equal(42, RunGuest(new FakeSnpSource(debug: true), require: true, policy: "{\"allow_debug\": true}").ExitCode);
        Assert.Equal(42, RunGuest(new FakeSnpSource(debug: true), require: false).ExitCode);
    }
}
