using TeeWasm.Attestation.Http;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Tests.Services;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Platforms.AzureVtpm;

/// <summary>The Azure IMDS TD quote client against a loopback IMDS.</summary>
public sealed class ImdsTdQuoteClientTests : IClassFixture<TdQuotePairingTests.Fixture>
{
    private static readonly ServiceCallOptions s_fast = new() { Timeout = TimeSpan.FromSeconds(30), MaxAttempts = 2, RetryDelay = TimeSpan.FromMilliseconds(10) };
    private readonly TdQuoteFactory _factory;

    public ImdsTdQuoteClientTests(TdQuotePairingTests.Fixture f) => _factory = f.Factory;

    [Fact]
    public void PostsTheTdReport_AsUnpaddedBase64Url_WithPlainJsonContentType_AndReturnsTheQuote()
    {
        using var imds = new FakeImds(_factory);
        using var client = new ImdsTdQuoteClient(imds.Uri, s_fast);
        byte[] td = TdQuoteFactory.RealTdReport();

        byte[] quote = client.GetQuote(td);

        Assert.Equal("POST", imds.LastMethod);
        Assert.Equal("application/json", imds.LastContentType);
        Assert.Equal(td, imds.LastReport);
        Assert.DoesNotContain('=', imds.LastReportText!);
        Assert.DoesNotContain('+', imds.LastReportText!);
        Assert.DoesNotContain('/', imds.LastReportText!);
        var parsed = TdxQuote.Parse(quote);
        Assert.Equal(td.AsSpan(128, 64).ToArray(), parsed.Body.ReportData.ToArray());
    }

    [Fact]
    public void OnlyTheFirst1024Bytes_AreSent()
    {
        using var imds = new FakeImds(_factory);
        using var client = new ImdsTdQuoteClient(imds.Uri, s_fast);
        byte[] padded = [.. TdQuoteFactory.RealTdReport(), .. new byte[160]]; // as in an HCL report's 1184-byte area
        client.GetQuote(padded);
        Assert.Equal(1024, imds.LastReport!.Length);
        Assert.Throws<ArgumentException>(() => client.GetQuote(new byte[1000]));
    }

    [Fact]
    public void ServerError_IsRetried_ThenAClearError()
    {
        using var imds = new FakeImds(_factory) { Mode = FakeImds.Behaviour.Error500 };
        using var client = new ImdsTdQuoteClient(imds.Uri, s_fast);
        var e = Assert.Throws<RemoteServiceException>(() => client.GetQuote(TdQuoteFactory.RealTdReport()));
        Assert.StartsWith($"Azure IMDS TD quote service at {imds.Uri.GetLeftPart(UriPartial.Authority)}/acc/tdquote: get TD quote refused: HTTP 500", e.Message);
        Assert.Contains("quote generation failed", e.Message);
        Assert.Equal(500, e.StatusCode);
        Assert.Equal(2, imds.Requests);
    }

    [Fact]
    public void ImdsDown_IsAClearError()
    {
        using var closed = new ClosedPort();
        using var client = new ImdsTdQuoteClient(closed.Uri, s_fast);
        var e = Assert.Throws<RemoteServiceException>(() => client.GetQuote(TdQuoteFactory.RealTdReport()));
        Assert.StartsWith("Azure IMDS TD quote service at http://127.0.0.1:", e.Message);
        Assert.Contains("cannot connect", e.Message);
        Assert.Contains("tried 2 time(s)", e.Message);
    }

    [Fact]
    public void Timeout_IsAClearError()
    {
        using var imds = new FakeImds(_factory) { Mode = FakeImds.Behaviour.Slow };
        using var client = new ImdsTdQuoteClient(imds.Uri, new ServiceCallOptions { Timeout = TimeSpan.FromMilliseconds(300), MaxAttempts = 1 });
        var e = Assert.Throws<RemoteServiceException>(() => client.GetQuote(TdQuoteFactory.RealTdReport()));
        Assert.Contains("Azure IMDS TD quote service", e.Message);
        Assert.Contains("no answer within 0.3 s", e.Message);
    }

    [Theory]
    [InlineData(false, "answer has no \"quote\"")]
    [InlineData(true, "answer's \"quote\" is not a TDX quote")]
    public void AnswerWithoutAQuote_IsRejected(bool garbage, string message)
    {
        using var imds = new FakeImds(_factory) { Mode = garbage ? FakeImds.Behaviour.NotAQuote : FakeImds.Behaviour.NoQuote };
        using var client = new ImdsTdQuoteClient(imds.Uri, s_fast);
        var e = Assert.Throws<RemoteServiceException>(() => client.GetQuote(TdQuoteFactory.RealTdReport()));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void PlainHttp_IsAllowedOnlyToTheImdsAddressAndLoopback()
    {
        using (var imds = new ImdsTdQuoteClient())
            Assert.Equal("Azure IMDS TD quote service at http://169.254.169.254/acc/tdquote", imds.Service);
        var e = Assert.Throws<RemoteServiceException>(() => new ImdsTdQuoteClient(new Uri("http://169.254.169.253")));
        Assert.Contains("must use https", e.Message);
        Assert.Throws<RemoteServiceException>(() => new ImdsTdQuoteClient(new Uri("http://example.com")));
    }
}
