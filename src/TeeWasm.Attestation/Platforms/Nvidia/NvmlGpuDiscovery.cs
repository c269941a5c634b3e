using System.Runtime.InteropServices;
using System.Text;

namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>One NVIDIA GPU as NVML names it.</summary>
/// <param name="Index">NVML device index.</param>
/// <param name="Name">Product name, e.g. "NVIDIA H100 NVL".</param>
/// <param name="Uuid">The GPU's UUID ("GPU-…").</param>
public sealed record NvidiaGpu(int Index, string Name, string Uuid);

/// <summary>Lists NVIDIA GPUs through NVML loaded at run time. An absent library means no GPUs, not an error.</summary>
public static unsafe class NvmlGpuDiscovery
{
    private const int NvmlSuccess = 0;
    private const int NameBuffer = 96;
    private const int UuidBuffer = 96;

    /// <summary>The GPUs NVML reports, or an empty list with the reason when NVML is not usable.</summary>
    public static IReadOnlyList<NvidiaGpu> Discover(string libraryName, out string? reason)
    {
        reason = null;
        if (!NativeLibrary.TryLoad(libraryName, out IntPtr lib))
        {
            reason = $"{libraryName} not found (no NVIDIA driver)";
            return [];
        }
        try
        {
            if (!TryGet(lib, "nvmlInit_v2", out var initPtr) ||
                !TryGet(lib, "nvmlDeviceGetCount_v2", out var countPtr) ||
                !TryGet(lib, "nvmlDeviceGetHandleByIndex_v2", out var handlePtr) ||
                !TryGet(lib, "nvmlDeviceGetName", out var namePtr) ||
                !TryGet(lib, "nvmlDeviceGetUUID", out var uuidPtr) ||
                !TryGet(lib, "nvmlShutdown", out var shutdownPtr))
            {
                reason = $"{libraryName} lacks the NVML entry points";
                return [];
            }
            var init = (delegate* unmanaged<int>)initPtr;
            var getCount = (delegate* unmanaged<uint*, int>)countPtr;
            var getHandle = (delegate* unmanaged<uint, IntPtr*, int>)handlePtr;
            var getName = (delegate* unmanaged<IntPtr, byte*, uint, int>)namePtr;
            var getUuid = (delegate* unmanaged<IntPtr, byte*, uint, int>)uuidPtr;
            var shutdown = (delegate* unmanaged<int>)shutdownPtr;

            int rc = init();
            if (rc != NvmlSuccess)
            {
                reason = $"nvmlInit failed (NVML error {rc})";
                return [];
            }
            try
            {
                uint count;
                rc = getCount(&count);
                if (rc != NvmlSuccess)
                {
                    reason = $"nvmlDeviceGetCount failed (NVML error {rc})";
                    return [];
                }
                var gpus = new List<NvidiaGpu>((int)count);
                byte* name = stackalloc byte[NameBuffer];
                byte* uuid = stackalloc byte[UuidBuffer];
                for (uint i = 0; i < count; i++)
                {
                    IntPtr device;
                    if (getHandle(i, &device) != NvmlSuccess) continue;
                    string n = getName(device, name, NameBuffer) == NvmlSuccess ? CString(name, NameBuffer) : "NVIDIA GPU";
                    string u = getUuid(device, uuid, UuidBuffer) == NvmlSuccess ? CString(uuid, UuidBuffer) : "";
                    gpus.Add(new NvidiaGpu((int)i, n, u));
                }
                return gpus;
            }
            finally
            {
                shutdown();
            }
        }
        finally
        {
            NativeLibrary.Free(lib);
        }
    }

    private static bool TryGet(IntPtr lib, string name, out IntPtr address) => NativeLibrary.TryGetExport(lib, name, out address);

    private static string CString(byte* p, int max)
    {
        int len = 0;
        while (len < max && p[len] != 0) len++;
        return Encoding.UTF8.GetString(p, len);
    }
}
