namespace TeeWasm.Attestation;

/// <summary>Picks the built-in evidence source for a detected platform.</summary>
internal static class EvidenceSources
{
    public static IVmEvidenceSource? ForVm(TeeDetection detection, AttesterOptions options) =>
        detection.Source?.StartsWith("vTPM", StringComparison.Ordinal) == true ? AzureVtpm.AzureVtpmEvidenceSource.Create(detection, options) : null;

    public static IGpuEvidenceSource? ForGpus(AttesterOptions options) => null;
}
