using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Policy;
using TeeWasm.Attestation.Verification;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Verification;

/// <summary>
/// Evidence JSON read back into typed evidence, and the policy input of its appraisal: the TD report, the binding
/// (report_data checked once, by the verifier), the evidence time, the TCB status. (These replace the tests of
/// PolicyInputs.FromResult, which decoded the JSON a second time and re-checked report_data after the verifier.)
/// </summary>
public class EvidencePolicyInputTests
{
    private static readonly DateTimeOffset s_feb2026 = new(2026, 2, 15, 0, 0, 0, TimeSpan.Zero);

    private static string Evidence(string members) => "{" + members + "}";

    [Fact]
    public void TdxQuoteEvidence_IsDecoded_AndBindingChecked()
    {
        byte[] quote = File.ReadAllBytes(RepoPaths.Vector("tdx", "quote_v5_sample.dat"));
        var evidence = AttestationPlatforms.ReadEvidence(Evidence("\"report\":\"" + Convert.ToBase64String(quote) + "\"")) with
        {
            Time = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000),
        };
        var verifier = new TdxEvidenceVerifier();
        var unbound = verifier.Verify(evidence, new VerificationContext { ExpectedReportData = new byte[64], Time = s_feb2026 });
        Assert.False(unbound.EvidenceValid);
        Assert.Equal("ReportDataMismatch", unbound.Reason);

        var tdx = TdxQuote.Parse(quote);
        var input = verifier.Verify(evidence, new VerificationContext { ExpectedReportData = tdx.Body.ReportData.ToArray(), Time = s_feb2026 }).PolicyInput!;
        Assert.Equal("Intel TDX", input.Platform);
        Assert.IsType<TdxPolicyClaims>(input.Claims);
        Assert.True(input.ReportDataBound);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), input.EvidenceTime);
    }

    [Fact]
    public void AzureTdxHclEvidence_WithoutATdQuote_IsRefused()
    {
        byte[] hcl = File.ReadAllBytes(RepoPaths.Vector("azure", "cvmtools-tdx-hcl-report.bin"));
        var evidence = AttestationPlatforms.ReadEvidence(Evidence("\"report\":\"" + Convert.ToBase64String(hcl) + "\""));
        var appraisal = new AzureVtpmEvidenceVerifier().Verify(evidence, new VerificationContext());
        Assert.False(appraisal.EvidenceValid);
        Assert.Null(appraisal.PolicyInput);
        Assert.Equal("runtime-claims binding valid, but TDREPORT is MACed, not signed: cannot be verified alone", appraisal.Message);
    }

    [Fact]
    public void AzureTdxHclEvidence_IsReadFromItsTdQuote_AndAForeignQuoteIsNotBound()
    {
        // A real TDX quote from another VM verifies (the appraisal shows its MRTD) but does not pair with this TDREPORT.
        byte[] hcl = File.ReadAllBytes(RepoPaths.Vector("azure", "cvmtools-tdx-hcl-report.bin"));
        byte[] quote = File.ReadAllBytes(RepoPaths.Vector("tdx", "cvmtools-azure-td-quote-v4.dat"));
        var evidence = (AzureVtpmEvidence)AttestationPlatforms.ReadEvidence(Evidence("\"report\":\"" + Convert.ToBase64String(hcl) + "\",\"td_quote\":\"" + Convert.ToBase64String(quote) + "\""));
        Assert.Equal(quote, evidence.TdQuote);
        var appraisal = new AzureVtpmEvidenceVerifier().Verify(evidence, new VerificationContext { Time = s_feb2026 });
        Assert.False(appraisal.EvidenceValid);
        Assert.Equal("TdQuoteMismatch", appraisal.Reason);
        Assert.Contains(new KeyValuePair<string, string>("mrtd", Convert.ToHexStringLower(TdxQuote.Parse(quote).Body.MrTd.Span)), appraisal.Fields);
        Assert.Null(appraisal.PolicyInput);
    }

    [Theory]
    [InlineData("UpToDate", TcbStatus.UpToDate)]
    [InlineData("OutOfDate", TcbStatus.OutOfDate)]
    [InlineData("not evaluated (no collateral)", null)]
    [InlineData("1", null)]
    public void TdxEvidence_CarriesTheTcbStatusItsSourceEvaluated(string written, TcbStatus? expected)
    {
        byte[] quote = File.ReadAllBytes(RepoPaths.Vector("tdx", "quote_v5_sample.dat"));
        var evidence = AttestationPlatforms.ReadEvidence(Evidence("\"report\":\"" + Convert.ToBase64String(quote) + "\",\"fields\":{\"tcb_status\":\"" + written + "\"}"));
        Assert.Equal(expected, ((TdxEvidence)evidence).TcbStatus);
    }

    [Theory]
    [InlineData("{}", "not evidence of a known platform")]
    [InlineData("{\"report\":\"AAAA\"}", "not evidence of a known platform")]
    [InlineData("{\"report\":\"***\"}", "not a valid Base-64")]
    [InlineData("nope", "'nope' is an invalid JSON literal")]
    public void BadEvidence_Throws(string evidence, string message)
    {
        var e = Assert.ThrowsAny<Exception>(() => AttestationPlatforms.ReadEvidence(evidence));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void FailedResult_Throws() =>
        Assert.Equal(["boom"], AttestationResult.Failure("boom", 0).Evaluate(new AttestationPolicy()).Violations);
}
