using System.Buffers.Binary;
using System.Security.Cryptography;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Tpm;

namespace TeeWasm.Attestation.Tests.Platforms.AzureVtpm;

/// <summary>TPMS_ATTEST / TPMT_SIGNATURE / runtime claims parsing without a TPM.</summary>
public class TpmStructureTests
{
    internal static byte[] Attest(uint magic = TpmAttest.GeneratedMagic, ushort type = TpmAttest.TypeQuote, byte[]? extra = null, int trailing = 0)
    {
        var b = new List<byte>();
        void U16(ushort v) { var x = new byte[2]; BinaryPrimitives.WriteUInt16BigEndian(x, v); b.AddRange(x); }
        void U32(uint v) { var x = new byte[4]; BinaryPrimitives.WriteUInt32BigEndian(x, v); b.AddRange(x); }
        void Sized(byte[] v) { U16((ushort)v.Length); b.AddRange(v); }
        U32(magic); U16(type);
        Sized([0, 0x0B, 1, 2]);          // qualifiedSigner
        Sized(extra ?? [9, 9, 9]);       // extraData
        b.AddRange(new byte[17]);        // clockInfo
        b.AddRange(new byte[8]);         // firmwareVersion
        U32(1); U16(TpmPcrSelection.AlgSha256); b.Add(3); b.AddRange(new byte[] { 0x03, 0x00, 0x01 }); // PCRs 0, 1, 16
        Sized(new byte[32]);             // pcrDigest
        b.AddRange(new byte[trailing]);
        return [.. b];
    }

    [Fact]
    public void Attest_Parses()
    {
        var a = TpmAttest.Parse(Attest());
        Assert.Equal([9, 9, 9], a.ExtraData);
        Assert.Equal([0, 1, 16], a.PcrSelection[0].Pcrs);
        Assert.Equal(TpmPcrSelection.AlgSha256, a.PcrSelection[0].HashAlgorithm);
        Assert.Equal(32, a.PcrDigest.Length);
    }

    [Fact]
    public void Attest_RejectsWrongMagicTypeTruncationAndTrailingBytes()
    {
        Assert.False(TpmAttest.TryParse(Attest(magic: 0x12345678), out _, out var e1));
        Assert.Contains("magic", e1);
        Assert.False(TpmAttest.TryParse(Attest(type: 0x8017), out _, out var e2));
        Assert.Contains("QUOTE", e2);
        Assert.False(TpmAttest.TryParse(Attest()[..40], out _, out _));
        Assert.False(TpmAttest.TryParse(Attest(trailing: 1), out _, out var e3));
        Assert.Contains("trailing", e3);
        Assert.Throws<TpmException>(() => TpmAttest.Parse([1, 2]));
    }

    /// <summary>
    /// Found by RandomizedEvidenceTests: a TPMS_ATTEST cut inside its PCR selection (after the bank's hash algorithm,
    /// before its size byte) made TryParse throw IndexOutOfRangeException.
    /// </summary>
    [Fact]
    public void Attest_CutInsideThePcrSelection_IsRefusedByTryParse()
    {
        byte[] attest = Attest()[..48];
        Assert.False(TpmAttest.TryParse(attest, out _, out string? error));
        Assert.Equal("truncated TPML_PCR_SELECTION", error);
    }

    [Fact]
    public void Signature_RsaSsaAndPss_VerifyWithDotnetSignatures()
    {
        using var key = RSA.Create(2048);
        byte[] message = Attest();
        foreach (var (alg, padding) in new[] { (TpmSignature.AlgRsaSsa, RSASignaturePadding.Pkcs1), (TpmSignature.AlgRsaPss, RSASignaturePadding.Pss) })
        {
            byte[] sig = key.SignData(message, HashAlgorithmName.SHA256, padding);
            var raw = new byte[6 + sig.Length];
            BinaryPrimitives.WriteUInt16BigEndian(raw, alg);
            BinaryPrimitives.WriteUInt16BigEndian(raw.AsSpan(2), TpmPcrSelection.AlgSha256);
            BinaryPrimitives.WriteUInt16BigEndian(raw.AsSpan(4), (ushort)sig.Length);
            sig.CopyTo(raw, 6);
            var parsed = TpmSignature.Parse(raw);
            Assert.True(parsed.Verify(message, key, out _));
            message[^1] ^= 1;
            Assert.False(parsed.Verify(message, key, out var error));
            Assert.Contains("does not verify", error);
            message[^1] ^= 1;
        }
    }

    [Fact]
    public void Signature_RejectsSha1AndUnknownAlgorithms()
    {
        using var key = RSA.Create(2048);
        byte[] raw = [0x00, 0x14, 0x00, 0x04, 0x00, 0x01, 0x00];
        Assert.False(TpmSignature.Parse(raw).Verify([1], key, out var error));
        Assert.Contains("SHA-256", error);
        Assert.Throws<TpmException>(() => TpmSignature.Parse([0x00, 0x99, 0x00, 0x0B]));
        Assert.Throws<TpmException>(() => TpmSignature.Parse([0x00, 0x14, 0x00, 0x0B, 0x01]));
    }

    [Fact]
    public void PcrSelection_Bitmap()
    {
        Assert.Equal([0xFF, 0xFF, 0xFF], TpmPcrSelection.AllSha256.Bitmap());
        Assert.Equal([0x01, 0x00, 0x80], new TpmPcrSelection([0, 23]).Bitmap());
        Assert.Throws<ArgumentOutOfRangeException>(() => new TpmPcrSelection([24]));
        Assert.Throws<ArgumentException>(() => new TpmPcrSelection([]));
    }

    [Fact]
    public void RuntimeClaims_RoundTripJwk_AndRejectGarbage()
    {
        using var key = RSA.Create(2048);
        string json = "{\"keys\":[" + RuntimeClaims.ToJwk(key) + "],\"user-data\":\"abcd\"}\0\0\0";
        var claims = RuntimeClaims.Parse(System.Text.Encoding.UTF8.GetBytes(json));
        Assert.True(claims.HasAttestationKey);
        Assert.Equal("abcd", claims.UserData);
        using var ak = claims.CreateAttestationKey();
        Assert.Equal(key.ExportParameters(false).Modulus, ak.ExportParameters(false).Modulus);
        Assert.Throws<AttestationException>(() => claims.CreateKey(RuntimeClaims.EkKid));
        Assert.Throws<AttestationException>(() => RuntimeClaims.Parse("not json"u8));
        Assert.Throws<AttestationException>(() => RuntimeClaims.Parse("[1]"u8));
    }

    [Fact]
    public void MissingSwtpm_FailsWithAClearMessage()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Swtpm.RequireTool("swtpm", "/nonexistent"));
        Assert.Contains("'swtpm' not found on PATH", e.Message);
        Assert.Contains("apt-get install swtpm", e.Message);
        Swtpm.RequireTool("swtpm"); // CI and this machine have it
    }
}
