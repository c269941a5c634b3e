using TeeWasm.Attestation.Platforms.Tdx;

namespace TeeWasm.Attestation.Tests.Platforms.Tdx;

public class TdxQuoteParserTests
{
    [Theory]
    [InlineData(TdxTestData.SprV4, 4, 2, 4935, "50806f000000")]
    [InlineData(TdxTestData.SampleV5, 5, 3, 5006, "90c06f000000")]
    [InlineData(TdxTestData.Cos, 4, 2, 4935, "00806f050000")]
    [InlineData(TdxTestData.AzureV4, 4, 2, 4936, "90c06f000000")]
    [InlineData(TdxTestData.AzureV5, 5, 3, 5006, "90c06f000000")]
    public void Parses_real_quotes_using_only_the_lengths_inside(string file, int version, int bodyType, int quoteLength, string fmspc)
    {
        byte[] data = TdxTestData.Quote(file);
        TdxQuote q = TdxQuote.Parse(data);
        Assert.Equal(version, q.Version);
        Assert.Equal(bodyType, q.BodyType);
        Assert.Equal(quoteLength, q.Raw.Length);
        Assert.Equal(TdxQuoteHeader.AttestationKeyTypeEcdsaP256, q.Header.AttestationKeyType);
        Assert.Equal(TdxQuoteHeader.TeeTypeTdx, q.Header.TeeType);
        Assert.True(q.Header.IsIntelQeVendor);
        Assert.Equal(bodyType == 3 ? TdReportBody.Size15 : TdReportBody.Size10, q.Body.Raw.Length);
        Assert.False(q.Body.TdAttributes.IsDebug());
        Assert.Equal(64, q.Body.ReportData.Length);
        Assert.Equal(4, q.Body.Rtmrs.Count);
        Assert.Equal(TdxQuoteSignatureData.CertificationDataTypePckChain, q.SignatureData.PckCertificationDataType);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", q.SignatureData.PckCertificateChainPem);
        Assert.Equal(32, q.SignatureData.QeAuthData.Length);
        // FMSPC from the PCK extension.
        var certs = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        certs.ImportFromPem(q.SignatureData.PckCertificateChainPem!);
        Assert.True(PckCertificateExtensions.TryRead(certs[0], out PckCertificateExtensions? pck, out _));
        Assert.Equal(fmspc, pck.FmspcHex);
    }

    [Fact]
    public void Known_field_values()
    {
        TdxQuote spr = TdxQuote.Parse(TdxTestData.Quote(TdxTestData.SprV4));
        Assert.Equal("0000004000000000", Convert.ToHexString(spr.Body.Raw.Span.Slice(120, 8)));
        Assert.Equal(TdAttributes.Pks, spr.Body.TdAttributes);
        Assert.Equal("03000400", Convert.ToHexString(spr.Body.TeeTcbSvn.Span[..4]));
        Assert.Equal(4, spr.SignatureData.QeReport.IsvSvn);

        TdxQuote v5 = TdxQuote.Parse(TdxTestData.Quote(TdxTestData.SampleV5));
        Assert.Equal(1, v5.Body.TdxModuleMajorVersion);
        Assert.Equal(11, v5.Body.TdxModuleSvn);
        Assert.Equal(16, v5.Body.TeeTcbSvn2.Length);
        Assert.Equal(48, v5.Body.MrServiceTd.Length);
        Assert.Equal(7, v5.SignatureData.QeReport.IsvSvn);

        TdxQuote azure = TdxQuote.Parse(TdxTestData.Quote(TdxTestData.AzureV4));
        Assert.StartsWith("888B31B57A1CAD6A", Convert.ToHexString(azure.Body.MrTd.Span));
        Assert.Equal(TdAttributes.SeptVeDisable, azure.Body.TdAttributes);
        Assert.Equal(6, azure.SignatureData.QeReport.IsvSvn);
        Assert.StartsWith("273828C46252FCBD", Convert.ToHexString(TdxQuote.Parse(TdxTestData.Quote(TdxTestData.AzureV5)).Body.MrTd.Span));
        Assert.True(TdxQuote.Parse(TdxTestData.Quote(TdxTestData.Cos)).Body.ReportData.Span.IndexOfAnyExcept((byte)0) < 0);
    }

    [Fact]
    public void Trailing_bytes_are_ignored()
    {
        byte[] data = TdxTestData.Quote(TdxTestData.SprV4);
        TdxQuote q = TdxQuote.Parse(data);
        Assert.Equal(4935, q.Raw.Length);
        Assert.Equal("\nextra bytes(only for testing purpose)\n", System.Text.Encoding.ASCII.GetString(data.AsSpan(4935)));
        TdxQuote exact = TdxQuote.Parse(data.AsSpan(0, 4935));
        Assert.True(exact.Raw.Span.SequenceEqual(q.Raw.Span));
    }

    [Theory]
    [InlineData(TdxTestData.SprV4)]
    [InlineData(TdxTestData.SampleV5)]
    public void Every_truncation_is_a_clear_parse_error(string file)
    {
        byte[] data = TdxTestData.Quote(file);
        int full = TdxQuote.Parse(data).Raw.Length;
        for (int len = 0; len < full; len += len < 700 ? 1 : 97)
        {
            Assert.False(TdxQuote.TryParse(data.AsSpan(0, len), out TdxQuote? q, out string? error));
            Assert.Null(q);
            Assert.Contains("truncated", error);
            TdxException e = Assert.Throws<TdxException>(() => TdxQuote.Parse(data.AsSpan(0, len)));
            Assert.Contains("truncated", e.Message);
            TdxVerificationResult r = TdxQuoteVerifier.Verify(data.AsSpan(0, len));
            Assert.Equal(TdxFailureReason.MalformedQuote, r.Reason);
        }
        Assert.True(TdxQuote.TryParse(data.AsSpan(0, full), out _));
    }

    [Fact]
    public void Wrong_version_key_type_and_tee_type_are_rejected()
    {
        byte[] data = TdxTestData.Quote(TdxTestData.SprV4);
        byte[] v3 = (byte[])data.Clone(); v3[0] = 3;
        Assert.False(TdxQuote.TryParse(v3, out _, out string? e1)); Assert.Contains("version 3", e1);
        byte[] key = (byte[])data.Clone(); key[2] = 3;
        Assert.False(TdxQuote.TryParse(key, out _, out string? e2)); Assert.Contains("key type 3", e2);
        byte[] sgx = (byte[])data.Clone(); sgx[4] = 0;
        Assert.False(TdxQuote.TryParse(sgx, out _, out string? e3)); Assert.Contains("not TDX", e3);
        byte[] v5 = TdxTestData.Quote(TdxTestData.SampleV5); v5[48] = 9;
        Assert.False(TdxQuote.TryParse(v5, out _, out string? e4)); Assert.Contains("body type 9", e4);
    }
}
