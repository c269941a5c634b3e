using TeeWasm.Attestation.Platforms.Nvidia;

namespace TeeWasm.Attestation.Tests.Platforms.Nvidia;

public class NvidiaEvidenceListTests
{
    [Fact]
    public void FourGpuEvidence_ParsesVerifiesAndRoundTrips()
    {
        var items = NvidiaEvidenceList.Parse(NvidiaVectors.Text("sdk-evidence-4gpu-hopper-590.json"));
        Assert.Equal(4, items.Count);
        Assert.All(items, i => Assert.Equal("HOPPER", i.Arch));
        Assert.Equal(4, items.Select(i => NvidiaCertificateChain.ParsePem(i.CertificateChainPem)[0].Thumbprint).Distinct().Count());
        var results = NvidiaEvidenceList.VerifyAll(items, new GpuReportVerifier(), items[0].Nonce);
        Assert.All(results, r => Assert.Equal("590.12", r.Report.OpaqueData.DriverVersion));

        var again = NvidiaEvidenceList.Parse(NvidiaEvidenceList.ToJson(items));
        Assert.Equal(items.Select(i => i.Report), again.Select(i => i.Report));
        Assert.Equal(items.Select(i => i.CertificateChainPem), again.Select(i => i.CertificateChainPem));
    }

    [Fact]
    public void WrongNonce_NamesTheItem()
    {
        var items = NvidiaEvidenceList.Parse(NvidiaVectors.Text("sdk-evidence-4gpu-hopper-590.json"));
        var e = Assert.Throws<NvidiaAttestationException>(() => NvidiaEvidenceList.VerifyAll(items, new GpuReportVerifier(), new byte[32]));
        Assert.Equal(NvidiaFailureReason.NonceMismatch, e.Reason);
        Assert.StartsWith("GPU evidence 0:", e.Message);
    }

    [Fact]
    public void Garbage_IsMalformed()
    {
        var e = Assert.Throws<NvidiaAttestationException>(() => NvidiaEvidenceList.Parse("[{\"evidence\": 5}]"));
        Assert.Equal(NvidiaFailureReason.Malformed, e.Reason);
    }
}
