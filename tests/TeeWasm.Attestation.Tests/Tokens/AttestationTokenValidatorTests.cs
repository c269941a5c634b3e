using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Tokens;

namespace TeeWasm.Attestation.Tests.Tokens;

public sealed class AttestationTokenValidatorTests
{
    private static readonly byte[] s_module = new byte[32];

    private static VerifiedEvidence Evidence(HostAttestationKey key, byte[]? reportData = null, byte[]? nonce = null) => new()
    {
        Platform = "AMD SEV-SNP",
        Subject = "vm",
        Measurement = new byte[48],
        ReportData = reportData ?? ReportDataBinding.Compute(s_module, key.PublicPoint, nonce ?? []),
        Nonce = nonce ?? [],
        ModuleHash = s_module,
    };

    private static string Reencode(string token, Action<JsonObject> edit)
    {
        var parts = token.Split('.');
        var payload = JsonNode.Parse(Base64UrlEncoder.Decode(parts[1]))!.AsObject();
        edit(payload);
        return $"{parts[0]}.{Base64UrlEncoder.Encode(payload.ToJsonString())}.{parts[2]}";
    }

    [Fact]
    public void GoodTokenIsValid()
    {
        using var key = HostAttestationKey.Create();
        var validator = new AttestationTokenValidator();
        validator.TrustLocalVerifier(key);
        var (token, _) = new AttestationTokenIssuer(key, TimeSpan.FromMinutes(5)).Issue(Evidence(key, nonce: [7]));
        var v = validator.Verify(token);
        Assert.True(v.Valid, v.Reason);
        Assert.Equal(AttestationClaims.LocalIssuer, v.Issuer);
    }

    [Fact]
    public void TamperedPayloadIsRejected()
    {
        using var key = HostAttestationKey.Create();
        var validator = new AttestationTokenValidator();
        validator.TrustLocalVerifier(key);
        var (token, _) = new AttestationTokenIssuer(key, TimeSpan.FromMinutes(5)).Issue(Evidence(key));
        string tampered = Reencode(token, p => p["platform"] = "Intel TDX");
        var v = validator.Verify(tampered);
        Assert.False(v.Valid);
        Assert.Equal("signature does not verify with any trusted key", v.Reason);
    }

    [Fact]
    public void FlippedSignatureByteIsRejected()
    {
        using var key = HostAttestationKey.Create();
        var validator = new AttestationTokenValidator();
        validator.TrustLocalVerifier(key);
        var (token, _) = new AttestationTokenIssuer(key, TimeSpan.FromMinutes(5)).Issue(Evidence(key));
        var sig = Base64UrlEncoder.DecodeBytes(token.Split('.')[2]);
        sig[5] ^= 1;
        string bad = string.Join('.', token.Split('.')[..2]) + "." + Base64UrlEncoder.Encode(sig);
        Assert.Equal("signature does not verify with any trusted key", validator.Verify(bad).Reason);
    }

    [Fact]
    public void ExpiredTokenIsRejected()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var key = HostAttestationKey.Create();
        var validator = new AttestationTokenValidator(clock);
        validator.TrustLocalVerifier(key);
        var (token, expires) = new AttestationTokenIssuer(key, TimeSpan.FromMinutes(5), clock).Issue(Evidence(key));
        clock.Advance(TimeSpan.FromMinutes(6));
        var v = validator.Verify(token);
        Assert.False(v.Valid);
        Assert.Equal($"token expired at {expires.UtcDateTime:u}", v.Reason);
    }

    [Fact]
    public void CachedVerdictDoesNotOutliveTheToken()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var key = HostAttestationKey.Create();
        var validator = new AttestationTokenValidator(clock);
        validator.TrustLocalVerifier(key);
        var (token, _) = new AttestationTokenIssuer(key, TimeSpan.FromMinutes(5), clock).Issue(Evidence(key));
        Assert.True(validator.Verify(token).Valid);
        Assert.True(validator.Verify(token).Valid); // served from the verdict cache
        clock.Advance(TimeSpan.FromMinutes(6));
        Assert.StartsWith("token expired at", validator.Verify(token).Reason);
    }

    [Fact]
    public void UnsignedAlgNoneTokenIsRejected()
    {
        using var key = HostAttestationKey.Create();
        var validator = new AttestationTokenValidator();
        validator.TrustLocalVerifier(key);
        var (token, _) = new AttestationTokenIssuer(key, TimeSpan.FromMinutes(5)).Issue(Evidence(key));
        string header = Base64UrlEncoder.Encode("{\"alg\":\"none\",\"typ\":\"JWT\"}");
        string unsigned = $"{header}.{token.Split('.')[1]}.";
        Assert.Equal("unsigned token (alg none) rejected", validator.Verify(unsigned).Reason);
    }

    [Fact]
    public void TokenFromAnotherHostKeyIsRejected()
    {
        using var ours = HostAttestationKey.Create();
        using var foreign = HostAttestationKey.Create();
        var validator = new AttestationTokenValidator();
        validator.TrustLocalVerifier(ours);
        var (token, _) = new AttestationTokenIssuer(foreign, TimeSpan.FromMinutes(5)).Issue(Evidence(foreign));
        Assert.Equal("signature does not verify with any trusted key", validator.Verify(token).Reason);
    }

    [Fact]
    public void UntrustedIssuerIsRejected()
    {
        using var key = HostAttestationKey.Create();
        var validator = new AttestationTokenValidator();
        validator.TrustLocalVerifier(key);
        string token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "someone-else",
            Expires = DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(key.Key), SecurityAlgorithms.EcdsaSha256),
        });
        Assert.Equal("untrusted issuer 'someone-else'", validator.Verify(token).Reason);
    }

    [Fact]
    public void ValidSignatureOverWrongBindingIsRejected()
    {
        using var key = HostAttestationKey.Create();
        var validator = new AttestationTokenValidator();
        validator.TrustLocalVerifier(key);
        var (token, _) = new AttestationTokenIssuer(key, TimeSpan.FromMinutes(5)).Issue(Evidence(key, reportData: new byte[64]));
        Assert.Equal("report_data does not bind module hash, host key and nonce", validator.Verify(token).Reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a.b.c")]
    [InlineData("not a token")]
    [InlineData("..")]
    public void GarbageIsRejectedWithoutThrowing(string token)
    {
        var validator = new AttestationTokenValidator();
        var v = validator.Verify(token);
        Assert.False(v.Valid);
        Assert.NotNull(v.Reason);
    }

    [Fact]
    public void VerificationJsonHasTheDocumentedShape()
    {
        var json = Encoding.UTF8.GetString(TokenVerification.Reject("nope", "iss-x").ToJsonUtf8());
        Assert.Equal("{\"valid\":false,\"reason\":\"nope\",\"issuer\":\"iss-x\",\"claims\":{}}", json);
    }
}
