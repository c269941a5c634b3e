using System.Buffers.Binary;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Tests.Platforms.Snp;
using TeeWasm.Attestation.Tests.Platforms.Tdx;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Tests.BadInput;

/// <summary>
/// Issue 6 item 6: every byte of the signed region of one real SEV-SNP report (go-sev-guest attestation.bin, bytes
/// 0x000..0x29F) and of one real TDX quote (go-tdx-guest tdx_prod_quote_SPR_E4.dat, header ‖ TD report body) is
/// flipped, one at a time, and each copy must be rejected for the reason its offset class dictates.
/// </summary>
public class EveryByteFlipTests
{
    private static readonly DateTimeOffset s_time = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly byte[] s_snp = SnpVectors.MilanReport;
    private static readonly X509Certificate2 s_vcek = SnpVectors.MilanVcek;
    private static readonly byte[] s_tdx = TdxTestData.Quote(TdxTestData.SprV4);

    /// <summary>The reason a flip of <paramref name="mask"/> at <paramref name="offset"/> of the v2 Milan report must give.</summary>
    private static SnpFailureReason ExpectedSnp(int offset, byte mask)
    {
        byte flipped = (byte)(s_snp[offset] ^ mask);
        switch (offset)
        {
            case >= 0x000 and <= 0x003:
                // VERSION: 2 ^ 1 = 3 is a supported version, so the report parses and only the signature breaks.
                uint version = BinaryPrimitives.ReadUInt32LittleEndian(s_snp) ^ ((uint)mask << (8 * offset));
                return version is >= 2 and <= 5 ? SnpFailureReason.SignatureInvalid : SnpFailureReason.UnsupportedVersion;
            case >= SnpReport.SignatureAlgorithmOffset and < SnpReport.SignatureAlgorithmOffset + 4:
                return SnpFailureReason.UnsupportedAlgorithm; // SIGNATURE_ALGO checked before the signature
            case SnpReport.FlagsOffset:
                // SIGNING_KEY (bits 4:2) other than 0 (VCEK) is refused before the signature; other flag bits break only it.
                return ((flipped >> 2) & 7) == 0 ? SnpFailureReason.SignatureInvalid : SnpFailureReason.SigningKeyMismatch;
            case >= SnpReport.FlagsOffset + 4 and < SnpReport.ReportDataOffset: // reserved
            case >= SnpReport.CpuidFamilyIdOffset and < SnpReport.ChipIdOffset: // v2: CPUID fields are reserved
            case SnpReport.CurrentBuildOffset + 3: // reserved byte of CURRENT
            case SnpReport.CommittedBuildOffset + 3: // reserved byte of COMMITTED
            case >= SnpReport.LaunchMitVectorOffset and < SnpReport.SignatureOffset: // v2: reserved tail
                return SnpFailureReason.Malformed;
            default:
                return SnpFailureReason.SignatureInvalid;
        }
    }

    [Theory]
    [InlineData(0xFF, false)]
    [InlineData(0x01, false)]
    [InlineData(0x80, true)]
    [InlineData(0xFF, true)]
    public void Every_byte_of_the_SNP_signed_region_flipped_is_rejected_for_its_reason(int mask, bool cacheChain)
    {
        var verifier = new SnpVerifier();
        var options = new SnpVerificationOptions
        {
            Certificates = [s_vcek],
            VerificationTime = s_time,
            ChainCache = cacheChain ? new CertificateChainCache() : null,
        };
        Assert.True(verifier.Verify(s_snp, options).IsValid);
        var wrong = new List<string>();
        var counts = new Dictionary<SnpFailureReason, int>();
        byte[] copy = (byte[])s_snp.Clone();
        for (int offset = 0; offset < SnpReport.SignedLength; offset++)
        {
            copy[offset] ^= (byte)mask;
            SnpVerificationResult r = verifier.Verify(copy, options);
            copy[offset] ^= (byte)mask;
            SnpFailureReason expected = ExpectedSnp(offset, (byte)mask);
            counts[r.Reason] = counts.GetValueOrDefault(r.Reason) + 1;
            if (r.IsValid || r.Reason != expected)
            {
                wrong.Add($"0x{offset:X3}: expected {expected}, got {r.Reason} ({r.Message})");
            }
            else if (expected == SnpFailureReason.SignatureInvalid)
            {
                Assert.Contains("report signature does not verify with the VCEK key", r.Message, StringComparison.Ordinal);
            }
            else if (expected == SnpFailureReason.Malformed)
            {
                Assert.Contains($"non-zero reserved byte at offset 0x{offset:X3}", r.Message, StringComparison.Ordinal);
            }
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        Assert.Equal(SnpReport.SignedLength, counts.Values.Sum());
        Assert.True(counts[SnpFailureReason.SignatureInvalid] > 400, "most flips must reach the signature check");
        Assert.Equal(s_snp, copy);
        if (cacheChain)
        {
            Assert.True(options.ChainCache!.Hits > 400, $"{options.ChainCache.Hits} cache hits");
        }
    }

    /// <summary>The reason a flip at <paramref name="offset"/> of the v4 quote's header ‖ body must give.</summary>
    private static TdxFailureReason ExpectedTdx(int offset) => offset switch
    {
        < 6 => TdxFailureReason.MalformedQuote, // version (4), attestation key type (2), TEE type low bytes (0x81)
        < 8 => TdxFailureReason.MalformedQuote, // TEE type high bytes
        _ => TdxFailureReason.QuoteSignatureInvalid, // QE/PCE SVN, QE vendor id, user data, the whole TD report
    };

    [Theory]
    [InlineData(0xFF, false)]
    [InlineData(0x01, true)]
    public void Every_byte_of_the_TDX_header_and_body_flipped_is_rejected_for_its_reason(int mask, bool cacheChain)
    {
        var options = new TdxVerificationOptions
        {
            VerificationTime = TdxTestData.Feb2026,
            ChainCache = cacheChain ? new CertificateChainCache() : null,
        };
        TdxVerificationResult good = TdxQuoteVerifier.Verify(s_tdx, options);
        Assert.True(good.IsValid, good.ToString());
        int signedLength = good.Quote!.SignedData.Length;
        Assert.Equal(48 + 584, signedLength);
        var wrong = new List<string>();
        byte[] copy = (byte[])s_tdx.Clone();
        for (int offset = 0; offset < signedLength; offset++)
        {
            copy[offset] ^= (byte)mask;
            TdxVerificationResult r = TdxQuoteVerifier.Verify(copy, options);
            copy[offset] ^= (byte)mask;
            TdxFailureReason expected = ExpectedTdx(offset);
            if (r.IsValid || r.Reason != expected)
            {
                wrong.Add($"0x{offset:X3}: expected {expected}, got {r.Reason} ({r.Message})");
            }
            else if (expected == TdxFailureReason.QuoteSignatureInvalid)
            {
                // The ECDSA P-256 attestation-key signature is what fails: the PCK chain is never reached.
                Assert.Null(r.Pck);
                Assert.Contains("does not verify with the attestation key", r.Message, StringComparison.Ordinal);
            }
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        Assert.Equal(s_tdx, copy);
    }
}
