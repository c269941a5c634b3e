using System.Security.Cryptography;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Tests.Evidence;

/// <summary>
/// Known-answer vectors for TeeWasm's report_data = SHA-512(module SHA-256 ‖ host key (65-byte SEC1 point) ‖ nonce),
/// computed outside the project (the tests used to check <see cref="ReportDataBinding.Compute"/> only against itself):
/// <code>
/// python3 -c 'import hashlib; m = hashlib.sha256(b"guest").digest(); k = bytes([4]) + bytes(range(1, 65))
/// for n in [b"", bytes([0xde, 0xad]), bytes(range(64))]: print(n.hex(), hashlib.sha512(m + k + n).hexdigest())'
/// python3 -c 'import hashlib; print(hashlib.sha512(bytes(32) + bytes(65)).hexdigest())'
/// </code>
/// and the second vector again with OpenSSL 3.0:
/// <code>
/// ( printf guest | openssl dgst -sha256 -binary; printf '\x04'; python3 -c "import sys; sys.stdout.buffer.write(bytes(range(1, 65)))";
///   printf '\xde\xad' ) | openssl dgst -sha512 -r
/// </code>
/// (SHA-256 of "guest" is 84983c60f7daadc1cb8698621f802c0d9f9a3c3c295c810748fb048115c186ec: <c>printf guest | openssl dgst -sha256</c>.)
/// </summary>
public sealed class ReportDataBindingVectorTests
{
    private static readonly byte[] s_module = Convert.FromHexString("84983c60f7daadc1cb8698621f802c0d9f9a3c3c295c810748fb048115c186ec");
    private static readonly byte[] s_key = [0x04, .. Enumerable.Range(1, 64).Select(i => (byte)i)];

    public static TheoryData<string, string> Vectors => new()
    {
        { "", "9ec060058b9231e9cd28cf32862e237ad9a21dd315533c9d06841235f71884feffed123cd0ac3c96159b48e657534140e078fdab2fee26020e49468338645ce4" },
        { "dead", "8c47ee2ef45c279f049d4843e26a232d2c8889711c7317531ecc99cc1bddc536608a8019ce7e54350250ad0bcf354123a8a525a32e843f3cd03b53510ff6f536" },
        { "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",
          "ec93578213ff7135569ba0dc6f5c9fd662e2f9c06611ced32c908ed30d1d90bdb3ca0f915ee88e06412d70d8499a063c6e0ef2c50c4ae0598840e5fdb185f69c" },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void The_binding_matches_the_vector(string nonceHex, string expectedHex)
    {
        byte[] nonce = Convert.FromHexString(nonceHex);
        byte[] expected = Convert.FromHexString(expectedHex);
        Assert.Equal(expected, ReportDataBinding.Compute(s_module, s_key, nonce));
        Assert.Equal(expected, VmBinding.TeeWasm(s_module, s_key, nonce).ReportData);
        Assert.True(ReportDataBinding.Matches(expected, s_module, s_key, nonce));
        expected[^1] ^= 1;
        Assert.False(ReportDataBinding.Matches(expected, s_module, s_key, nonce));
    }

    [Fact]
    public void The_module_hash_in_the_vectors_is_sha256_of_guest() =>
        Assert.Equal(s_module, SHA256.HashData("guest"u8));

    [Fact]
    public void All_zero_inputs_match_the_vector() =>
        Assert.Equal(
            "3c01530d43156962f4a2305472eb5dc77464ae3bd88f932a2f55e72355c4c1db1df050c94951a1375ed6f69bbc4102ef6ea45574f4ca293123685564a1334596",
            Convert.ToHexStringLower(ReportDataBinding.Compute(new byte[32], new byte[65], [])));
}
