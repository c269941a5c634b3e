using TeeWasm.Attestation.Policy;

namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>A verified GPU report as a policy sees it, with the <c>gpu</c> rules checked on it.</summary>
/// <param name="Report">The verified SPDM measurement report.</param>
/// <param name="CcMode">The GPU's confidential-computing mode as its evidence states it ("on", "off", "devtools"); null when unknown.</param>
public sealed record GpuPolicyClaims(GpuAttestationReport Report, string? CcMode) : IPolicyClaims
{
    /// <summary>The policy input of a verified GPU report; <paramref name="ccMode"/> as NVML (or the simulator) reports it.</summary>
    public static PolicyInput Input(GpuAttestationReport report, string? ccMode, bool? reportDataBound, DateTimeOffset? evidenceTime, bool simulated = false) => new()
    {
        Platform = NvidiaGpuEvidence.PlatformName,
        Claims = new GpuPolicyClaims(report, ccMode), ReportDataBound = reportDataBound, EvidenceTime = evidenceTime, Simulated = simulated,
    };

    /// <inheritdoc />
    public void Check(AttestationPolicy policy, ICollection<string> v)
    {
        GpuPolicy p = policy.Gpu ?? new GpuPolicy();
        if (p.CcModeRequired && !string.Equals(CcMode, "on", StringComparison.OrdinalIgnoreCase))
        {
            v.Add(CcMode is null
                ? "GPU confidential-computing mode is unknown; gpu.cc_mode_required is true"
                : $"GPU confidential-computing mode is '{CcMode}', not 'on'; gpu.cc_mode_required is true");
        }
        MinVersion("driver", Report.OpaqueData.DriverVersion, p.MinDriverVersion, 10, "gpu.min_driver_version");
        MinVersion("VBIOS", Report.OpaqueData.VbiosVersion, p.MinVbiosVersion, 16, "gpu.min_vbios_version");
        if (p.AllowedMeasurements is { Count: > 0 } ms && !PolicyEvaluator.ContainsHex(ms, Report.ComputeMeasurementDigest()))
            v.Add($"GPU measurement digest {Convert.ToHexStringLower(Report.ComputeMeasurementDigest())} (SHA-384 of the SPDM measurement record) is not in gpu.allowed_measurements");

        void MinVersion(string what, string? actual, string? minimum, int radix, string key)
        {
            if (minimum is null) return;
            if (!GpuVersion.TryParse(actual, radix, out long[] a))
            {
                v.Add($"GPU {what} version {(actual is null ? "is absent from the report" : $"'{actual}' cannot be read")}; {key} {minimum} cannot be checked");
                return;
            }
            GpuVersion.TryParse(minimum, radix, out long[] min);
            if (GpuVersion.Compare(a, min) < 0) v.Add($"GPU {what} version {actual} is below {key} {minimum}");
        }
    }
}
