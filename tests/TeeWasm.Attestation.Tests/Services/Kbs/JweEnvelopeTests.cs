using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Services.Kbs;

namespace TeeWasm.Attestation.Tests.Services.Kbs;

public sealed class JweEnvelopeTests
{
    [Fact]
    public void Aes_key_wrap_matches_rfc3394_256_bit_kek_and_key_vector_and_detects_tampering()
    {
        // RFC 3394 §4.6: wrap 256 bits of key data with a 256-bit KEK.
        byte[] kek = Convert.FromHexString("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
        byte[] data = Convert.FromHexString("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F");
        byte[] wrapped = AesKeyWrap.Wrap(kek, data);
        Assert.Equal("28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21", Convert.ToHexString(wrapped));
        Assert.Equal(data, AesKeyWrap.Unwrap(kek, wrapped));
        wrapped[^1] ^= 1;
        var e = Assert.Throws<CryptographicException>(() => AesKeyWrap.Unwrap(kek, wrapped));
        Assert.Equal("AES key unwrap integrity check failed", e.Message);
    }

    [Fact]
    public void Concat_kdf_matches_rfc7518_appendix_c()
    {
        // RFC 7518 Appendix C: Bob's key and Alice's ephemeral key on P-256, enc A128GCM, apu "Alice", apv "Bob".
        using var bob = ECDiffieHellman.Create(Ec("weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ", "e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck", "VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqdw"));
        using var alice = ECDiffieHellman.Create(Ec("gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0", "SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps", null));
        byte[] z = bob.DeriveRawSecretAgreement(alice.PublicKey);
        Assert.Equal("9e56d91d817135d372834283bf84269cfb316ea3da806a48f6daa7798cfe90c4", Convert.ToHexStringLower(z));
        Assert.Equal("VqqN6vgjbSBcIijNcacQGg", Base64UrlEncoder.Encode(JweEnvelope.ConcatKdf(z, "A128GCM", 16, "Alice"u8, "Bob"u8)));
    }

    [Theory]
    [InlineData("P-256")]
    [InlineData("P-521")]
    public void Ecdh_es_a256kw_round_trips_and_names_the_ephemeral_key(string crv)
    {
        using var tee = ECDiffieHellman.Create(crv == "P-256" ? ECCurve.NamedCurves.nistP256 : ECCurve.NamedCurves.nistP521);
        byte[] secret = RandomNumberGenerator.GetBytes(40);
        string jwe = JweEnvelope.Encrypt(secret, tee);
        var header = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(JsonDocument.Parse(jwe).RootElement.GetProperty("protected").GetString()!)).RootElement;
        Assert.Equal("ECDH-ES+A256KW", header.GetProperty("alg").GetString());
        Assert.Equal("A256GCM", header.GetProperty("enc").GetString());
        Assert.Equal(crv, header.GetProperty("epk").GetProperty("crv").GetString());
        Assert.Equal(40, Base64UrlEncoder.DecodeBytes(JsonDocument.Parse(jwe).RootElement.GetProperty("encrypted_key").GetString()!).Length);
        Assert.Equal(secret, JweEnvelope.Decrypt(jwe, tee));

        using var other = ECDiffieHellman.Create(tee.ExportParameters(false).Curve);
        var e = Assert.Throws<AttestationException>(() => JweEnvelope.Decrypt(jwe, other));
        Assert.Contains("AES key unwrap integrity check failed", e.Message);
    }

    // --- Tampering and unsupported parameters (issue 12, "Test-suite gaps"): each refusal says what is wrong. ---

    /// <summary>The JWE with member <paramref name="name"/> of its JSON replaced.</summary>
    private static string With(string jwe, string name, string value)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(jwe)!.AsObject();
        node[name] = value;
        return node.ToJsonString();
    }

    /// <summary>The JWE with its protected header edited (and re-encoded; nothing else changed).</summary>
    private static string WithHeader(string jwe, Action<System.Text.Json.Nodes.JsonObject> edit)
    {
        string header = JsonDocument.Parse(jwe).RootElement.GetProperty("protected").GetString()!;
        var h = System.Text.Json.Nodes.JsonNode.Parse(Base64UrlEncoder.DecodeBytes(header))!.AsObject();
        edit(h);
        return With(jwe, "protected", Base64UrlEncoder.Encode(System.Text.Encoding.UTF8.GetBytes(h.ToJsonString())));
    }

    private static string Member(string jwe, string name) => JsonDocument.Parse(jwe).RootElement.GetProperty(name).GetString()!;

    private static string Flip(string b64url, int index = 0)
    {
        byte[] b = Base64UrlEncoder.DecodeBytes(b64url);
        b[index] ^= 1;
        return Base64UrlEncoder.Encode(b);
    }

    private static string Refusal(Func<byte[]> decrypt)
    {
        var e = Assert.Throws<AttestationException>(() => decrypt());
        return e.Message;
    }

    [Fact]
    public void A_changed_protected_header_is_refused_because_it_is_the_AAD()
    {
        using var rsa = RSA.Create(2048);
        using var ec = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        string forRsa = JweEnvelope.Encrypt("secret"u8, rsa);
        string forEc = JweEnvelope.Encrypt("secret"u8, ec);
        Assert.Equal(JweEnvelope.TagMismatch, Refusal(() => JweEnvelope.Decrypt(WithHeader(forRsa, h => h["kid"] = "x"), rsa)));
        Assert.Equal(JweEnvelope.TagMismatch, Refusal(() => JweEnvelope.Decrypt(WithHeader(forEc, h => h["kid"] = "x"), ec)));
    }

    [Fact]
    public void A_changed_iv_ciphertext_or_tag_is_refused()
    {
        using var rsa = RSA.Create(2048);
        string jwe = JweEnvelope.Encrypt("secret"u8, rsa);
        Assert.Equal(JweEnvelope.TagMismatch, Refusal(() => JweEnvelope.Decrypt(With(jwe, "iv", Flip(Member(jwe, "iv"))), rsa)));
        Assert.Equal(JweEnvelope.TagMismatch, Refusal(() => JweEnvelope.Decrypt(With(jwe, "ciphertext", Flip(Member(jwe, "ciphertext"))), rsa)));
        Assert.Equal(JweEnvelope.TagMismatch, Refusal(() => JweEnvelope.Decrypt(With(jwe, "tag", Flip(Member(jwe, "tag"), 15)), rsa)));
    }

    [Fact]
    public void An_iv_or_tag_of_the_wrong_length_is_refused_by_name()
    {
        using var rsa = RSA.Create(2048);
        string jwe = JweEnvelope.Encrypt("secret"u8, rsa);
        Assert.Equal("JWE iv is 8 bytes; A256GCM takes 12", Refusal(() => JweEnvelope.Decrypt(With(jwe, "iv", Base64UrlEncoder.Encode(new byte[8])), rsa)));
        byte[] tag = Base64UrlEncoder.DecodeBytes(Member(jwe, "tag"));
        Assert.Equal("JWE tag is 12 bytes; A256GCM takes 16", Refusal(() => JweEnvelope.Decrypt(With(jwe, "tag", Base64UrlEncoder.Encode(tag[..12])), rsa)));
    }

    [Theory]
    [InlineData("RSA1_5", "JWE alg 'RSA1_5' not supported (RSA-OAEP-256 or RSA-OAEP)")]
    [InlineData("dir", "JWE alg 'dir' not supported (RSA-OAEP-256 or RSA-OAEP)")]
    public void An_unsupported_alg_for_an_RSA_key_is_refused(string alg, string error)
    {
        using var rsa = RSA.Create(2048);
        string jwe = WithHeader(JweEnvelope.Encrypt("secret"u8, rsa), h => h["alg"] = alg);
        Assert.Equal(error, Refusal(() => JweEnvelope.Decrypt(jwe, rsa)));
    }

    [Fact]
    public void An_unsupported_alg_for_an_EC_key_is_refused()
    {
        using var ec = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        string jwe = WithHeader(JweEnvelope.Encrypt("secret"u8, ec), h => h["alg"] = "ECDH-ES");
        Assert.Equal("JWE alg 'ECDH-ES' not supported for an EC key (ECDH-ES+A256KW)", Refusal(() => JweEnvelope.Decrypt(jwe, ec)));
    }

    [Theory]
    [InlineData("A128GCM")]
    [InlineData("A256CBC-HS512")]
    public void An_unsupported_enc_is_refused(string enc)
    {
        using var rsa = RSA.Create(2048);
        string jwe = WithHeader(JweEnvelope.Encrypt("secret"u8, rsa), h => h["enc"] = enc);
        Assert.Equal($"JWE enc '{enc}' not supported (A256GCM only)", Refusal(() => JweEnvelope.Decrypt(jwe, rsa)));
    }

    [Fact]
    public void An_epk_on_another_curve_is_refused()
    {
        using var p256 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var p521 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP521);
        string forP521 = JweEnvelope.Encrypt("secret"u8, p521);
        Assert.Equal("JWE epk is on another curve (P-521) than the TEE key (P-256)", Refusal(() => JweEnvelope.Decrypt(forP521, p256)));

        // An epk that says P-256 but whose coordinates are not a P-256 point (an invalid-curve attack).
        string forP256 = JweEnvelope.Encrypt("secret"u8, p256);
        string offCurve = WithHeader(forP256, h => h["epk"]!["y"] = Base64UrlEncoder.Encode(Enumerable.Repeat((byte)0x11, 32).ToArray()));
        Assert.Equal("JWE epk is not a point on P-256", Refusal(() => JweEnvelope.Decrypt(offCurve, p256)));
    }

    private static ECParameters Ec(string x, string y, string? d) => new()
    {
        Curve = ECCurve.NamedCurves.nistP256,
        Q = new ECPoint { X = Base64UrlEncoder.DecodeBytes(x), Y = Base64UrlEncoder.DecodeBytes(y) },
        D = d is null ? null : Base64UrlEncoder.DecodeBytes(d),
    };
}
