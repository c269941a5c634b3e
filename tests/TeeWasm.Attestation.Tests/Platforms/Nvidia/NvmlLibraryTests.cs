using TeeWasm.Attestation.Platforms.Nvidia;

namespace TeeWasm.Attestation.Tests.Platforms.Nvidia;

[Collection(FakeNvmlCollection.Name)]
public class NvmlLibraryTests(FakeNvmlFixture fake)
{
    private static readonly byte[] s_nonce = NvidiaVectors.Nonce(NvidiaVectors.HopperNonce);

    [Fact]
    public void CollectsEvidence_ThroughRealPInvoke()
    {
        string nonceOut = fake.TempFile("nonce.txt");
        fake.ServeHopper(extra: [("FAKE_NVML_NONCE_OUT", nonceOut), ("FAKE_NVML_DRIVER", "550.90.07")]);
        using var nvml = NvmlLibrary.Open(fake.LibraryPath);
        Assert.Equal(1, nvml.GetDeviceCount());
        NvmlGpuEvidence evidence = nvml.CollectEvidence(0, s_nonce);

        Assert.Equal(NvidiaVectors.HopperNonce, File.ReadAllText(nonceOut)); // our nonce reached the struct's nonce[32]
        Assert.Equal("550.90.07", evidence.DriverVersion);
        Assert.Equal("NVIDIA H100 80GB HBM3", evidence.Name);
        Assert.StartsWith("GPU-fa4e0000", evidence.Uuid);
        Assert.Equal("96.00.9F.00.01", evidence.VbiosVersion);
        Assert.True(evidence.ConfCompute.Enabled);
        Assert.Equal("prod", evidence.ConfCompute.EnvironmentName);
        Assert.Equal("on", evidence.ConfCompute.ModeName);
        Assert.Equal(0u, evidence.ConfCompute.MultiGpuMode); // nvmlSystemGetConfComputeSettings v1 accepted our struct version
        Assert.Equal(4117, evidence.Report.Length);
        Assert.Equal(5, NvidiaCertificateChain.ParsePem(evidence.CertificateChainPem).Count);

        new GpuReportVerifier().Verify(GpuAttestationReport.Parse(evidence.Report), evidence.CertificateChainPem, s_nonce);
    }

    [Fact]
    public void MultipleGpus_AndDevtoolsMode()
    {
        fake.ServeHopper(gpus: 4, extra: [("FAKE_NVML_DEVTOOLS", "1")]);
        using var nvml = NvmlLibrary.Open(fake.LibraryPath);
        Assert.Equal(4, nvml.GetDeviceCount());
        Assert.EndsWith("000000000003", nvml.GetUuid(3));
        var cc = nvml.GetConfComputeState();
        Assert.Equal("devtools", cc.ModeName);
        Assert.Equal(1u, cc.MultiGpuMode);
        var e = Assert.Throws<NvidiaAttestationException>(() => nvml.CollectEvidence(4, s_nonce));
        Assert.Equal(NvidiaFailureReason.GpuIndexOutOfRange, e.Reason);
        Assert.Contains("4 GPU(s)", e.Message);
    }

    [Fact]
    public void MissingLibrary_IsAClearError()
    {
        var e = Assert.Throws<NvidiaAttestationException>(() => NvmlLibrary.Open("/nonexistent/libnvidia-ml.so.1"));
        Assert.Equal(NvidiaFailureReason.Nvml, e.Reason);
        Assert.Contains("could not be loaded", e.Message);
        Assert.False(NvmlLibrary.TryOpen("/nonexistent/libnvidia-ml.so.1", out _, out string? reason));
        Assert.NotNull(reason);
    }

    [Theory]
    [InlineData("init", null, "nvmlInit_v2 failed: NVML_ERROR_LIB_RM_VERSION_MISMATCH (18)", NvidiaFailureReason.Nvml)]
    [InlineData("init", "9", "nvmlInit_v2 failed: NVML_ERROR_DRIVER_NOT_LOADED (9)", NvidiaFailureReason.Nvml)]
    [InlineData("count", null, "nvmlDeviceGetCount_v2 failed: NVML_ERROR_GPU_IS_LOST (15)", NvidiaFailureReason.Nvml)]
    [InlineData("handle", null, "nvmlDeviceGetHandleByIndex_v2 (GPU 0) failed: NVML_ERROR_GPU_IS_LOST (15)", NvidiaFailureReason.Nvml)]
    [InlineData("cc_state", null, "nvmlSystemGetConfComputeState failed: NVML_ERROR_NOT_SUPPORTED (3)", NvidiaFailureReason.ConfidentialComputingOff)]
    [InlineData("cc_off", null, "confidential computing is off", NvidiaFailureReason.ConfidentialComputingOff)]
    [InlineData("report", null, "nvmlDeviceGetConfComputeGpuAttestationReport (GPU 0) failed: NVML_ERROR_NO_PERMISSION (4)", NvidiaFailureReason.Nvml)]
    [InlineData("report", "1", "nvmlDeviceGetConfComputeGpuAttestationReport (GPU 0) failed: NVML_ERROR_UNINITIALIZED (1)", NvidiaFailureReason.Nvml)]
    [InlineData("cert", null, "nvmlDeviceGetConfComputeGpuCertificate (GPU 0) failed: NVML_ERROR_NOT_FOUND (6)", NvidiaFailureReason.Nvml)]
    public void EachNvmlFailure_IsNamed(string mode, string? code, string message, NvidiaFailureReason reason)
    {
        fake.ServeHopper(extra: [("FAKE_NVML_FAIL", mode), ("FAKE_NVML_FAIL_CODE", code)]);
        var e = Assert.Throws<NvidiaAttestationException>(() =>
        {
            using var nvml = NvmlLibrary.Open(fake.LibraryPath);
            nvml.CollectEvidence(0, s_nonce);
        });
        Assert.Equal(reason, e.Reason);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void MissingReportFile_IsNotFound()
    {
        fake.Configure(("FAKE_NVML_REPORT", "/nonexistent"), ("FAKE_NVML_CERTS", NvidiaVectors.Path("hopper_cert_chain_case1.txt")));
        using var nvml = NvmlLibrary.Open(fake.LibraryPath);
        var e = Assert.Throws<NvidiaAttestationException>(() => nvml.GetAttestationReport(0, s_nonce));
        Assert.Contains("NVML_ERROR_NOT_FOUND (6)", e.Message);
        Assert.Throws<ArgumentException>(() => nvml.GetAttestationReport(0, new byte[31]));
    }
}
