using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Simulator;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Policy;
using TeeWasm.Attestation.Tests;
using TeeWasm.Attestation.Tests.Platforms.Tdx;
using TeeWasm.Tests.Shared;

using TeeWasm.KeyBroker.Appraisers;
using TeeWasm.KeyBroker.Trustee;

namespace TeeWasm.KeyBroker.Tests;

/// <summary>
/// A secret rule's <c>attestation</c> policy evaluated on appraised evidence: a simulator report re-signed at another
/// VMPL, and real TDX quotes (tests/TestData/tdx) appraised with and without their collateral; and loading such rules.
/// </summary>
public sealed class SecretRuleAttestationTests
{
    private static readonly Lazy<SimulatorAuthority> s_authority = new(() => SimulatorAuthority.LoadOrCreate(TestSupport.SimulatorDirectory));

    private static SecretRule Rule(string json) => SecretPolicy.Parse($$"""{"default":{{json}}}""").Default!;

    [Fact]
    public void LeftOutLists_AreEmpty_NotNull()
    {
        SecretPolicy none = SecretPolicy.Parse("{}");
        Assert.Empty(none.Secrets);
        Assert.Null(none.Default);
        SecretRule rule = Rule("""{"allow_simulated": true}""");
        Assert.True(rule.AllowSimulated);
        Assert.Empty(rule.Platforms);
        Assert.Empty(rule.ModuleHashes);
        Assert.Empty(rule.Measurements);
        Assert.Empty(rule.WorkloadDigests);
        Assert.Equal(["a"], Rule("""{"platforms": ["a"]}""").Platforms);
    }

    // ---- SNP: VMPL (the simulator reports VMPL 0; this report is re-signed by the simulator VCEK at VMPL 1) ----

    private static AppraisedEvidence SimulatedSnpAtVmpl(uint vmpl)
    {
        byte[] reportData = SHA512.HashData("binding"u8);
        byte[] report = new SimulatedSnpEvidenceSource(s_authority.Value).CreateReport(reportData);
        BinaryPrimitives.WriteUInt32LittleEndian(report.AsSpan(0x30), vmpl); // VMPL, offset 0x30
        using (var key = s_authority.Value.Vcek.GetECDsaPrivateKey()!) SnpSignature.SignInPlace(report, key);
        var a = s_authority.Value;
        string[] pems = [a.Vcek.ExportCertificatePem(), a.Ask.ExportCertificatePem(), a.Ark.ExportCertificatePem()];
        return TrusteeReportAppraiser.Snp(report, pems, reportData, SHA256.HashData("guest"u8), new TrusteeAppraisalOptions { SimulatorRoot = a.Ark });
    }

    [Fact]
    public void Snp_report_from_a_vmpl_above_max_vmpl_is_refused()
    {
        var evidence = SimulatedSnpAtVmpl(1);
        Assert.True(evidence.Simulated);
        Assert.Equal(1u, ((SnpPolicyClaims)evidence.PolicyInput!.Claims!).Report.Vmpl);
        Assert.Equal("attestation policy: SEV-SNP report comes from VMPL 1; snp.max_vmpl is 0",
            Rule("""{"allow_simulated":true,"attestation":{"snp":{"max_vmpl":0}}}""").Check(evidence));
        Assert.Null(Rule("""{"allow_simulated":true,"attestation":{"snp":{"max_vmpl":1}}}""").Check(evidence));
    }

    [Fact]
    public void Simulated_evidence_is_refused_by_a_rule_that_does_not_allow_it_even_when_its_attestation_policy_passes()
    {
        var evidence = SimulatedSnpAtVmpl(0);
        Assert.Equal("policy forbids simulated platforms", Rule("""{"attestation":{"snp":{"max_vmpl":0}}}""").Check(evidence));
        Assert.Null(Rule("""{"attestation":{"accepted_platforms":["AMD SEV-SNP","simulated"],"snp":{"max_vmpl":0}}}""").Check(evidence));
    }

    [Fact]
    public void A_rule_with_an_attestation_policy_refuses_evidence_without_a_verified_report()
    {
        var evidence = SimulatedSnpAtVmpl(0) with { PolicyInput = null };
        Assert.Equal("no verified report to evaluate the rule's attestation policy on",
            Rule("""{"allow_simulated":true,"attestation":{}}""").Check(evidence));
        Assert.Null(Rule("""{"allow_simulated":true}""").Check(evidence));
    }

    // ---- TDX: real quotes and collateral from tests/TestData/tdx, at 2026-02-15 ----

    private static AppraisedEvidence AppraiseTdx(string quoteFile, bool withCollateral)
    {
        byte[] quote = TdxTestData.Quote(quoteFile);
        // The vectors' report_data binds nothing of ours: appraise against the report_data the quote carries.
        byte[] reportData = TdxQuote.Parse(quote).Body.ReportData.ToArray();
        if (!withCollateral)
        {
            var clock = new ManualTimeProvider(TdxTestData.Feb2026);
            return TrusteeReportAppraiser.Tdx(quote, reportData, [], new TrusteeAppraisalOptions { Time = clock });
        }
        // The collateral's PCS signing chain is not among the vectors: its signature is left unchecked, as in TdxQuoteVerifierTests.
        return TrusteeReportAppraiser.Tdx(quote, reportData, [], new TrusteeAppraisalOptions
        {
            Time = new ManualTimeProvider(TdxTestData.Feb2026),
            Tdx = new TdxVerifierOptions
            {
                Collateral = TdxCollateral.Load(TdxTestData.Path("sample_tcbinfo_response_v5")),
                AllowUnverifiedCollateralSignature = true,
            },
        });
    }

    [Fact]
    public void Tdx_quote_v5_sample_with_its_collateral_is_up_to_date_and_passes_a_rule_accepting_up_to_date()
    {
        var evidence = AppraiseTdx(TdxTestData.SampleV5, withCollateral: true);
        Assert.Equal(TcbStatus.UpToDate, ((TdxPolicyClaims)evidence.PolicyInput!.Claims!).TcbStatus);
        Assert.EndsWith("; TCB UpToDate", evidence.Note);
        Assert.Null(Rule("""{"platforms":["Intel TDX"],"attestation":{"tdx":{"accepted_tcb_status":["UpToDate","SWHardeningNeeded"]}}}""").Check(evidence));
    }

    [Fact]
    public void Tdx_up_to_date_quote_is_refused_by_a_rule_accepting_only_out_of_date()
    {
        var evidence = AppraiseTdx(TdxTestData.SampleV5, withCollateral: true);
        Assert.Equal("attestation policy: TDX TCB status UpToDate is not in tdx.accepted_tcb_status (OutOfDate)",
            Rule("""{"attestation":{"tdx":{"accepted_tcb_status":["OutOfDate"]}}}""").Check(evidence));
    }

    [Fact]
    public void Tdx_rules_on_mrtd_and_tee_tcb_svn_name_the_violated_item()
    {
        var evidence = AppraiseTdx(TdxTestData.SampleV5, withCollateral: true);
        string mrtd = Convert.ToHexStringLower(((TdxPolicyClaims)evidence.PolicyInput!.Claims!).Body.MrTd.Span);
        Assert.Equal(mrtd, evidence.Measurement);
        Assert.Null(Rule("""{"attestation":{"tdx":{"min_tee_tcb_svn":"0b010000000000000000000000000000","allowed_mrtd":""" + $"[\"{mrtd}\"]}}}}}}").Check(evidence));
        Assert.Equal($"attestation policy: TDX MRTD {mrtd} is not in tdx.allowed_mrtd",
            Rule("""{"attestation":{"tdx":{"allowed_mrtd":""" + $"[\"{new string('0', 96)}\"]}}}}}}").Check(evidence));
        Assert.StartsWith("attestation policy: TDX TEE_TCB_SVN 0b01",
            Rule("""{"attestation":{"tdx":{"min_tee_tcb_svn":"0c000000000000000000000000000000"}}}""").Check(evidence));
    }

    [Theory]
    [InlineData(TdxTestData.AzureV4)]
    [InlineData(TdxTestData.AzureV5)]
    public void Tdx_cvmtools_quotes_with_the_v5_collateral_are_refused_at_appraisal_tcb_level_not_supported(string file)
    {
        var e = Assert.Throws<AttestationException>(() => AppraiseTdx(file, withCollateral: true));
        Assert.StartsWith("TDX quote rejected (TcbLevelNotSupported): ", e.Message);
        Assert.Contains("TCB level not supported", e.Message);
    }

    [Fact]
    public void Tdx_rule_requiring_a_tcb_status_refuses_when_the_broker_has_no_collateral()
    {
        var evidence = AppraiseTdx(TdxTestData.SampleV5, withCollateral: false);
        Assert.Null(((TdxPolicyClaims)evidence.PolicyInput!.Claims!).TcbStatus);
        Assert.EndsWith("; TCB status not evaluated (no collateral)", evidence.Note);
        Assert.Equal("attestation policy: TDX TCB status was not evaluated (no TDX collateral); tdx.accepted_tcb_status (UpToDate) cannot be checked",
            Rule("""{"attestation":{"tdx":{"accepted_tcb_status":["UpToDate"]}}}""").Check(evidence));
        Assert.Null(Rule("""{"attestation":{"tdx":{"min_tee_tcb_svn":"0b010000000000000000000000000000"}}}""").Check(evidence));
    }

    [Fact]
    public void Tdx_evidence_fails_an_snp_only_attestation_policy()
    {
        var evidence = AppraiseTdx(TdxTestData.SampleV5, withCollateral: true);
        Assert.Equal("attestation policy: platform Intel TDX is not accepted (accepted_platforms: AMD SEV-SNP)",
            Rule("""{"attestation":{"accepted_platforms":["AMD SEV-SNP"]}}""").Check(evidence));
    }

    // ---- loading ----

    [Fact]
    public void Unknown_key_in_an_attestation_policy_is_an_error_naming_it_and_the_file()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("p.json"), """{"secrets":{"default/secret/demo":{"attestation":{"snp":{"min_tbc":{"snp":8}}}}}}""");
        var e = Assert.Throws<PolicyException>(() => SecretPolicy.Load(dir.File("p.json")));
        Assert.Equal($"policy '{dir.File("p.json")}': $.secrets['default/secret/demo'].attestation: unknown key 'snp.min_tbc' (line 1)", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("""{"default":{"attestation":{"tdx":{"accepted_tcb_status":["UpToDat"]}}}}""", "$.default.attestation: tdx.accepted_tcb_status: unknown status 'UpToDat' (known: UpToDate, SWHardeningNeeded,")]
    [InlineData("""{"default":{"attestation":{"snp":{"max_vmpl":4}}}}""", "snp.max_vmpl must be 0..3")]
    [InlineData("""{"default":{"attestation":{"gpu":{}}}}""", "$.default.attestation: gpu rules cannot be enforced by the key broker (it appraises no GPU evidence)")]
    [InlineData("""{"default":{"attestation":[]}}""", "$.default.attestation: must be an object")]
    [InlineData("""{"default":{"allow_simulatd":true}}""", "allow_simulatd")]
    public void Bad_rules_are_refused_at_load(string json, string reason)
    {
        var e = Assert.Throws<PolicyException>(() => SecretPolicy.Parse(json));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void Unreadable_policy_file_is_a_policy_error()
    {
        var e = Assert.Throws<PolicyException>(() => SecretPolicy.Load("/nonexistent/kbs-policy.json"));
        Assert.StartsWith("policy '/nonexistent/kbs-policy.json' cannot be read: ", e.Message);
    }
}
