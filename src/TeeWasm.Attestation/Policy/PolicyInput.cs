using TeeWasm.Attestation.Platforms.Nvidia;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;

namespace TeeWasm.Attestation.Policy;

/// <summary>Verified evidence, as the policy sees it. Build it only from evidence that passed verification.</summary>
public sealed record PolicyInput
{
    /// <summary>"AMD SEV-SNP", "Intel TDX" or "NVIDIA GPU".</summary>
    public required string Platform { get; init; }

    /// <summary>True for simulator evidence.</summary>
    public bool Simulated { get; init; }

    /// <summary>The SNP report, for SNP evidence.</summary>
    public SnpReport? Snp { get; init; }

    /// <summary>The TD report body, for TDX evidence.</summary>
    public TdReportBody? Tdx { get; init; }

    /// <summary>The TDX TCB status from Intel's collateral; null when it was not evaluated (no collateral given).</summary>
    public TcbStatus? TdxTcbStatus { get; init; }

    /// <summary>The verified SPDM measurement report, for NVIDIA GPU evidence.</summary>
    public GpuAttestationReport? Gpu { get; init; }

    /// <summary>The GPU's confidential-computing mode as its evidence states it ("on", "off", "devtools"); null when unknown.</summary>
    public string? GpuCcMode { get; init; }

    /// <summary>True when report_data was checked against the expected binding; false when it did not match; null when unchecked.</summary>
    public bool? ReportDataBound { get; init; }

    /// <summary>When the evidence was produced (or collected); null when unknown.</summary>
    public DateTimeOffset? EvidenceTime { get; init; }

    /// <summary>Input from a verified SNP report.</summary>
    public static PolicyInput FromSnp(SnpReport report, bool? reportDataBound, DateTimeOffset? evidenceTime, bool simulated = false) => new()
    {
        Platform = "AMD SEV-SNP", Snp = report, ReportDataBound = reportDataBound, EvidenceTime = evidenceTime, Simulated = simulated,
    };

    /// <summary>Input from a verified TDX quote.</summary>
    public static PolicyInput FromTdx(TdxQuote quote, bool? reportDataBound, DateTimeOffset? evidenceTime, bool simulated = false) => new()
    {
        Platform = "Intel TDX", Tdx = quote.Body, ReportDataBound = reportDataBound, EvidenceTime = evidenceTime, Simulated = simulated,
    };

    /// <summary>Input from a verified NVIDIA GPU report; <paramref name="ccMode"/> as NVML (or the simulator) reports it.</summary>
    public static PolicyInput FromGpu(GpuAttestationReport report, string? ccMode, bool? reportDataBound, DateTimeOffset? evidenceTime, bool simulated = false) => new()
    {
        Platform = "NVIDIA GPU", Gpu = report, GpuCcMode = ccMode, ReportDataBound = reportDataBound, EvidenceTime = evidenceTime, Simulated = simulated,
    };
}
