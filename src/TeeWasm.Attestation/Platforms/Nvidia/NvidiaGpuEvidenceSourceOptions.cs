using TeeWasm.Attestation.Services.Nras;

namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>Settings of <see cref="NvidiaGpuEvidenceSource"/>.</summary>
public sealed record NvidiaGpuEvidenceSourceOptions
{
    /// <summary>The NVML library to load (a name or a path; tests point it at a fake).</summary>
    public string NvmlLibrary { get; init; } = Platforms.Nvidia.NvmlLibrary.DefaultLibraryName;

    /// <summary>The nvattest executable for the fallback when NVML is unusable (a name on PATH or a path).</summary>
    public string NvattestExecutable { get; init; } = "nvattest";

    /// <summary>
    /// NRAS settings: when set, NRAS's verdict is required in addition to the local verification. Defaults to NRAS's
    /// production settings when ATTESTATION_PREFER_NRAS is 1/true, otherwise null (offline).
    /// </summary>
    public NrasOptions? Nras { get; init; } = PreferNrasFromEnvironment() ? new NrasOptions() : null;

    /// <summary>A folder of RIM files (*.xml) to appraise the measurements with; null to skip (the note says so).</summary>
    public string? RimDirectory { get; init; }

    /// <summary>Fail when no RIM matches the report's driver or VBIOS version (instead of noting it).</summary>
    public bool RequireRims { get; init; }

    /// <summary>The root device chains must reach; null for the embedded NVIDIA Device Identity CA (tests pin their own).</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? DeviceRoot { get; init; }

    /// <summary>The verification clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>True when ATTESTATION_PREFER_NRAS is "1" or "true" (any case).</summary>
    public static bool PreferNrasFromEnvironment() =>
        Environment.GetEnvironmentVariable("ATTESTATION_PREFER_NRAS") is { } v &&
        (v == "1" || v.Equals("true", StringComparison.OrdinalIgnoreCase));
}
