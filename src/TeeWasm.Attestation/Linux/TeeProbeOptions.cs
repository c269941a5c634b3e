namespace TeeWasm.Attestation.Linux;

/// <summary>Where each platform probe looks. Defaults are the Linux paths; tests point them at a fake tree.</summary>
public sealed record TeeProbeOptions
{
    /// <summary>configfs-tsm report directory (SNP and TDX guests on Linux 6.7+).</summary>
    public string TsmReportRoot { get; init; } = ConfigFsTsmReport.DefaultRoot;

    /// <summary>The SEV-SNP guest device.</summary>
    public string SevGuestDevice { get; init; } = "/dev/sev-guest";

    /// <summary>The TDX guest devices (the kernel's name, and the older dashed one).</summary>
    public IReadOnlyList<string> TdxGuestDevices { get; init; } = ["/dev/tdx_guest", "/dev/tdx-guest"];

    /// <summary>Present on AMD SEV guests (memory encryption, possibly without SNP).</summary>
    public string SevFirmwareDirectory { get; init; } = "/sys/firmware/sev";

    /// <summary>The TPM resource manager device; Azure confidential VMs keep the HCL report in its NV index.</summary>
    public string TpmDevice { get; init; } = "/dev/tpmrm0";

    /// <summary>A TPM reached over a socket (e.g. swtpm) instead of <see cref="TpmDevice"/>: TCP "host:port", or the absolute path of a Unix socket; null to use the device.</summary>
    public string? TpmSocket { get; init; }

    /// <summary>The NVML library to load for GPU discovery.</summary>
    public string NvmlLibrary { get; init; } = "libnvidia-ml.so.1";

    /// <summary>The TPM NV index where Azure's paravisor stores the HCL report.</summary>
    public const uint AzureHclReportNvIndex = 0x01400001;
}
