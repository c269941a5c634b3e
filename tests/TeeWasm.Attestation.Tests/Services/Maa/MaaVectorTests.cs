using System.Net;
using TeeWasm.Attestation.Http;
using TeeWasm.Attestation.Services.Maa;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Services.Maa;

/// <summary>
/// The real MAA tokens in tests/TestData/jwt. Their signatures need Microsoft's key sets (the instances' /certs), which
/// are not available offline: we check structure and claims, and that verification refuses them (unknown kid, expired)
/// without ever following the header's <c>jku</c>.
/// </summary>
public sealed class MaaVectorTests
{
    private static string Token(string name) => File.ReadAllText(RepoPaths.Vector("jwt", name)).Trim();

    [Fact]
    public void Snp_token_claims_parse_as_documented()
    {
        var c = MaaTokenClaims.Parse(Token("maa-azurevm-sevsnp-sharedweu.jwt"));
        Assert.Equal("https://sharedweu.weu.attest.azure.net", c.Issuer);
        Assert.Equal("dRKh+hBcWUfQimSl3Iv6ZhStW3TSOt0ThwiTgUUqZAo=", c.KeyId);
        Assert.Equal("https://sharedweu.weu.attest.azure.net/certs", c.JwksUrlInHeader);
        Assert.Equal("azurevm", c.AttestationType);
        Assert.Equal("sevsnpvm", c.IsolationTeeType);
        Assert.Equal("azure-compliant-cvm", c.ComplianceStatus);
        Assert.StartsWith("8962535933f5", c.LaunchMeasurement);
        Assert.False(c.Debuggable);
        Assert.Equal(0, c.Vmpl);
        Assert.Equal(new DateTimeOffset(2023, 3, 30, 10, 49, 34, TimeSpan.Zero), c.IssuedAt);
        Assert.Equal(c.IssuedAt.AddHours(8), c.Expires);
    }

    [Fact]
    public void Azurevm_token_claims_parse_as_documented()
    {
        var c = MaaTokenClaims.Parse(Token("maa-azurevm-sharedeus2.jwt"));
        Assert.Equal("https://sharedeus2.eus2.attest.azure.net", c.Issuer);
        Assert.Equal("rj/UuoedUDeC1WTpnxBo2fBz+RFnAuC5j4luHsQAaXI=", c.KeyId);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 11, 12, 13], c.AttestedPcrs);
        Assert.Equal(new DateTimeOffset(2022, 4, 14, 23, 43, 0, TimeSpan.Zero), c.IssuedAt);
        Assert.Equal(c.IssuedAt.AddHours(8), c.Expires);
    }

    [Fact]
    public void Without_Microsofts_keys_the_signature_is_unverifiable_never_accepted()
    {
        var requested = new List<Uri>();
        // Offline stand-in for the instance: its /certs holds some other key (Microsoft's are not available here).
        using var authority = new TestTokenAuthority();
        using var handler = new StubHandler(r => { requested.Add(r.RequestUri!); return authority.Jwks(); });
        using var client = new MaaClient(new MaaOptions
        {
            Endpoint = new Uri("https://sharedweu.weu.attest.azure.net"),
            Calls = new ServiceCallOptions { Handler = handler, MaxAttempts = 1 },
        });
        var verdict = client.Verify(Token("maa-azurevm-sevsnp-sharedweu.jwt"));
        Assert.False(verdict.Valid);
        Assert.Contains("signing key 'dRKh+hBcWUfQimSl3Iv6ZhStW3TSOt0ThwiTgUUqZAo=' is not in", verdict.Reason);

        // Another instance: its own /certs is the only place keys come from; the token's jku is not followed.
        requested.Clear();
        using var other = new MaaClient(new MaaOptions
        {
            Endpoint = new Uri("https://myinstance.weu.attest.azure.net"),
            Calls = new ServiceCallOptions { Handler = handler, MaxAttempts = 1 },
        });
        Assert.False(other.Verify(Token("maa-azurevm-sharedeus2.jwt")).Valid);
        Assert.All(requested, u => Assert.Equal("https://myinstance.weu.attest.azure.net/certs", u.ToString()));
    }

    [Fact]
    public void Real_tokens_expired_long_ago()
    {
        // Their exp (read with: python3 -c 'import base64,json; …' on the payload): fixed instants, not today's clock.
        Assert.Equal(new DateTimeOffset(2023, 3, 30, 18, 49, 34, TimeSpan.Zero), MaaTokenClaims.Parse(Token("maa-azurevm-sevsnp-sharedweu.jwt")).Expires);
        Assert.Equal(new DateTimeOffset(2022, 4, 15, 7, 43, 0, TimeSpan.Zero), MaaTokenClaims.Parse(Token("maa-azurevm-sharedeus2.jwt")).Expires);
    }

    private sealed class StubHandler(Func<HttpRequestMessage, string> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(Send(request, cancellationToken));

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
            new(HttpStatusCode.OK) { Content = new StringContent(answer(request)) };
    }
}
