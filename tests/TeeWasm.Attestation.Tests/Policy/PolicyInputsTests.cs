using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Policy;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Policy;

public class PolicyInputsTests
{
    private static AttestationResult Ok(string evidence) => new() { Success = true, Evidence = evidence, Timestamp = 1_700_000_000 };

    [Fact]
    public void TdxQuoteEvidence_IsDecoded_AndBindingChecked()
    {
        byte[] quote = File.ReadAllBytes(RepoPaths.Vector("tdx", "quote_v5_sample.dat"));
        var result = Ok("{\"report\":\"" + Convert.ToBase64String(quote) + "\"}");
        var input = PolicyInputs.FromResult(result, new byte[64]);
        Assert.Equal("Intel TDX", input.Platform);
        Assert.NotNull(input.Tdx);
        Assert.False(input.ReportDataBound);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), input.EvidenceTime);

        var tdx = TdxQuote.Parse(quote);
        Assert.True(PolicyInputs.FromResult(result, tdx.Body.ReportData.ToArray()).ReportDataBound);
    }

    [Fact]
    public void AzureTdxHclEvidence_WithoutATdQuote_IsRefused()
    {
        byte[] hcl = File.ReadAllBytes(RepoPaths.Vector("azure", "cvmtools-tdx-hcl-report.bin"));
        var e = Assert.Throws<AttestationException>(() => PolicyInputs.FromResult(Ok("{\"report\":\"" + Convert.ToBase64String(hcl) + "\"}"), new byte[64]));
        Assert.Equal("Azure HCL report carries a TDREPORT but the evidence has no TD quote (td_quote)", e.Message);
    }

    [Fact]
    public void AzureTdxHclEvidence_IsReadFromItsTdQuote_AndAForeignQuoteIsNotBound()
    {
        // A real TDX quote from another VM decodes (the policy sees its MRTD) but does not pair with this TDREPORT.
        byte[] hcl = File.ReadAllBytes(RepoPaths.Vector("azure", "cvmtools-tdx-hcl-report.bin"));
        byte[] quote = File.ReadAllBytes(RepoPaths.Vector("tdx", "cvmtools-azure-td-quote-v4.dat"));
        var input = PolicyInputs.FromResult(Ok("{\"report\":\"" + Convert.ToBase64String(hcl) + "\",\"td_quote\":\"" + Convert.ToBase64String(quote) + "\"}"), new byte[64]);
        Assert.Equal("Intel TDX", input.Platform);
        Assert.Equal(TdxQuote.Parse(quote).Body.MrTd.ToArray(), input.Tdx!.MrTd.ToArray());
        Assert.False(input.ReportDataBound);
    }

    [Theory]
    [InlineData("UpToDate", TcbStatus.UpToDate)]
    [InlineData("OutOfDate", TcbStatus.OutOfDate)]
    [InlineData("not evaluated (no collateral)", null)]
    [InlineData("1", null)]
    public void TdxEvidence_CarriesTheTcbStatusItsSourceEvaluated(string written, TcbStatus? expected)
    {
        byte[] quote = File.ReadAllBytes(RepoPaths.Vector("tdx", "quote_v5_sample.dat"));
        var result = Ok("{\"report\":\"" + Convert.ToBase64String(quote) + "\",\"fields\":{\"tcb_status\":\"" + written + "\"}}");
        Assert.Equal(expected, PolicyInputs.FromResult(result, new byte[64]).TdxTcbStatus);
    }

    [Theory]
    [InlineData("{}", "no \"report\"")]
    [InlineData("{\"report\":\"AAAA\"}", "neither")]
    [InlineData("{\"report\":\"***\"}", "cannot be decoded")]
    [InlineData("nope", "cannot be decoded")]
    public void BadEvidence_Throws(string evidence, string message)
    {
        var e = Assert.Throws<AttestationException>(() => PolicyInputs.FromResult(Ok(evidence), new byte[64]));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void FailedResult_Throws() =>
        Assert.Throws<AttestationException>(() => PolicyInputs.FromResult(AttestationResult.Failure("boom", 0), new byte[64]));
}
