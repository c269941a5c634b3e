using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Snp;

namespace TeeWasm.Attestation.Tests.Platforms.Snp;

public class SnpReportTests
{
    [Fact]
    public void ParsesMilanVector()
    {
        SnpReport r = SnpReport.Parse(SnpVectors.MilanReport);
        Assert.Equal(2u, r.Version);
        Assert.Equal(0u, r.GuestSvn);
        Assert.Equal(0xb0000UL, r.Policy);
        Assert.True(r.SmtAllowed);
        // 0xb0000 = bits 16 (SMT), 17 (reserved, one), 19 (DEBUG): per the ABI spec this guest allows debugging,
        // although vectors/README says "debug off"; bit 18 (MIGRATE_MA) is clear.
        Assert.True(r.DebugAllowed);
        Assert.False(r.MigrationAgentAllowed);
        Assert.False(r.SingleSocketRequired);
        Assert.Equal(0u, r.Vmpl);
        Assert.Equal(1u, r.SignatureAlgorithm);
        Assert.Equal(SnpSigningKey.Vcek, r.SigningKey);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, r.ReportData[..5]);
        Assert.All(r.ReportData[5..], b => Assert.Equal(0, b));
        Assert.Equal("b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01", Convert.ToHexStringLower(r.Measurement));
        Assert.Equal(0x4405000000000002UL, r.ReportedTcb.Raw);
        Assert.Equal(2, r.ReportedTcb.Bootloader);
        Assert.Equal(0, r.ReportedTcb.Tee);
        Assert.Equal(5, r.ReportedTcb.Snp);
        Assert.Equal(0x44, r.ReportedTcb.Microcode);
    }

    [Fact]
    public void ParsesAwsVlekVersion3()
    {
        SnpReport r = SnpReport.Parse(SnpVectors.AwsVlekReport);
        Assert.Equal(3u, r.Version);
        Assert.Equal(0x19, r.CpuidFamilyId);
        Assert.Equal(0x01, r.CpuidModelId);
        Assert.Equal(SnpProduct.Milan, r.Product);
        Assert.Equal(SnpSigningKey.Vlek, r.SigningKey);
        Assert.Equal(0x30000UL, r.Policy);
        Assert.Equal(0x27UL, r.PlatformInfo);
        Assert.All(r.ChipId, b => Assert.Equal(0, b));
        Assert.Equal(0xd918000000000004UL, r.ReportedTcb.Raw);
        Assert.Equal((4, 0, 24, 217), (r.ReportedTcb.Bootloader, r.ReportedTcb.Tee, r.ReportedTcb.Snp, r.ReportedTcb.Microcode));
        Assert.Equal("5a5cdbad8f540ce4abca0120faec86f62ef7128a4ac711add34d468b5957c82aa2f24e8f111dadc3689b787b88ed0715", Convert.ToHexStringLower(r.Measurement));
    }

    [Fact]
    public void ParsesAzureReportIgnoringIgvmHeader()
    {
        byte[] data = SnpVectors.AzureReportWithIgvmHeader;
        Assert.Equal(1204, data.Length);
        SnpReport r = SnpReport.Parse(data);
        Assert.Equal(2u, r.Version);
        Assert.Equal(0x3001fUL, r.Policy);
        Assert.Equal(2u, r.GuestSvn);
        Assert.Equal(0x5d06000000000002UL, r.ReportedTcb.Raw);
        Assert.Equal((2, 6, 93), (r.ReportedTcb.Bootloader, r.ReportedTcb.Snp, r.ReportedTcb.Microcode));
        Assert.Equal("57e229e0ffe5fa92d0faddff6cae0e61c926fc9ef9afd20a8b8cfcf7129db9338cbe5bf3f6987733a2bf65d06dc38fc1", Convert.ToHexStringLower(r.IdKeyDigest));
        Assert.StartsWith("9e44aaef02cf", Convert.ToHexStringLower(r.ChipId));
    }

    public static TheoryData<string> RealReports => new() { "milan", "aws", "badsig", "azure" };

    private static byte[] Get(string name) => name switch
    {
        "milan" => SnpVectors.MilanReport,
        "aws" => SnpVectors.AwsVlekReport,
        "badsig" => SnpVectors.BadSigVlekReport,
        _ => SnpVectors.AzureReportWithIgvmHeader[..SnpReport.Size],
    };

    [Theory]
    [MemberData(nameof(RealReports))]
    public void RoundTripIsByteIdentical(string name)
    {
        byte[] original = Get(name);
        Assert.Equal(original, SnpReport.Parse(original).ToArray());
    }

    [Fact]
    public void TruncatedInputIsAClearMalformedError()
    {
        byte[] data = SnpVectors.MilanReport[..1000];
        var ex = Assert.Throws<SnpException>(() => SnpReport.Parse(data));
        Assert.Contains("1000 bytes", ex.Message);
        Assert.IsAssignableFrom<AttestationException>(ex);
        Assert.False(SnpReport.TryParse(data, out SnpReport? report));
        Assert.Null(report);
        Assert.False(SnpReport.TryParse(ReadOnlySpan<byte>.Empty, out _));
    }

    [Theory]
    [InlineData(1u)]
    [InlineData(6u)]
    public void RejectsUnsupportedVersion(uint version)
    {
        byte[] data = SnpVectors.MilanReport;
        data[0] = (byte)version;
        var ex = Assert.Throws<SnpException>(() => SnpReport.Parse(data));
        Assert.Contains("version " + version, ex.Message);
    }

    [Theory]
    [InlineData(0x04C)]
    [InlineData(0x188)] // CPUID family is reserved in version 2
    [InlineData(0x1EB)]
    [InlineData(0x1F8)] // mitigation vector is reserved before version 5
    [InlineData(0x29F)]
    [InlineData(0x330)]
    [InlineData(0x49F)]
    public void RejectsNonZeroReserved(int offset)
    {
        byte[] data = SnpVectors.MilanReport;
        data[offset] = 1;
        var ex = Assert.Throws<SnpException>(() => SnpReport.Parse(data));
        Assert.Contains($"0x{offset:X3}", ex.Message);
    }

    [Fact]
    public void Version5MitigationVectorsRoundTrip()
    {
        var built = new SnpReport
        {
            Version = 5,
            CpuidFamilyId = 0x1A,
            CpuidModelId = 0x02,
            ReportedTcb = SnpTcb.CreateTurin(1, 2, 3, 4, 5),
            LaunchMitVector = 0x1122334455667788,
            CurrentMitVector = 0x0102030405060708,
            Measurement = Enumerable.Range(0, 48).Select(i => (byte)i).ToArray(),
        };
        byte[] bytes = built.ToArray();
        Assert.Equal(SnpReport.Size, bytes.Length);
        Assert.Equal(0x88, bytes[SnpReport.LaunchMitVectorOffset]);
        Assert.Equal(0x08, bytes[SnpReport.CurrentMitVectorOffset]);
        SnpReport parsed = SnpReport.Parse(bytes);
        Assert.Equal(SnpProduct.Turin, parsed.Product);
        Assert.Equal(SnpTcbLayout.Turin, parsed.ReportedTcb.Layout);
        Assert.Equal((1, 2, 3, 4, 5), (parsed.ReportedTcb.Fmc, parsed.ReportedTcb.Bootloader, parsed.ReportedTcb.Tee, parsed.ReportedTcb.Snp, parsed.ReportedTcb.Microcode));
        Assert.Equal(0x1122334455667788UL, parsed.LaunchMitVector);
        Assert.Equal(0x0102030405060708UL, parsed.CurrentMitVector);
        Assert.Equal(bytes, parsed.ToArray());
    }

    [Fact]
    public void TcbLayouts()
    {
        SnpTcb milan = SnpTcb.Create(2, 0, 5, 0x44);
        Assert.Equal(0x4405000000000002UL, milan.Raw);
        SnpTcb turin = SnpTcb.CreateTurin(fmc: 1, bootloader: 2, tee: 3, snp: 4, microcode: 5);
        Assert.Equal(0x0500000004030201UL, turin.Raw);
        Assert.Equal(0, milan.Fmc);
    }

    [Fact]
    public void WrongFieldLengthIsRejectedOnWrite()
    {
        var r = new SnpReport { ReportData = new byte[10] };
        Assert.Throws<SnpException>(() => r.ToArray());
    }
}
