using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace TeeWasm.Gpu.Cuda;

/// <summary>What the CUDA driver says about itself: the library loaded, its CUDA version and how many devices it sees.</summary>
/// <param name="Library">The driver library that was loaded.</param>
/// <param name="Version">The CUDA version the driver supports, e.g. "13.0".</param>
/// <param name="DeviceCount">Devices the driver sees.</param>
public sealed record CudaDriverInfo(string Library, string Version, int DeviceCount);

/// <summary>The outcome of starting the CUDA driver.</summary>
/// <param name="Driver">The running driver, or null.</param>
/// <param name="Reason">Why there is none, in one line; empty when it runs.</param>
/// <param name="IsInstalled">False when no driver library could be loaded at all; true when one loaded (whether or not it started).</param>
public sealed record CudaDriverStart(CudaDriverInfo? Driver, string Reason, bool IsInstalled);

/// <summary>
/// Finds and starts the CUDA driver (<c>libcuda.so.1</c>, the driver API: no toolkit is needed) and says in one line
/// why it cannot be used when it cannot: not installed, not a driver, or <c>cuInit</c> failed (with the driver's name
/// for the error). ILGPU's own imports of <c>cuda</c> are resolved to the same library.
/// </summary>
public static unsafe class CudaDriver
{
    /// <summary>The driver library's name (what the NVIDIA driver installs).</summary>
    public const string DefaultLibrary = "libcuda.so.1";

    private const int CudaSuccess = 0;
    private static readonly Lock s_lock = new();
    private static readonly Dictionary<string, CudaDriverInfo> s_started = new(StringComparer.Ordinal);
    private static nint s_ilgpuLibrary;

    /// <summary>The library to load: <paramref name="configured"/>, else <c>$TEEWASM_CUDA_LIB</c>, else <see cref="DefaultLibrary"/>.</summary>
    public static string LibraryName(string? configured) =>
        !string.IsNullOrEmpty(configured) ? configured
        : Environment.GetEnvironmentVariable(CudaBackendOptions.DriverLibraryEnvironmentVariable) is { Length: > 0 } env ? env
        : DefaultLibrary;

    /// <summary>
    /// Loads and initialises the driver (once per library); without a driver, or when it does not start or sees no
    /// device, the result says why in one line.
    /// </summary>
    public static CudaDriverStart Start(string? configured)
    {
        string library = LibraryName(configured);
        lock (s_lock)
        {
            if (s_started.TryGetValue(library, out var running)) return new(running, "", true);
            if (!NativeLibrary.TryLoad(library, out nint handle))
            {
                return new(null, library.Contains('/') && !File.Exists(library)
                    ? $"no CUDA driver ({library} does not exist)"
                    : $"no CUDA driver ({library} cannot be loaded)", false);
            }
            if (!NativeLibrary.TryGetExport(handle, "cuInit", out nint init) ||
                !NativeLibrary.TryGetExport(handle, "cuDriverGetVersion", out nint version) ||
                !NativeLibrary.TryGetExport(handle, "cuDeviceGetCount", out nint count))
            {
                return new(null, $"no CUDA driver ({library} lacks the driver API: cuInit, cuDriverGetVersion, cuDeviceGetCount)", false);
            }
            NativeLibrary.TryGetExport(handle, "cuGetErrorName", out nint errorName);
            int rc = ((delegate* unmanaged<uint, int>)init)(0);
            if (rc != CudaSuccess) return new(null, $"the CUDA driver did not start: cuInit returned {ErrorName(errorName, rc)}", true);
            int driverVersion = 0, devices = 0;
            rc = ((delegate* unmanaged<int*, int>)version)(&driverVersion);
            if (rc == CudaSuccess) rc = ((delegate* unmanaged<int*, int>)count)(&devices);
            if (rc != CudaSuccess) return new(null, $"the CUDA driver failed: {ErrorName(errorName, rc)}", true);
            if (devices == 0) return new(null, "the CUDA driver sees no device", true);
            running = new CudaDriverInfo(library, $"{driverVersion / 1000}.{driverVersion % 1000 / 10}", devices);
            s_started[library] = running;
            ResolveIlgpuImportsTo(handle);
            return new(running, "", true);
        }
    }

    /// <summary>The driver's name for a CUresult (e.g. CUDA_ERROR_NO_DEVICE), or its number when the driver has no name for it.</summary>
    private static string ErrorName(nint cuGetErrorName, int result)
    {
        if (cuGetErrorName != 0)
        {
            byte* name = null;
            if (((delegate* unmanaged<int, byte**, int>)cuGetErrorName)(result, &name) == CudaSuccess && name is not null)
                return Marshal.PtrToStringUTF8((nint)name) ?? $"CUresult {result}";
        }
        return $"CUresult {result}";
    }

    /// <summary>ILGPU imports the driver as "cuda", which .NET looks for as libcuda.so: serve it the library loaded here.</summary>
    private static void ResolveIlgpuImportsTo(nint handle)
    {
        if (s_ilgpuLibrary != 0) return;
        s_ilgpuLibrary = handle;
        Assembly ilgpu = typeof(ILGPU.Context).Assembly;
        AssemblyLoadContext.Default.ResolvingUnmanagedDll += (assembly, name) =>
            assembly == ilgpu && name == ILGPU.Runtime.Cuda.CudaAPI.LibNameLinux ? s_ilgpuLibrary : 0;
    }
}
