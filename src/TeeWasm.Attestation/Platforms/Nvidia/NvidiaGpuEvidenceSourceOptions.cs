using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>Settings of <see cref="NvidiaGpuEvidenceSource"/>.</summary>
public sealed record NvidiaGpuEvidenceSourceOptions
{
    /// <summary>The NVML library to load (a name or a path; tests point it at a fake).</summary>
    public string NvmlLibrary { get; init; } = Platforms.Nvidia.NvmlLibrary.DefaultLibraryName;

    /// <summary>The nvattest executable for the fallback when NVML is unusable (a name on PATH or a path).</summary>
    public string NvattestExecutable { get; init; } = "nvattest";

    /// <summary>
    /// A remote verifier (NRAS), used as <see cref="RemoteMode"/> says; null (the default) stays offline. The
    /// <c>tee-wasm</c> command sets NRAS with <c>--nras prefer|require</c>, or in prefer mode when ATTESTATION_PREFER_NRAS is 1/true.
    /// </summary>
    public IRemoteGpuVerifier? RemoteVerifier { get; init; }

    /// <summary>Whether <see cref="RemoteVerifier"/>'s verdict is required (the default) or preferred with local verification as the fallback.</summary>
    public RemoteGpuVerification RemoteMode { get; init; } = RemoteGpuVerification.Require;

    /// <summary>A folder of RIM files (*.xml) to appraise the measurements with; null to skip (the note says so).</summary>
    public string? RimDirectory { get; init; }

    /// <summary>Fail when no RIM matches the report's driver or VBIOS version (instead of noting it).</summary>
    public bool RequireRims { get; init; }

    /// <summary>The root device chains must reach; null for the embedded NVIDIA Device Identity CA (tests pin their own).</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? DeviceRoot { get; init; }

    /// <summary>The verification clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
