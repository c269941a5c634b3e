using TeeWasm.Attestation.Linux;

namespace TeeWasm.Attestation.Tests;

/// <summary>A clock tests can move.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}

internal static class TestSupport
{
    /// <summary>One simulator directory per test run machine (keys are made once: RSA-4096 takes seconds).</summary>
    public static string SimulatorDirectory { get; } = Path.Combine(Path.GetTempPath(), "teewasm-tests-simulator");

    /// <summary>Probe paths that all point into an empty directory: a machine with no TEE.</summary>
    public static TeeProbeOptions NoTeeProbe(string emptyDir) => new()
    {
        TsmReportRoot = Path.Combine(emptyDir, "tsm"),
        SevGuestDevice = Path.Combine(emptyDir, "sev-guest"),
        TdxGuestDevices = [Path.Combine(emptyDir, "tdx_guest")],
        SevFirmwareDirectory = Path.Combine(emptyDir, "sev"),
        TpmDevice = Path.Combine(emptyDir, "tpmrm0"),
        NvmlLibrary = "libnvidia-ml-absent.so.1",
    };

    public static AttesterOptions Simulate(TimeProvider? time = null) => new()
    {
        Mode = AttestationMode.Simulate,
        SimulatorDirectory = SimulatorDirectory,
        SimulatedGpuCount = 2,
        Time = time ?? TimeProvider.System,
    };

    public static string NewTempDir()
    {
        string d = Path.Combine(Path.GetTempPath(), "teewasm-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(d);
        return d;
    }
}
