using System.Buffers.Binary;
using System.Security.Cryptography;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Tests.Platforms.Tdx;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Platforms.AzureVtpm;

/// <summary>An Azure TDX HCL report (TDREPORT inside) paired with a TD quote: quote valid and made from that TDREPORT.</summary>
public sealed class TdQuotePairingTests : IClassFixture<TdQuotePairingTests.Fixture>
{
    public sealed class Fixture : IDisposable
    {
        internal TdQuoteFactory Factory { get; } = new(TdxTestData.Feb2026.AddYears(-1), TdxTestData.Feb2026.AddYears(1));

        public void Dispose() => Factory.Dispose();
    }

    private const string CvmTools = "cvmtools-tdx-hcl-report.bin";
    private const string Constellation = "constellation-azure-tdx-hcl-report.bin";
    private readonly TdQuoteFactory _factory;

    public TdQuotePairingTests(Fixture f) => _factory = f.Factory;

    private static byte[] Hcl(string file) => File.ReadAllBytes(RepoPaths.Vector("azure", file));

    private AzureVtpmVerificationResult Verify(byte[] hcl, byte[] quote, TdxVerificationOptions? tdx = null) =>
        AzureVtpmVerifier.Verify(hcl, new AzureVtpmVerificationOptions { TdQuote = quote, TdxOptions = tdx ?? _factory.Options(TdxTestData.Feb2026) });

    [Theory]
    [InlineData(CvmTools, TdxTestData.AzureV4)]
    [InlineData(CvmTools, TdxTestData.AzureV5)]
    [InlineData(CvmTools, TdxTestData.SprV4)]
    [InlineData(Constellation, TdxTestData.AzureV4)]
    [InlineData(Constellation, TdxTestData.AzureV5)]
    [InlineData(Constellation, TdxTestData.SampleV5)]
    public void RealHclReports_WithRealQuotes_FailPairing_OnReportData(string hcl, string quote)
    {
        // The real quotes verify (Intel's pinned root) but were made for other TDREPORTs: report_data differs.
        var r = AzureVtpmVerifier.Verify(Hcl(hcl), new AzureVtpmVerificationOptions
        {
            TdQuote = TdxTestData.Quote(quote), VerificationTime = TdxTestData.Feb2026,
        });
        Assert.Equal(AzureVtpmFailureReason.TdQuoteMismatch, r.Reason);
        Assert.Equal("report_data", r.MismatchedField);
        Assert.True(r.Tdx!.IsValid, r.Tdx.ToString());
        Assert.Equal("TD quote is not for this TDREPORT: report_data differs", r.Message);
        Assert.True(r.BindingValid);
    }

    [Fact]
    public void NoQuote_KeepsTodaysVerdict()
    {
        var r = AzureVtpmVerifier.Verify(Hcl(CvmTools), new AzureVtpmVerificationOptions());
        Assert.Equal(AzureVtpmFailureReason.HardwareReportUnverifiable, r.Reason);
        Assert.Contains(AzureVtpmVerificationResult.TdReportUnverifiable, r.Message);
    }

    [Fact]
    public void RealTdReport_NamedFields_ReadTheDocumentedOffsets()
    {
        var hcl = HclReport.Parse(Hcl(CvmTools));
        var td = TdxTdReport.Parse(hcl.HardwareReport.Span);
        Assert.Equal(0x81, td.ReportType.Span[0]);
        Assert.Equal(SHA256.HashData(hcl.RuntimeClaimsBytes.Span), td.ReportData.Span[..32].ToArray());
        Assert.Equal(0x618e7UL, td.Xfam); // same XFAM as in both real Azure quotes
        Assert.Equal("020106", Convert.ToHexStringLower(td.TeeTcbSvn.Span[..3]));
        Assert.StartsWith("360304d34a16aace", Convert.ToHexStringLower(td.MrSeam.Span));
        Assert.StartsWith("82462bbdf6b447bc", Convert.ToHexStringLower(td.MrTd.Span));
        Assert.All(td.Rtmrs, r => Assert.Equal(48, r.Length));
    }

    [Theory]
    [InlineData(CvmTools)]
    [InlineData(Constellation)]
    public void QuoteMadeFromTheTdReport_IsAccepted(string file)
    {
        byte[] hcl = Hcl(file);
        var r = Verify(hcl, _factory.QuoteFor(hcl.AsSpan(HclReport.HardwareReportOffset, TdxTdReport.Size)));
        Assert.True(r.IsValid, r.ToString());
        Assert.True(r.Tdx!.IsValid);
        Assert.Contains("the quote carries the TDREPORT's fields", r.Message);
        Assert.Null(r.MismatchedField);
    }

    [Fact]
    public void QuoteMadeFromTheTdReport_UnderATestRoot_IsRejectedByDefault()
    {
        byte[] hcl = Hcl(CvmTools);
        var r = Verify(hcl, _factory.QuoteFor(hcl.AsSpan(HclReport.HardwareReportOffset, TdxTdReport.Size)), new TdxVerificationOptions { VerificationTime = TdxTestData.Feb2026 });
        Assert.Equal(AzureVtpmFailureReason.TdQuoteInvalid, r.Reason);
        Assert.Equal(TdxFailureReason.PckChainUntrusted, r.Tdx!.Reason);
    }

    [Fact]
    public void QuoteWithFlippedBodyByte_IsRejected_AsInvalidQuote()
    {
        byte[] hcl = Hcl(CvmTools);
        byte[] quote = _factory.QuoteFor(hcl.AsSpan(HclReport.HardwareReportOffset, TdxTdReport.Size));
        quote[TdxQuoteHeader.Size + 140] ^= 1; // inside MRTD: the attestation key signature breaks
        var r = Verify(hcl, quote);
        Assert.Equal(AzureVtpmFailureReason.TdQuoteInvalid, r.Reason);
        Assert.Equal(TdxFailureReason.QuoteSignatureInvalid, r.Tdx!.Reason);
    }

    /// <summary>A quote for another TDREPORT (one field changed before quoting) is rejected naming that field.</summary>
    [Theory]
    [InlineData(128, "report_data")]
    [InlineData(128 + 63, "report_data")]
    [InlineData(512 + 16, "MRTD")]
    [InlineData(512 + 208, "RTMR0")]
    [InlineData(512 + 208 + 48 + 47, "RTMR1")]
    [InlineData(512 + 208 + 96, "RTMR2")]
    [InlineData(512 + 208 + 144, "RTMR3")]
    [InlineData(512 + 64, "MRCONFIGID")]
    [InlineData(512 + 112, "MROWNER")]
    [InlineData(512 + 160, "MROWNERCONFIG")]
    [InlineData(512, "TD attributes")]
    [InlineData(512 + 8, "XFAM")]
    [InlineData(256 + 8, "TEE_TCB_SVN")]
    [InlineData(256 + 24, "MRSEAM")]
    [InlineData(256 + 72, "MRSIGNERSEAM")]
    [InlineData(256 + 120, "SEAM attributes")]
    public void QuoteForAnotherTdReport_IsRejected_NamingTheField(int offset, string field)
    {
        byte[] hcl = Hcl(CvmTools);
        byte[] other = hcl[HclReport.HardwareReportOffset..(HclReport.HardwareReportOffset + TdxTdReport.Size)];
        other[offset] ^= 0x40;
        var r = Verify(hcl, _factory.QuoteFor(other));
        Assert.Equal(AzureVtpmFailureReason.TdQuoteMismatch, r.Reason);
        Assert.Equal(field, r.MismatchedField);
        Assert.True(r.Tdx!.IsValid);
        Assert.Equal($"TD quote is not for this TDREPORT: {field} differs", r.Message);
    }

    [Fact]
    public void MacAndReservedBytes_AreNotCompared()
    {
        // The MAC and the hashes in REPORTMACSTRUCT are not in the quote body; a changed MAC still pairs.
        byte[] hcl = Hcl(CvmTools);
        byte[] other = hcl[HclReport.HardwareReportOffset..(HclReport.HardwareReportOffset + TdxTdReport.Size)];
        other[TdxTdReport.MacOffset] ^= 1;
        Assert.True(Verify(hcl, _factory.QuoteFor(other)).IsValid);
    }

    [Fact]
    public void TdReport15Body_AlsoComparesTeeTcbSvn2AndServTdHash()
    {
        byte[] td = TdQuoteFactory.RealTdReport();
        td[512 + 400] = 0x77; // SERVTD_HASH
        BinaryPrimitives.WriteUInt16LittleEndian(td.AsSpan(256 + 128), 0x0302); // TEE_TCB_SVN_2
        byte[] body = Body15(td);
        Assert.True(TdQuotePairing.TryMatch(TdxTdReport.Parse(td), TdReportBody.Parse(body), out string? none), none);

        byte[] servtd = (byte[])td.Clone();
        servtd[512 + 401] ^= 1;
        Assert.False(TdQuotePairing.TryMatch(TdxTdReport.Parse(servtd), TdReportBody.Parse(body), out string? field));
        Assert.Equal("MRSERVICETD (SERVTD_HASH)", field);

        byte[] svn2 = (byte[])td.Clone();
        svn2[256 + 128] ^= 1;
        Assert.False(TdQuotePairing.TryMatch(TdxTdReport.Parse(svn2), TdReportBody.Parse(body), out field));
        Assert.Equal("TEE_TCB_SVN_2", field);

        // A 1.0 body has neither field: the same TDREPORTs pair with it.
        Assert.True(TdQuotePairing.TryMatch(TdxTdReport.Parse(servtd), TdReportBody.Parse(TdQuoteFactory.BodyFor(servtd)), out _));
    }

    private static byte[] Body15(byte[] td)
    {
        byte[] body = new byte[TdReportBody.Size15];
        TdQuoteFactory.BodyFor(td).CopyTo(body, 0);
        td.AsSpan(256 + 128, 16).CopyTo(body.AsSpan(584)); // TEE_TCB_SVN_2
        td.AsSpan(512 + 400, 48).CopyTo(body.AsSpan(600)); // MRSERVICETD
        return body;
    }
}
