using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Gpu.Cuda;

/// <summary>Limits and driver settings of the <see cref="CudaBackend"/>.</summary>
public sealed record CudaBackendOptions : GpuBackendOptions
{
    /// <summary>Environment variable that names the CUDA driver library instead of <see cref="CudaDriver.DefaultLibrary"/>.</summary>
    public const string DriverLibraryEnvironmentVariable = "TEEWASM_CUDA_LIB";

    /// <summary>Environment variable that names the cuBLAS library instead of the usual names (libcublas.so.13, .12, .11).</summary>
    public const string CublasLibraryEnvironmentVariable = "TEEWASM_CUBLAS_LIB";

    /// <summary>The CUDA device (driver ordinal) the backend runs on.</summary>
    public int DeviceIndex { get; init; }

    /// <summary>The CUDA driver library; null: <c>$TEEWASM_CUDA_LIB</c>, else <see cref="CudaDriver.DefaultLibrary"/>.</summary>
    public string? DriverLibrary { get; init; }

    /// <summary>
    /// Use cuBLAS for matmul when it can be loaded (null: <c>$TEEWASM_CUBLAS_LIB</c>, else the usual names); false
    /// always uses TeeWasm's tiled kernel.
    /// </summary>
    public bool UseCublas { get; init; } = true;

    /// <summary>The cuBLAS library to load; null looks for the usual names.</summary>
    public string? CublasLibrary { get; init; }

    /// <summary>Threads per side of a group of the tiled matmul (a group computes a (4T)×(4T) tile of C); 16 on a GPU.</summary>
    internal int MatmulGroupSide { get; init; } = 16;

    /// <summary>Most threads one 1-D launch starts; each loops over the elements with that stride.</summary>
    internal int MaxLaunchThreads { get; init; } = 1 << 22;
}
