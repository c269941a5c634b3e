using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Nvidia;
using TeeWasm.Attestation.Platforms.Simulator;
using TeeWasm.Attestation.Platforms.Snp;

namespace TeeWasm.Attestation.Tests.Platforms.Simulator;

public sealed class SimulatorTests : IDisposable
{
    private readonly SimulatorAuthority _sim = SimulatorAuthority.LoadOrCreate(TestSupport.SimulatorDirectory);
    private static readonly byte[] s_nonce = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    public void Dispose() => _sim.Dispose();

    [Fact]
    public void AuthorityIsMadeOnceAndReloaded()
    {
        using var again = SimulatorAuthority.LoadOrCreate(TestSupport.SimulatorDirectory);
        Assert.Equal(_sim.Ark.Thumbprint, again.Ark.Thumbprint);
        Assert.Equal(_sim.ChipId, again.ChipId);
        Assert.Contains("TeeWasm Simulator", _sim.Ark.Subject);
    }

    [Fact]
    public void UnusableDirectoryIsAClearError()
    {
        string file = Path.Combine(TestSupport.NewTempDir(), "file");
        File.WriteAllText(file, "");
        var e = Assert.Throws<AttestationException>(() => SimulatorAuthority.LoadOrCreate(Path.Combine(file, "sim")));
        Assert.StartsWith("simulator key material in", e.Message);
    }

    [Fact]
    public void SnpReportIsByteExactAndVerifiesOnlyAgainstTheSimulatorRoot()
    {
        byte[] reportData = Enumerable.Repeat((byte)0xab, 64).ToArray();
        byte[] report = new SimulatedSnpEvidenceSource(_sim).CreateReport(reportData);
        Assert.Equal(SnpReport.Size, report.Length);
        Assert.Equal(report, SnpReport.Parse(report).ToArray());

        var ok = new SnpVerifier().Verify(report, new SnpVerificationOptions { Certificates = [_sim.Vcek, _sim.Ask], TrustedRoots = [_sim.Ark], ExpectedReportData = reportData });
        Assert.True(ok.IsValid, ok.Message);
        Assert.Equal(SnpProduct.Milan, ok.Product);

        var amd = new SnpVerifier().Verify(report, new SnpVerificationOptions { Certificates = [_sim.Vcek, _sim.Ask] });
        Assert.Equal(SnpFailureReason.WrongRoot, amd.Reason);

        report[0x50] ^= 1; // report_data
        var flipped = new SnpVerifier().Verify(report, new SnpVerificationOptions { Certificates = [_sim.Vcek, _sim.Ask], TrustedRoots = [_sim.Ark] });
        Assert.Equal(SnpFailureReason.SignatureInvalid, flipped.Reason);
    }

    [Fact]
    public void GpuReportIsNvidiaFormatAndRoundTripsThroughTheNvidiaVerifier()
    {
        var source = new SimulatedGpuEvidenceSource(_sim, gpuCount: 2);
        var report = GpuAttestationReport.Parse(source.CreateReport(1, s_nonce));
        Assert.Equal(s_nonce, report.RequestNonce.ToArray());
        Assert.Equal(SimulatedGpuEvidenceSource.MeasurementBlocks, report.Blocks.Count);
        Assert.Equal(SimulatedGpuEvidenceSource.MeasurementOf(1, 3), report.GetBlock(3)!.Value.ToArray());
        Assert.Equal(SimulatedGpuEvidenceSource.DriverVersion, report.OpaqueData.DriverVersion);
        Assert.Equal("96.00.9f.00.01", report.OpaqueData.VbiosVersion);

        var verdict = new GpuReportVerifier(root: _sim.GpuRoot).Verify(report, [_sim.GpuDevice, _sim.GpuRoot], s_nonce);
        Assert.Equal(_sim.GpuDevice.Thumbprint, verdict.Leaf.Thumbprint);
    }

    [Fact]
    public void GpuReportIsRejectedByNvidiasRootWrongNonceAndFlippedByte()
    {
        var source = new SimulatedGpuEvidenceSource(_sim, gpuCount: 1);
        byte[] bytes = source.CreateReport(0, s_nonce);

        var nvidiaRoot = Assert.Throws<NvidiaAttestationException>(() =>
            new GpuReportVerifier().Verify(GpuAttestationReport.Parse(bytes), [_sim.GpuDevice, _sim.GpuRoot], s_nonce));
        Assert.Equal(NvidiaFailureReason.CertificateChain, nvidiaRoot.Reason);

        byte[] otherNonce = new byte[32];
        var nonce = Assert.Throws<NvidiaAttestationException>(() =>
            new GpuReportVerifier(root: _sim.GpuRoot).Verify(GpuAttestationReport.Parse(bytes), [_sim.GpuDevice, _sim.GpuRoot], otherNonce));
        Assert.Equal(NvidiaFailureReason.NonceMismatch, nonce.Reason);

        bytes[60] ^= 1; // inside a measurement block
        var flipped = Assert.Throws<NvidiaAttestationException>(() =>
            new GpuReportVerifier(root: _sim.GpuRoot).Verify(GpuAttestationReport.Parse(bytes), [_sim.GpuDevice, _sim.GpuRoot], s_nonce));
        Assert.Equal(NvidiaFailureReason.ReportSignature, flipped.Reason);
    }
}
