using System.Runtime.InteropServices;

namespace TeeWasm.Gpu.Cuda;

/// <summary>The NVIDIA driver's confidential-computing state as NVML reports it.</summary>
/// <param name="DriverVersion">The driver version, e.g. "580.159.03".</param>
/// <param name="Mode">"on", "off" or "devtools" (CC on, with debuggers able to see GPU memory), as nvidia-smi conf-compute names it.</param>
/// <param name="Environment">"unavailable", "sim" or "prod".</param>
public sealed record NvmlConfComputeState(string DriverVersion, string Mode, string Environment);

/// <summary>
/// Reads the CC mode through NVML (<c>libnvidia-ml.so.1</c>, loaded at run time): the part of NVML <c>tee-wasm info</c>
/// shows next to the CUDA device. The GPU's attestation lives in the attestation library; this only reads the state.
/// </summary>
public static unsafe class NvmlConfCompute
{
    /// <summary>NVML's library name (what the NVIDIA driver installs).</summary>
    public const string DefaultLibrary = "libnvidia-ml.so.1";

    private const int Success = 0;
    private const int DriverVersionLength = 80;

    [StructLayout(LayoutKind.Sequential)]
    private struct SystemState
    {
        public uint Environment, CcFeature, DevToolsMode;
    }

    /// <summary>The state, or null with a one-line <paramref name="reason"/> (no NVML, a driver without the call, an NVML error by name).</summary>
    public static NvmlConfComputeState? TryRead(string? library, out string reason)
    {
        library ??= DefaultLibrary;
        if (!NativeLibrary.TryLoad(library, out nint lib))
        {
            reason = $"{library} cannot be loaded (no NVIDIA driver)";
            return null;
        }
        try
        {
            if (!NativeLibrary.TryGetExport(lib, "nvmlInit_v2", out nint init) || !NativeLibrary.TryGetExport(lib, "nvmlShutdown", out nint shutdown) ||
                !NativeLibrary.TryGetExport(lib, "nvmlSystemGetDriverVersion", out nint version))
            {
                reason = $"{library} lacks the NVML entry points";
                return null;
            }
            NativeLibrary.TryGetExport(lib, "nvmlErrorString", out nint errorString);
            string Error(int rc) => errorString != 0 && ((delegate* unmanaged<int, nint>)errorString)(rc) is var p and not 0
                ? $"{Marshal.PtrToStringUTF8(p)} (nvmlReturn_t {rc})"
                : $"nvmlReturn_t {rc}";
            int rc = ((delegate* unmanaged<int>)init)();
            if (rc != Success)
            {
                reason = $"nvmlInit failed: {Error(rc)}";
                return null;
            }
            try
            {
                byte* text = stackalloc byte[DriverVersionLength];
                rc = ((delegate* unmanaged<byte*, uint, int>)version)(text, DriverVersionLength);
                string driver = rc == Success ? Marshal.PtrToStringUTF8((nint)text) ?? "" : "?";
                if (!NativeLibrary.TryGetExport(lib, "nvmlSystemGetConfComputeState", out nint getState))
                {
                    reason = $"driver {driver} has no nvmlSystemGetConfComputeState (too old for confidential computing: R535 or newer)";
                    return null;
                }
                SystemState state;
                rc = ((delegate* unmanaged<SystemState*, int>)getState)(&state);
                if (rc != Success)
                {
                    reason = $"nvmlSystemGetConfComputeState failed: {Error(rc)}";
                    return null;
                }
                reason = "";
                string mode = state.CcFeature != 1 ? "off" : state.DevToolsMode == 1 ? "devtools" : "on";
                string environment = state.Environment switch { 0 => "unavailable", 1 => "sim", 2 => "prod", _ => $"unknown({state.Environment})" };
                return new NvmlConfComputeState(driver, mode, environment);
            }
            finally
            {
                ((delegate* unmanaged<int>)shutdown)();
            }
        }
        finally
        {
            NativeLibrary.Free(lib);
        }
    }
}
