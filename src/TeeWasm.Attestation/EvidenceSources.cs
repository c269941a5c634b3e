using TeeWasm.Attestation.Simulator;
using TeeWasm.Attestation.Snp;
using TeeWasm.Attestation.Tdx;

namespace TeeWasm.Attestation;

/// <summary>Picks the built-in evidence source for a detected platform and mode.</summary>
internal static class EvidenceSources
{
    public static IVmEvidenceSource? ForVm(TeeDetection detection, AttesterOptions options)
    {
        if (options.Mode == AttestationMode.Simulate)
            return new SimulatedSnpEvidenceSource(SimulatorAuthority.LoadOrCreate(options.SimulatorDirectory), options.Time);
        if (detection.Source?.StartsWith("vTPM", StringComparison.Ordinal) == true)
            return AzureVtpm.AzureVtpmEvidenceSource.Create(detection, options);
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

    public static IGpuEvidenceSource? ForGpus(AttesterOptions options) =>
        options.Mode == AttestationMode.Simulate
            ? new SimulatedGpuEvidenceSource(SimulatorAuthority.LoadOrCreate(options.SimulatorDirectory), options.SimulatedGpuCount, options.Time)
            : Nvidia.NvidiaGpuEvidenceSource.TryCreate(options);
}
