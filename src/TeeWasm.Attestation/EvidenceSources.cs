using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Linux;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Platforms.Nvidia;
using TeeWasm.Attestation.Platforms.Simulator;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;

namespace TeeWasm.Attestation;

/// <summary>Picks the built-in evidence source for a detected platform and mode.</summary>
internal static class EvidenceSources
{
    /// <summary>The simulator material for <paramref name="options"/>, loaded (or made) once, on first use.</summary>
    public static Lazy<SimulatorAuthority> Simulator(AttesterOptions options) =>
        new(() => SimulatorAuthority.LoadOrCreate(options.SimulatorDirectory), LazyThreadSafetyMode.ExecutionAndPublication);

    public static IVmEvidenceSource? ForVm(TeeDetection detection, AttesterOptions options, Lazy<SimulatorAuthority> simulator)
    {
        if (options.Mode == AttestationMode.Simulate)
            return new SimulatedSnpEvidenceSource(simulator.Value, options.Time);
        if (detection.Source?.StartsWith("vTPM", StringComparison.Ordinal) == true)
            return AzureVtpmEvidenceSource.Create(detection, options);
        return detection.Type switch
        {
            TeeType.AmdSevSnp => new SnpVmEvidenceSource(
                new SnpEvidenceSource(new SnpEvidenceSourceOptions
                {
                    ConfigFsTsmPath = options.Probe.TsmReportRoot,
                    SevGuestDevicePath = options.Probe.SevGuestDevice,
                }),
                options.VmCertificateFiles.SelectMany(f => SnpCertificateLoader.LoadFile(f)).ToArray(),
                time: options.Time),
            TeeType.IntelTdx => new TdxVmEvidenceSource(
                new TdxEvidenceSource(new TdxEvidenceSourceOptions { ConfigFsTsmRoot = options.Probe.TsmReportRoot }),
                options.TdxCollateralDirectory is { } dir ? TdxCollateral.LoadDirectory(dir) : null,
                options.Time),
            _ => null,
        };
    }

    public static IGpuEvidenceSource? ForGpus(AttesterOptions options, Lazy<SimulatorAuthority> simulator) =>
        options.Mode == AttestationMode.Simulate
            ? new SimulatedGpuEvidenceSource(simulator.Value, options.SimulatedGpuCount, options.Time)
            : NvidiaGpuEvidenceSource.TryCreate(options);
}
