using System.Runtime.InteropServices;
using System.Text;

namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>
/// NVML (libnvidia-ml) loaded at run time through <see cref="NativeLibrary"/> and called through unmanaged function
/// pointers with the exact nvml.h layouts: driver and GPU identity, confidential-computing state, the SPDM attestation
/// report over a caller nonce, and the attestation certificate chain. Every failing call throws an
/// <see cref="NvidiaAttestationException"/> naming the NVML function and what its return code means.
/// </summary>
public sealed unsafe class NvmlLibrary : IDisposable
{
    /// <summary>The library name NVIDIA's driver installs.</summary>
    public const string DefaultLibraryName = "libnvidia-ml.so.1";

    /// <summary>NVML_CC_GPU_CEC_NONCE_SIZE.</summary>
    public const int NonceSize = 0x20;
    /// <summary>NVML_CC_GPU_ATTESTATION_REPORT_SIZE.</summary>
    public const int AttestationReportSize = 0x2000;
    /// <summary>NVML_CC_GPU_CEC_ATTESTATION_REPORT_SIZE.</summary>
    public const int CecAttestationReportSize = 0x1000;
    /// <summary>NVML_GPU_CERT_CHAIN_SIZE.</summary>
    public const int CertChainSize = 0x1000;
    /// <summary>NVML_GPU_ATTESTATION_CERT_CHAIN_SIZE.</summary>
    public const int AttestationCertChainSize = 0x1400;

    private const int DriverVersionBufferSize = 80;   // NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE
    private const int DeviceNameBufferSize = 96;      // NVML_DEVICE_NAME_V2_BUFFER_SIZE
    private const int UuidBufferSize = 96;            // NVML_DEVICE_UUID_V2_BUFFER_SIZE
    private const int VbiosBufferSize = 32;           // NVML_DEVICE_VBIOS_VERSION_BUFFER_SIZE

    /// <summary>nvmlConfComputeSystemState_t.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct ConfComputeSystemState
    {
        public uint Environment, CcFeature, DevToolsMode;
    }

    /// <summary>nvmlSystemConfComputeSettings_v1_t.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct SystemConfComputeSettingsV1
    {
        public uint Version, Environment, CcFeature, DevToolsMode, MultiGpuMode;
    }

    /// <summary>nvmlConfComputeGpuAttestationReport_t.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct ConfComputeGpuAttestationReport
    {
        public uint IsCecAttestationReportPresent;
        public uint AttestationReportSize;
        public uint CecAttestationReportSize;
        public fixed byte Nonce[NonceSize];
        public fixed byte AttestationReport[NvmlLibrary.AttestationReportSize];
        public fixed byte CecAttestationReport[NvmlLibrary.CecAttestationReportSize];
    }

    /// <summary>nvmlConfComputeGpuCertificate_t.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct ConfComputeGpuCertificate
    {
        public uint CertChainSize;
        public uint AttestationCertChainSize;
        public fixed byte CertChain[NvmlLibrary.CertChainSize];
        public fixed byte AttestationCertChain[NvmlLibrary.AttestationCertChainSize];
    }

    /// <summary>NVML_STRUCT_VERSION(SystemConfComputeSettings, 1).</summary>
    private static readonly uint s_settingsV1 = (uint)sizeof(SystemConfComputeSettingsV1) | (1u << 24);

    private readonly IntPtr _library;
    private readonly delegate* unmanaged<int> _shutdown;
    private readonly delegate* unmanaged<byte*, uint, int> _getDriverVersion;
    private readonly delegate* unmanaged<uint*, int> _getCount;
    private readonly delegate* unmanaged<uint, IntPtr*, int> _getHandle;
    private readonly delegate* unmanaged<IntPtr, byte*, uint, int> _getName;
    private readonly delegate* unmanaged<IntPtr, byte*, uint, int> _getUuid;
    private readonly delegate* unmanaged<IntPtr, byte*, uint, int> _getVbios;
    private readonly delegate* unmanaged<ConfComputeSystemState*, int> _getCcState;
    private readonly delegate* unmanaged<SystemConfComputeSettingsV1*, int> _getCcSettings;
    private readonly delegate* unmanaged<IntPtr, ConfComputeGpuAttestationReport*, int> _getReport;
    private readonly delegate* unmanaged<IntPtr, ConfComputeGpuCertificate*, int> _getCertificate;
    private bool _disposed;

    private NvmlLibrary(IntPtr library, string name)
    {
        _library = library;
        LibraryName = name;
        _shutdown = (delegate* unmanaged<int>)Require("nvmlShutdown");
        _getDriverVersion = (delegate* unmanaged<byte*, uint, int>)Require("nvmlSystemGetDriverVersion");
        _getCount = (delegate* unmanaged<uint*, int>)Require("nvmlDeviceGetCount_v2");
        _getHandle = (delegate* unmanaged<uint, IntPtr*, int>)Require("nvmlDeviceGetHandleByIndex_v2");
        _getName = (delegate* unmanaged<IntPtr, byte*, uint, int>)Require("nvmlDeviceGetName");
        _getUuid = (delegate* unmanaged<IntPtr, byte*, uint, int>)Require("nvmlDeviceGetUUID");
        _getVbios = (delegate* unmanaged<IntPtr, byte*, uint, int>)Optional("nvmlDeviceGetVbiosVersion");
        _getCcState = (delegate* unmanaged<ConfComputeSystemState*, int>)Optional("nvmlSystemGetConfComputeState");
        _getCcSettings = (delegate* unmanaged<SystemConfComputeSettingsV1*, int>)Optional("nvmlSystemGetConfComputeSettings");
        _getReport = (delegate* unmanaged<IntPtr, ConfComputeGpuAttestationReport*, int>)Optional("nvmlDeviceGetConfComputeGpuAttestationReport");
        _getCertificate = (delegate* unmanaged<IntPtr, ConfComputeGpuCertificate*, int>)Optional("nvmlDeviceGetConfComputeGpuCertificate");
    }

    /// <summary>The library name or path that was loaded.</summary>
    public string LibraryName { get; }

    /// <summary>Loads <paramref name="libraryName"/> and calls nvmlInit_v2.</summary>
    /// <exception cref="NvidiaAttestationException">The library is missing, lacks NVML, or nvmlInit_v2 failed.</exception>
    public static NvmlLibrary Open(string libraryName = DefaultLibraryName)
    {
        if (!NativeLibrary.TryLoad(libraryName, out IntPtr handle))
            throw new NvidiaAttestationException(NvidiaFailureReason.Nvml, $"{libraryName} could not be loaded (no NVIDIA driver installed?)");
        NvmlLibrary? nvml = null;
        try
        {
            if (!NativeLibrary.TryGetExport(handle, "nvmlInit_v2", out IntPtr initPtr))
                throw new NvidiaAttestationException(NvidiaFailureReason.Nvml, $"{libraryName} has no nvmlInit_v2: not NVML");
            nvml = new NvmlLibrary(handle, libraryName);
            Check(((delegate* unmanaged<int>)initPtr)(), "nvmlInit_v2");
            return nvml;
        }
        catch
        {
            NativeLibrary.Free(handle);
            throw;
        }
    }

    /// <summary>True when <paramref name="libraryName"/> can be loaded (whether or not NVML then works).</summary>
    public static bool IsInstalled(string libraryName = DefaultLibraryName)
    {
        if (!NativeLibrary.TryLoad(libraryName, out IntPtr handle)) return false;
        NativeLibrary.Free(handle);
        return true;
    }

    /// <summary>Like <see cref="Open"/>, but false and the reason when NVML is unusable.</summary>
    public static bool TryOpen(string libraryName, out NvmlLibrary? nvml, out string? reason)
    {
        try
        {
            nvml = Open(libraryName);
            reason = null;
            return true;
        }
        catch (NvidiaAttestationException e)
        {
            nvml = null;
            reason = e.Message;
            return false;
        }
    }

    /// <summary>The kernel driver version (nvmlSystemGetDriverVersion).</summary>
    public string GetDriverVersion()
    {
        byte* buffer = stackalloc byte[DriverVersionBufferSize];
        Check(_getDriverVersion(buffer, DriverVersionBufferSize), "nvmlSystemGetDriverVersion");
        return CString(buffer, DriverVersionBufferSize);
    }

    /// <summary>The number of GPUs (nvmlDeviceGetCount_v2).</summary>
    public int GetDeviceCount()
    {
        uint count;
        Check(_getCount(&count), "nvmlDeviceGetCount_v2");
        return (int)count;
    }

    /// <summary>The product name of GPU <paramref name="index"/>.</summary>
    public string GetName(int index) => GetString(index, _getName, DeviceNameBufferSize, "nvmlDeviceGetName");

    /// <summary>The UUID of GPU <paramref name="index"/>.</summary>
    public string GetUuid(int index) => GetString(index, _getUuid, UuidBufferSize, "nvmlDeviceGetUUID");

    /// <summary>The VBIOS version of GPU <paramref name="index"/>, or null when the driver lacks the call.</summary>
    public string? GetVbiosVersion(int index) =>
        _getVbios is null ? null : GetString(index, _getVbios, VbiosBufferSize, "nvmlDeviceGetVbiosVersion");

    /// <summary>The system's confidential-computing state (nvmlSystemGetConfComputeState, plus the settings when present).</summary>
    public NvmlConfComputeState GetConfComputeState()
    {
        if (_getCcState is null)
            throw new NvidiaAttestationException(NvidiaFailureReason.Nvml,
                $"nvmlSystemGetConfComputeState is missing from {LibraryName}: driver too old for confidential computing (need R535 or newer)");
        ConfComputeSystemState state;
        Check(_getCcState(&state), "nvmlSystemGetConfComputeState");
        uint? multiGpu = null;
        if (_getCcSettings is not null)
        {
            SystemConfComputeSettingsV1 settings = default;
            settings.Version = s_settingsV1;
            if (_getCcSettings(&settings) == NvmlReturn.Success) multiGpu = settings.MultiGpuMode;
        }
        return new NvmlConfComputeState(state.Environment, state.CcFeature, state.DevToolsMode, multiGpu);
    }

    /// <summary>The SPDM attestation report of GPU <paramref name="index"/> over <paramref name="nonce"/> (32 bytes).</summary>
    public byte[] GetAttestationReport(int index, ReadOnlySpan<byte> nonce)
    {
        if (nonce.Length != NonceSize) throw new ArgumentException($"the GPU nonce must be {NonceSize} bytes", nameof(nonce));
        if (_getReport is null)
            throw new NvidiaAttestationException(NvidiaFailureReason.Nvml,
                $"nvmlDeviceGetConfComputeGpuAttestationReport is missing from {LibraryName}: driver too old for GPU attestation");
        IntPtr device = GetHandle(index);
        var report = (ConfComputeGpuAttestationReport*)NativeMemory.AllocZeroed((nuint)sizeof(ConfComputeGpuAttestationReport));
        try
        {
            nonce.CopyTo(new Span<byte>(report->Nonce, NonceSize));
            Check(_getReport(device, report), "nvmlDeviceGetConfComputeGpuAttestationReport", $"GPU {index}");
            if (report->AttestationReportSize is 0 or > AttestationReportSize)
                throw new NvidiaAttestationException(NvidiaFailureReason.Nvml,
                    $"nvmlDeviceGetConfComputeGpuAttestationReport returned an attestationReportSize of {report->AttestationReportSize} (1–{AttestationReportSize} expected)");
            return new ReadOnlySpan<byte>(report->AttestationReport, (int)report->AttestationReportSize).ToArray();
        }
        finally
        {
            NativeMemory.Free(report);
        }
    }

    /// <summary>The attestation certificate chain (PEM, leaf first) of GPU <paramref name="index"/>.</summary>
    public string GetCertificateChainPem(int index)
    {
        if (_getCertificate is null)
            throw new NvidiaAttestationException(NvidiaFailureReason.Nvml,
                $"nvmlDeviceGetConfComputeGpuCertificate is missing from {LibraryName}: driver too old for GPU attestation");
        IntPtr device = GetHandle(index);
        var cert = (ConfComputeGpuCertificate*)NativeMemory.AllocZeroed((nuint)sizeof(ConfComputeGpuCertificate));
        try
        {
            Check(_getCertificate(device, cert), "nvmlDeviceGetConfComputeGpuCertificate", $"GPU {index}");
            if (cert->AttestationCertChainSize is 0 or > AttestationCertChainSize)
                throw new NvidiaAttestationException(NvidiaFailureReason.Nvml,
                    $"nvmlDeviceGetConfComputeGpuCertificate returned an attestationCertChainSize of {cert->AttestationCertChainSize} (1–{AttestationCertChainSize} expected)");
            return Encoding.ASCII.GetString(cert->AttestationCertChain, (int)cert->AttestationCertChainSize).TrimEnd('\0');
        }
        finally
        {
            NativeMemory.Free(cert);
        }
    }

    /// <summary>
    /// Collects everything for GPU <paramref name="index"/>: identity, driver and VBIOS versions, CC state (must be on),
    /// the report over <paramref name="nonce"/> and the certificate chain.
    /// </summary>
    /// <exception cref="NvidiaAttestationException">Index out of range, CC off, or an NVML call failed.</exception>
    public NvmlGpuEvidence CollectEvidence(int index, ReadOnlySpan<byte> nonce)
    {
        int count = GetDeviceCount();
        if (index < 0 || index >= count)
            throw new NvidiaAttestationException(NvidiaFailureReason.GpuIndexOutOfRange, $"GPU index {index} out of range: NVML reports {count} GPU(s)");
        NvmlConfComputeState cc = GetConfComputeState();
        if (!cc.Enabled)
            throw new NvidiaAttestationException(NvidiaFailureReason.ConfidentialComputingOff,
                $"confidential computing is off on this system (nvmlSystemGetConfComputeState: ccFeature {cc.CcFeature}, environment {cc.EnvironmentName}); enable CC mode to attest the GPU");
        return new NvmlGpuEvidence
        {
            Index = index,
            Name = GetName(index),
            Uuid = GetUuid(index),
            DriverVersion = GetDriverVersion(),
            VbiosVersion = GetVbiosVersion(index),
            ConfCompute = cc,
            Nonce = nonce.ToArray(),
            Report = GetAttestationReport(index, nonce),
            CertificateChainPem = GetCertificateChainPem(index),
        };
    }

    /// <summary>Calls nvmlShutdown and unloads the library.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _shutdown();
        NativeLibrary.Free(_library);
    }

    private IntPtr GetHandle(int index)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        IntPtr device;
        Check(_getHandle((uint)index, &device), "nvmlDeviceGetHandleByIndex_v2", $"GPU {index}");
        return device;
    }

    private string GetString(int index, delegate* unmanaged<IntPtr, byte*, uint, int> fn, int size, string function)
    {
        IntPtr device = GetHandle(index);
        byte* buffer = stackalloc byte[size];
        Check(fn(device, buffer, (uint)size), function, $"GPU {index}");
        return CString(buffer, size);
    }

    private void* Require(string name) => NativeLibrary.TryGetExport(_library, name, out IntPtr p)
        ? (void*)p
        : throw new NvidiaAttestationException(NvidiaFailureReason.Nvml, $"{LibraryName} lacks the NVML function {name}");

    private void* Optional(string name) => NativeLibrary.TryGetExport(_library, name, out IntPtr p) ? (void*)p : null;

    private static void Check(int rc, string function, string? subject = null)
    {
        if (rc != NvmlReturn.Success)
            throw new NvidiaAttestationException(
                rc == NvmlReturn.NotSupported && function.Contains("ConfCompute", StringComparison.Ordinal) ? NvidiaFailureReason.ConfidentialComputingOff : NvidiaFailureReason.Nvml,
                $"{function}{(subject is null ? "" : $" ({subject})")} failed: {NvmlReturn.Describe(rc)}");
    }

    private static string CString(byte* p, int max)
    {
        int len = new ReadOnlySpan<byte>(p, max).IndexOf((byte)0);
        return Encoding.UTF8.GetString(p, len < 0 ? max : len);
    }
}
