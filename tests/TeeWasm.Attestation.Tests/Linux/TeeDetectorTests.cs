using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Linux;
using TeeWasm.Attestation.Platforms.Nvidia;

namespace TeeWasm.Attestation.Tests.Linux;

public sealed class TeeDetectorTests : IDisposable
{
    private readonly string _root = TestSupport.NewTempDir();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private TeeProbeOptions Probe => TestSupport.NoTeeProbe(_root);

    [Fact]
    public void NothingPresentIsNone() => Assert.Equal(TeeType.None, new TeeDetector(Probe).Detect().Type);

    [Fact]
    public void SevGuestDeviceIsSnp()
    {
        File.WriteAllText(Probe.SevGuestDevice, "");
        var d = new TeeDetector(Probe).Detect();
        Assert.Equal(TeeType.AmdSevSnp, d.Type);
        Assert.True(d.SupportsAttestation);
        Assert.Equal(Probe.SevGuestDevice, d.Source);
    }

    [Fact]
    public void TdxGuestDeviceIsTdx()
    {
        File.WriteAllText(Probe.TdxGuestDevices[0], "");
        Assert.Equal(TeeType.IntelTdx, new TeeDetector(Probe).Detect().Type);
    }

    [Theory]
    [InlineData("sev_guest", TeeType.AmdSevSnp)]
    [InlineData("tdx_guest", TeeType.IntelTdx)]
    public void ConfigFsTsmProviderNamesThePlatform(string provider, TeeType expected)
    {
        string entry = Path.Combine(Probe.TsmReportRoot, "tee-wasm-probe");
        Directory.CreateDirectory(entry);
        File.WriteAllText(Path.Combine(entry, "provider"), provider + "\n");
        Assert.Equal(expected, new TeeDetector(Probe).Detect().Type);
    }

    [Fact]
    public void PlainSevHasNoAttestation()
    {
        Directory.CreateDirectory(Probe.SevFirmwareDirectory);
        var d = new TeeDetector(Probe).Detect();
        Assert.Equal(TeeType.AmdSev, d.Type);
        Assert.False(d.SupportsAttestation);
        Assert.Equal("{\"supports_attestation\":false,\"tee_type\":\"AMD SEV\"}", System.Text.Encoding.UTF8.GetString(d.ToJsonUtf8()));
    }

    [Fact]
    public void AmdSevVmGetsTheOriginalsSevError()
    {
        Directory.CreateDirectory(Probe.SevFirmwareDirectory);
        using var attester = new Attester(new AttesterOptions { Probe = Probe });
        Assert.StartsWith("AMD SEV detected (memory encrypted) but SEV-SNP not available", attester.AttestVm().Error);
    }

    [Fact]
    public void AbsentNvmlMeansNoGpusNotAnError()
    {
        var gpus = NvmlGpuDiscovery.Discover("libnvidia-ml-absent.so.1", out string? reason);
        Assert.Empty(gpus);
        Assert.Contains("not found", reason);
    }
}
