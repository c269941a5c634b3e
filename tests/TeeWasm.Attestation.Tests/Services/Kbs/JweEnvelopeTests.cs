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

    private static ECParameters Ec(string x, string y, string? d) => new()
    {
        Curve = ECCurve.NamedCurves.nistP256,
        Q = new ECPoint { X = Base64UrlEncoder.DecodeBytes(x), Y = Base64UrlEncoder.DecodeBytes(y) },
        D = d is null ? null : Base64UrlEncoder.DecodeBytes(d),
    };
}
