namespace TeeWasm.Attestation;

/// <summary>Picks the built-in evidence source for a detected platform.</summary>
internal static class EvidenceSources
{
    public static IVmEvidenceSource? ForVm(TeeDetection detection, AttesterOptions options) => null;

    public static IGpuEvidenceSource? ForGpus(AttesterOptions options) => Nvidia.NvidiaGpuEvidenceSource.TryCreate(options);
}
