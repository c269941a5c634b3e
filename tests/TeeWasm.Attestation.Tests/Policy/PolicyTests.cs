using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Policy;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Policy;

public class PolicyParseTests
{
    [Fact]
    public void Defaults_AreSafe()
    {
        var p = AttestationPolicy.Parse("{}");
        Assert.Equal(["AMD SEV-SNP", "Intel TDX"], p.AcceptedPlatforms);
        Assert.False(p.AllowDebug);
        Assert.False(p.AllowSimulated);
        Assert.True(p.RequireReportDataBinding);
        Assert.Null(p.MaxEvidenceAgeSeconds);
    }

    [Fact]
    public void LeftOutKeys_KeepTheirDefaults_NextToGivenOnes()
    {
        // The source-generated reader sets absent init-only properties to default(T) unless the JSON constructor
        // takes them: these are the ones whose default is not default(T).
        var p = AttestationPolicy.Parse("""{"allow_debug": true, "gpu": {"min_driver_version": "550"}}""");
        Assert.True(p.AllowDebug);
        Assert.Equal(["AMD SEV-SNP", "Intel TDX"], p.AcceptedPlatforms);
        Assert.True(p.RequireReportDataBinding);
        Assert.True(p.Gpu!.CcModeRequired);
        Assert.Equal("550", p.Gpu.MinDriverVersion);
        Assert.Equal(new AttestationPolicy { AllowDebug = true, Gpu = new GpuPolicy { MinDriverVersion = "550" } }.Gpu, p.Gpu);
        Assert.False(AttestationPolicy.Parse("""{"require_report_data_binding": false}""").RequireReportDataBinding);
        Assert.False(AttestationPolicy.Parse("""{"gpu": {"cc_mode_required": false}}""").Gpu!.CcModeRequired);
    }

    [Theory]
    [InlineData("{\"allow_debgu\": true}", "allow_debgu")]
    [InlineData("{\"snp\": {\"min_tbc\": {}}}", "min_tbc")]
    [InlineData("{\"snp\": {\"min_tcb\": {\"bootlaoder\": 1}}}", "bootlaoder")]
    [InlineData("{\"gpu\": {\"cc_mode\": true}}", "cc_mode")]
    public void UnknownKeys_AreErrors(string json, string key)
    {
        var e = Assert.Throws<PolicyException>(() => AttestationPolicy.Parse(json));
        Assert.Contains(key, e.Message);
    }

    [Theory]
    [InlineData("{\"accepted_platforms\": [\"AMD SNP\"]}", "unknown platform")]
    [InlineData("{\"snp\": {\"allowed_measurements\": [\"abcd\"]}}", "48 bytes")]
    [InlineData("{\"tdx\": {\"allowed_rtmr\": {\"4\": []}}}", "0..3")]
    [InlineData("{\"tdx\": {\"min_tee_tcb_svn\": \"zz\"}}", "16 bytes")]
    [InlineData("{\"max_evidence_age_seconds\": -1}", "negative")]
    [InlineData("{\"allow_debug\": \"yes\"}", "allow_debug")]
    [InlineData("not json", "not valid JSON at line 1, column 2: ")]
    [InlineData("{\"allow_debug\": true,\n}x", "not valid JSON at line 2")]
    [InlineData("{\"max_evidence_age_seconds\": \"soon\"}", "max_evidence_age_seconds: expected a whole number (line 1)")]
    [InlineData("{\"accepted_platforms\": \"AMD SEV-SNP\"}", "accepted_platforms: expected an array of strings (line 1)")]
    [InlineData("{\"snp\": 3}", "snp: expected an object (line 1)")]
    public void BadValues_AreErrors(string json, string message)
    {
        var e = Assert.Throws<PolicyException>(() => AttestationPolicy.Parse(json));
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData("{\"allow_debgu\": true}", "allow_debgu", "allow_debug")]
    [InlineData("{\"snp\": {\"max_vmpl2\": 0}}", "snp.max_vmpl2", "snp.max_vmpl")]
    [InlineData("{\"tdx\": {\"accepted_tcb_status\": [], \"mr_sigenclave\": \"\"}}", "tdx.mr_sigenclave", "tdx.accepted_tcb_status")]
    public void UnknownKey_IsNamedDotted_WithTheKeysAcceptedThere(string json, string key, string known)
    {
        var e = Assert.Throws<PolicyException>(() => AttestationPolicy.Parse(json));
        Assert.Equal($"unknown key '{key}' (line 1)", e.Message);
        Assert.Equal(key, e.UnknownKey);
        Assert.Contains(known, e.KnownKeys);
        Assert.All(e.KnownKeys, k => Assert.StartsWith(key.Contains('.') ? key[..(key.IndexOf('.') + 1)] : "", k));
    }

    [Fact]
    public void ErrorMessages_NameNoDotNetType()
    {
        foreach (string json in new[] { "{\"allow_debug\": 1}", "{\"snp\": {\"max_vmpl\": \"x\"}}", "{\"x\": 1}", "[", "{\"gpu\": []}" })
        {
            var e = Assert.Throws<PolicyException>(() => AttestationPolicy.Parse(json));
            Assert.DoesNotContain("System.", e.Message);
            Assert.DoesNotContain("TeeWasm.", e.Message);
            Assert.DoesNotContain("Path:", e.Message);
        }
    }

    [Fact]
    public void DocumentedExample_Parses()
    {
        string doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "policy.md"));
        int start = doc.IndexOf("```json", StringComparison.Ordinal) + "```json".Length;
        int end = doc.IndexOf("```", start, StringComparison.Ordinal);
        var p = AttestationPolicy.Parse(doc[start..end]);
        Assert.Equal(300, p.MaxEvidenceAgeSeconds);
        Assert.NotNull(p.Snp?.MinTcb);
        Assert.NotNull(p.Tdx?.AllowedRtmr);
        Assert.NotNull(p.Gpu?.MinDriverVersion);
    }
}

public class PolicyEvaluatorTests
{
    private static readonly DateTimeOffset s_now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly byte[] s_measurement = Enumerable.Repeat((byte)0xAB, 48).ToArray();

    private static SnpReport Snp(ulong policy = SnpReport.PolicyReservedOneBit | SnpReport.PolicySmtBit, uint guestSvn = 2, uint vmpl = 0) => new()
    {
        Policy = policy, GuestSvn = guestSvn, Vmpl = vmpl, ReportedTcb = SnpTcb.Create(3, 0, 8, 0x73), Measurement = s_measurement,
    };

    private static PolicyInput SnpInput(SnpReport? r = null, bool? bound = true, bool simulated = false, DateTimeOffset? time = null) =>
        SnpPolicyClaims.Input(r ?? Snp(), bound, time ?? s_now, simulated);

    private static TdxQuote V5 => TdxQuote.Parse(File.ReadAllBytes(RepoPaths.Vector("tdx", "quote_v5_sample.dat")));

    private static PolicyVerdict Eval(string json, PolicyInput input) => PolicyEvaluator.Evaluate(AttestationPolicy.Parse(json), input, s_now);

    private static void Allowed(string json, PolicyInput input)
    {
        var v = Eval(json, input);
        Assert.True(v.Allowed, v.ToString());
    }

    private static void Denied(string json, PolicyInput input, string why)
    {
        var v = Eval(json, input);
        Assert.False(v.Allowed);
        Assert.Contains(v.Violations, s => s.Contains(why, StringComparison.Ordinal));
    }

    [Fact]
    public void Platform()
    {
        Allowed("{}", SnpInput());
        Denied("{\"accepted_platforms\": [\"Intel TDX\"]}", SnpInput(), "platform AMD SEV-SNP is not accepted");
    }

    [Fact]
    public void Simulated()
    {
        Denied("{}", SnpInput(simulated: true), "simulator");
        Allowed("{\"allow_simulated\": true}", SnpInput(simulated: true));
        Allowed("{\"accepted_platforms\": [\"AMD SEV-SNP\", \"simulated\"]}", SnpInput(simulated: true));
    }

    [Fact]
    public void Debug()
    {
        var debug = Snp(SnpReport.PolicyReservedOneBit | SnpReport.PolicyDebugBit);
        Denied("{}", SnpInput(debug), "debugging");
        Allowed("{\"allow_debug\": true}", SnpInput(debug));
    }

    [Fact]
    public void ReportDataBinding()
    {
        Denied("{}", SnpInput(bound: null), "not checked");
        Denied("{}", SnpInput(bound: false), "does not match");
        Allowed("{\"require_report_data_binding\": false}", SnpInput(bound: null));
    }

    [Fact]
    public void EvidenceAge()
    {
        Allowed("{\"max_evidence_age_seconds\": 60}", SnpInput(time: s_now.AddSeconds(-30)));
        Denied("{\"max_evidence_age_seconds\": 60}", SnpInput(time: s_now.AddSeconds(-90)), "90 s old");
        Denied("{\"max_evidence_age_seconds\": 60}", SnpInput() with { EvidenceTime = null }, "evidence time unknown");
    }

    [Fact]
    public void SnpMinTcb()
    {
        Allowed("{\"snp\": {\"min_tcb\": {\"bootloader\": 3, \"tee\": 0, \"snp\": 8, \"microcode\": 115}}}", SnpInput());
        Denied("{\"snp\": {\"min_tcb\": {\"snp\": 9}}}", SnpInput(), "snp SPL 8 is below snp.min_tcb.snp 9");
        Denied("{\"snp\": {\"min_tcb\": {\"microcode\": 116}}}", SnpInput(), "microcode");
        Denied("{\"snp\": {\"min_tcb\": {\"bootloader\": 4}}}", SnpInput(), "bootloader");
    }

    [Fact]
    public void SnpMeasurements()
    {
        string ok = Convert.ToHexStringLower(s_measurement);
        Allowed($"{{\"snp\": {{\"allowed_measurements\": [\"{ok.ToUpperInvariant()}\"]}}}}", SnpInput());
        Denied($"{{\"snp\": {{\"allowed_measurements\": [\"{new string('0', 96)}\"]}}}}", SnpInput(), "not in snp.allowed_measurements");
    }

    [Fact]
    public void SnpGuestSvnAndVmpl()
    {
        Allowed("{\"snp\": {\"min_guest_svn\": 2, \"max_vmpl\": 0}}", SnpInput());
        Denied("{\"snp\": {\"min_guest_svn\": 3}}", SnpInput(), "guest_svn 2");
        Denied("{\"snp\": {\"max_vmpl\": 0}}", SnpInput(Snp(vmpl: 1)), "VMPL 1");
    }

    [Fact]
    public void SnpPlatform_WithoutReport_FailsClosed() =>
        Denied("{}", new PolicyInput { Platform = "AMD SEV-SNP", ReportDataBound = true }, "no SEV-SNP report");

    [Fact]
    public void TdxMrtdRtmrAndSvn()
    {
        var q = V5;
        var input = TdxPolicyClaims.Input(q, true, s_now);
        string mrtd = Convert.ToHexStringLower(q.Body.MrTd.Span);
        string rtmr2 = Convert.ToHexStringLower(q.Body.Rtmrs[2].Span);
        string zero = new('0', 96);
        Allowed($"{{\"tdx\": {{\"allowed_mrtd\": [\"{mrtd}\"], \"allowed_rtmr\": {{\"2\": [\"{rtmr2}\"]}}, \"min_tee_tcb_svn\": \"{new string('0', 32)}\"}}}}", input);
        Denied($"{{\"tdx\": {{\"allowed_mrtd\": [\"{zero}\"]}}}}", input, "not in tdx.allowed_mrtd");
        Denied($"{{\"tdx\": {{\"allowed_rtmr\": {{\"2\": [\"{zero}\"]}}}}}}", input, "RTMR2");
        Denied($"{{\"tdx\": {{\"min_tee_tcb_svn\": \"{new string('f', 32)}\"}}}}", input, "below tdx.min_tee_tcb_svn");
        Denied("{\"accepted_platforms\": [\"AMD SEV-SNP\"]}", input, "Intel TDX is not accepted");
    }

    [Fact]
    public void TdxDebug()
    {
        var input = TdxPolicyClaims.Input(V5, true, s_now);
        Assert.False(((TdxPolicyClaims)input.Claims!).Body.TdAttributes.IsDebug());
        Allowed("{}", input);
    }
}
