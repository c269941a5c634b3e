using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TeeWasm.Attestation.Audit;
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

    /// <summary>
    /// Issue 12 item 2: a 5-segment token (JWE shape) with a JSON header, and a payload that is JSON followed by extra
    /// bytes, are rejections whose JSON verdict can be written (it used to throw while writing the claims).
    /// </summary>
    [Theory]
    [InlineData("e30.e30.e30.e30.e30", "malformed token: not a compact JWS (header.payload.signature)")]
    [InlineData("eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ0ZWUtd2FzbS1sb2NhbC12ZXJpZmllciJ9eA.c2ln", "malformed token: the payload is not one JSON object")]
    [InlineData("eyJhbGciOiJFUzI1NiJ9eA.eyJpc3MiOiJ4In0.c2ln", "malformed token: the header is not one JSON object")]
    public void MalformedTokensAreRejectionsThatSerialize(string token, string reason)
    {
        using var key = HostAttestationKey.Create();
        var validator = new AttestationTokenValidator();
        validator.TrustLocalVerifier(key);
        var v = validator.Verify(token);
        Assert.False(v.Valid);
        Assert.Equal(reason, v.Reason);
        using var json = System.Text.Json.JsonDocument.Parse(v.ToJsonUtf8());
        Assert.False(json.RootElement.GetProperty("valid").GetBoolean());
        Assert.Equal(reason, json.RootElement.GetProperty("reason").GetString());
    }

    [Fact]
    public void ClaimsThatAreNotOneJsonValueAreNotWrittenRaw()
    {
        var json = Encoding.UTF8.GetString(TokenVerification.Reject("nope", null, "{}x").ToJsonUtf8());
        Assert.Equal("{\"valid\":false,\"reason\":\"nope\",\"issuer\":null,\"claims\":{}}", json);
    }

    /// <summary>The high-S twin of a token: s replaced by n − s (P-256), which verifies with the same key.</summary>
    internal static string HighSTwin(string token)
    {
        var parts = token.Split('.');
        byte[] sig = Base64UrlEncoder.DecodeBytes(parts[2]);
        int half = sig.Length / 2;
        var n = new System.Numerics.BigInteger(Convert.FromHexString(half == 32
            ? "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551"
            : "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973"), isUnsigned: true, isBigEndian: true);
        var s = new System.Numerics.BigInteger(sig.AsSpan(half), isUnsigned: true, isBigEndian: true);
        byte[] twin = (n - s).ToByteArray(isUnsigned: true, isBigEndian: true);
        Array.Clear(sig, half, half);
        twin.CopyTo(sig, sig.Length - twin.Length);
        return $"{parts[0]}.{parts[1]}.{Base64UrlEncoder.Encode(sig)}";
    }

    /// <summary>Issue 12 item 10: a local token with <c>==</c> appended to a segment, or another spelling of its last character, is refused.</summary>
    [Theory]
    [InlineData(2, "==", "signature")]
    [InlineData(2, "=", "signature")]
    [InlineData(1, "==", "payload")]
    [InlineData(0, "%3D%3D", "header")]
    public void NonCanonicalBase64urlSpellingsOfAValidTokenAreRefused(int segment, string suffix, string named)
    {
        using var key = HostAttestationKey.Create();
        var validator = new AttestationTokenValidator();
        validator.TrustLocalVerifier(key);
        var (token, _) = new AttestationTokenIssuer(key, TimeSpan.FromMinutes(5)).Issue(Evidence(key, nonce: [7]));
        Assert.True(validator.Verify(token).Valid);
        var parts = token.Split('.');
        parts[segment] += suffix;
        var v = validator.Verify(string.Join('.', parts));
        Assert.False(v.Valid);
        Assert.Equal($"malformed token: the {named} is not canonical base64url (RFC 7515: no padding, no other characters, unused bits zero)", v.Reason);
    }

    [Fact]
    public void ASignatureWhoseUnusedBitsAreSetIsRefused()
    {
        using var key = HostAttestationKey.Create();
        var validator = new AttestationTokenValidator();
        validator.TrustLocalVerifier(key);
        var (token, _) = new AttestationTokenIssuer(key, TimeSpan.FromMinutes(5)).Issue(Evidence(key));
        // A 64-byte signature is 86 characters; the last carries 4 bits of data and 2 unused bits.
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        int last = alphabet.IndexOf(token[^1]);
        Assert.Equal(0, last & 3);
        string twin = token[..^1] + alphabet[last | 1];
        // (.NET's and IdentityModel's decoders refuse it too; the strict split says why, first.)
        Assert.StartsWith("malformed token: the signature is not canonical base64url", validator.Verify(twin).Reason);
    }

    /// <summary>Issue 12 item 10: the high-S form of a local token's ECDSA signature verifies mathematically but is refused.</summary>
    [Fact]
    public void TheHighSTwinOfALocalTokenIsRefused()
    {
        using var key = HostAttestationKey.Create();
        var validator = new AttestationTokenValidator { CacheVerdicts = false };
        validator.TrustLocalVerifier(key);
        var (token, _) = new AttestationTokenIssuer(key, TimeSpan.FromMinutes(5)).Issue(Evidence(key, nonce: [1]));
        string twin = HighSTwin(token);
        // The twin is a valid ECDSA signature of the same bytes with the same key...
        var parts = twin.Split('.');
        Assert.True(key.Key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64UrlEncoder.DecodeBytes(parts[2]), System.Security.Cryptography.HashAlgorithmName.SHA256));
        // ...and is refused as a copy, while the token itself verifies.
        Assert.True(validator.Verify(token).Valid);
        var v = validator.Verify(twin);
        Assert.False(v.Valid);
        Assert.StartsWith("ECDSA signature is not in low-S form", v.Reason);
        // Both spellings are one token in the audit log.
        Assert.Equal(AuditEvent.Fingerprint(token), AuditEvent.Fingerprint(twin));
    }

    [Fact]
    public void TheLocalIssuerSignsLowS()
    {
        using var key = HostAttestationKey.Create();
        var issuer = new AttestationTokenIssuer(key, TimeSpan.FromMinutes(5));
        for (int i = 0; i < 64; i++) // a signer that does not normalise gives high-S half the time: 2^-64 to miss it
        {
            var (token, _) = issuer.Issue(Evidence(key, nonce: [(byte)i]));
            byte[] sig = Base64UrlEncoder.DecodeBytes(token.Split('.')[2]);
            var n = new System.Numerics.BigInteger(Convert.FromHexString("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551"), isUnsigned: true, isBigEndian: true);
            Assert.True(new System.Numerics.BigInteger(sig.AsSpan(32), isUnsigned: true, isBigEndian: true) <= n / 2, token);
        }
    }

    /// <summary>
    /// Issue 12 item 10, documented exception: another issuer's ECDSA token verifies in both forms (NRAS signs high-S half
    /// the time), but both spellings have one canonical form and one audit fingerprint.
    /// </summary>
    [Fact]
    public void AForeignIssuersHighSTwinVerifiesButIsOneToken()
    {
        using var ec = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var signing = new ECDsaSecurityKey(ec) { KeyId = "k1" };
        var validator = new AttestationTokenValidator { CacheVerdicts = false };
        validator.TrustIssuer("https://issuer.test", signing);
        string token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "https://issuer.test",
            Expires = DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new SigningCredentials(signing, SecurityAlgorithms.EcdsaSha256),
        });
        string twin = HighSTwin(token);
        Assert.True(validator.Verify(token).Valid);
        Assert.True(validator.Verify(twin).Valid);
        Assert.True(CompactJws.TryParse(token, out var a, out _));
        Assert.True(CompactJws.TryParse(twin, out var b, out _));
        Assert.Equal(a.CanonicalToken, b.CanonicalToken);
        Assert.True(EcdsaSignatureForm.IsLowS(Base64UrlEncoder.DecodeBytes(a.CanonicalToken.Split('.')[2])));
        Assert.Equal(AuditEvent.Fingerprint(token), AuditEvent.Fingerprint(twin));
    }
}
