namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>
/// The system's confidential-computing state (<c>nvmlConfComputeSystemState_t</c>, and
/// <c>nvmlSystemConfComputeSettings_v1_t</c> when the driver has it).
/// </summary>
/// <param name="Environment">0 unavailable, 1 simulation, 2 production (NVML_CC_SYSTEM_ENVIRONMENT_*).</param>
/// <param name="CcFeature">0 disabled, 1 enabled (NVML_CC_SYSTEM_FEATURE_*).</param>
/// <param name="DevToolsMode">0 off, 1 on (NVML_CC_SYSTEM_DEVTOOLS_MODE_*): on means debuggers can see GPU memory.</param>
/// <param name="MultiGpuMode">0 none, 1 protected PCIe; null when nvmlSystemGetConfComputeSettings is absent.</param>
public sealed record NvmlConfComputeState(uint Environment, uint CcFeature, uint DevToolsMode, uint? MultiGpuMode)
{
    /// <summary>True when confidential computing is enabled.</summary>
    public bool Enabled => CcFeature == 1;

    /// <summary>"unavailable", "sim", "prod".</summary>
    public string EnvironmentName => Environment switch { 0 => "unavailable", 1 => "sim", 2 => "prod", _ => $"unknown({Environment})" };

    /// <summary>"off", "on", "devtools" as nvidia-smi conf-compute prints the CC mode.</summary>
    public string ModeName => CcFeature != 1 ? "off" : DevToolsMode == 1 ? "devtools" : "on";
}
