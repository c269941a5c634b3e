using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation.Tests.Platforms.Snp;

/// <summary>Issue 18 item 7: the product comes from the report (CPUID of version 3+ reports); a VCEK for another product is named.</summary>
public sealed class SnpProductTests
{
    private static readonly byte[] s_chip = Enumerable.Range(7, 64).Select(i => (byte)i).ToArray();
    private static readonly SnpTcb s_tcb = SnpTcb.Create(3, 0, 8, 0x73);

    private static Appraisal Verify(string vcekProduct, byte family, byte model)
    {
        using var pki = new TestSnpPki(s_tcb, s_chip, vcekProduct);
        byte[] report = pki.Sign(new SnpReport { Version = 3, CpuidFamilyId = family, CpuidModelId = model, ReportedTcb = s_tcb, ChipId = s_chip });
        return new SnpEvidenceVerifier(new SnpVerifierOptions { Certificates = [pki.Vcek, pki.Ask], TrustedRoots = [pki.Ark] })
            .Verify(new SnpEvidence { Report = report }, new VerificationContext { Time = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero) });
    }

    [Fact]
    public void MilanReport_WithATurinVcek_IsRejected_NamingBoth()
    {
        Appraisal a = Verify("Turin-B0", 0x19, 0x01);
        Assert.False(a.EvidenceValid);
        Assert.Equal("ProductMismatch", a.VerdictReason);
        Assert.Equal("the report comes from a Milan CPU (CPUID family 0x19 model 0x01) but the VCEK is for 'Turin-B0'", a.Message);
        Assert.Equal("Milan (report CPUID family 0x19 model 0x01)", a.Fields.Single(f => f.Key == "product").Value);
    }

    [Fact]
    public void MilanReport_WithAMilanVcek_Verifies()
    {
        Appraisal a = Verify("Milan-B0", 0x19, 0x01);
        Assert.True(a.EvidenceValid, a.Message);
        Assert.Equal("Milan (report CPUID family 0x19 model 0x01)", a.Fields.Single(f => f.Key == "product").Value);
    }
}
