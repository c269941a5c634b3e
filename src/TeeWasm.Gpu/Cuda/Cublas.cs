using System.Runtime.InteropServices;

namespace TeeWasm.Gpu.Cuda;

/// <summary>A cuBLAS call failed; <see cref="Status"/> is cuBLAS's name for the status (e.g. CUBLAS_STATUS_ALLOC_FAILED).</summary>
public sealed class CublasException(string function, string status)
    : Exception($"{function} returned {status}")
{
    /// <summary>cuBLAS's name for the status.</summary>
    public string Status { get; } = status;
}

/// <summary>
/// The few cuBLAS entry points the CUDA backend's matmul needs (handle, stream, SGEMM), loaded at run time from the
/// CUDA toolkit's or a driver package's <c>libcublas</c>: one handle, bound to the CUDA context current on the thread
/// that creates it. FP32 throughout (the default math mode: no TF32). Not thread-safe.
/// </summary>
internal sealed unsafe class Cublas : IDisposable
{
    /// <summary>The library names tried in order when none is configured.</summary>
    public static readonly IReadOnlyList<string> LibraryNames = ["libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"];

    private const int Success = 0;
    private const int OpN = 0, OpT = 1;

    private readonly delegate* unmanaged<nint, int> _destroy;
    private readonly delegate* unmanaged<nint, nint, int> _setStream;
    private readonly delegate* unmanaged<nint, int, int, int, int, int, float*, nint, int, nint, int, float*, nint, int, int> _sgemm;
    private readonly delegate* unmanaged<int, nint> _statusName;
    private nint _handle;

    private Cublas(string library, nint lib)
    {
        Library = library;
        var create = (delegate* unmanaged<nint*, int>)Export(lib, "cublasCreate_v2");
        _destroy = (delegate* unmanaged<nint, int>)Export(lib, "cublasDestroy_v2");
        _setStream = (delegate* unmanaged<nint, nint, int>)Export(lib, "cublasSetStream_v2");
        _sgemm = (delegate* unmanaged<nint, int, int, int, int, int, float*, nint, int, nint, int, float*, nint, int, int>)Export(lib, "cublasSgemm_v2");
        _statusName = NativeLibrary.TryGetExport(lib, "cublasGetStatusName", out nint name) ? (delegate* unmanaged<int, nint>)name : null;
        nint handle;
        Check(create(&handle), "cublasCreate_v2");
        _handle = handle;
    }

    /// <summary>The library that was loaded.</summary>
    public string Library { get; }

    /// <summary>
    /// Finds cuBLAS: <paramref name="configured"/>, else <c>$TEEWASM_CUBLAS_LIB</c>, else the first of
    /// <see cref="LibraryNames"/> that loads; false with the <paramref name="reason"/> when none does.
    /// </summary>
    public static bool TryFind(string? configured, out string? library, out string reason) => TryLoad(configured, out library, out _, out reason);

    /// <summary>Loads cuBLAS (see <see cref="TryFind"/>) and creates a handle in the current CUDA context; null with the <paramref name="reason"/> when it cannot.</summary>
    public static Cublas? TryCreate(string? configured, out string reason)
    {
        if (!TryLoad(configured, out string? found, out nint lib, out reason)) return null;
        try
        {
            return new Cublas(found!, lib);
        }
        catch (Exception e) when (e is CublasException or EntryPointNotFoundException)
        {
            reason = $"cuBLAS ({found}) unusable: {e.Message}";
            return null;
        }
    }

    private static bool TryLoad(string? configured, out string? library, out nint handle, out string reason)
    {
        string? chosen = !string.IsNullOrEmpty(configured) ? configured
            : Environment.GetEnvironmentVariable(CudaBackendOptions.CublasLibraryEnvironmentVariable) is { Length: > 0 } env ? env
            : null;
        IReadOnlyList<string> names = chosen is null ? LibraryNames : [chosen];
        nint lib = 0;
        library = names.FirstOrDefault(n => NativeLibrary.TryLoad(n, out lib));
        handle = lib;
        reason = library is null ? $"cuBLAS not found ({string.Join(", ", names)})" : "";
        return library is not null;
    }

    /// <summary>Runs the handle's work on <paramref name="stream"/> (a CUstream; 0 is the legacy default stream).</summary>
    public void SetStream(nint stream) => Check(_setStream(_handle, stream), "cublasSetStream_v2");

    /// <summary>
    /// Row-major <c>C = alpha·op(A)·op(B) + beta·C</c> on device pointers (C is M×N), through column-major SGEMM on the
    /// transposes: <c>Cᵀ = alpha·op(B)ᵀ·op(A)ᵀ + beta·Cᵀ</c>. M, N, K must be positive and fit an int.
    /// </summary>
    public void RowMajorSgemm(int m, int k, int n, bool transA, bool transB, float alpha, nint a, nint b, float beta, nint c)
    {
        int ldb = transB ? k : n, lda = transA ? m : k;
        Check(_sgemm(_handle, transB ? OpT : OpN, transA ? OpT : OpN, n, m, k, &alpha, b, ldb, a, lda, &beta, c, n), "cublasSgemm_v2");
    }

    /// <summary>Destroys the handle.</summary>
    public void Dispose()
    {
        if (_handle == 0) return;
        _destroy(_handle);
        _handle = 0;
    }

    private void Check(int status, string function)
    {
        if (status == Success) return;
        string name = _statusName is not null && _statusName(status) is var p and not 0 ? Marshal.PtrToStringUTF8(p) ?? "" : "";
        throw new CublasException(function, name.Length > 0 ? name : StatusName(status));
    }

    /// <summary>cuBLAS's names for its statuses (cublas_api.h), for libraries without cublasGetStatusName.</summary>
    private static string StatusName(int status) => status switch
    {
        1 => "CUBLAS_STATUS_NOT_INITIALIZED",
        3 => "CUBLAS_STATUS_ALLOC_FAILED",
        7 => "CUBLAS_STATUS_INVALID_VALUE",
        8 => "CUBLAS_STATUS_ARCH_MISMATCH",
        11 => "CUBLAS_STATUS_MAPPING_ERROR",
        13 => "CUBLAS_STATUS_EXECUTION_FAILED",
        14 => "CUBLAS_STATUS_INTERNAL_ERROR",
        15 => "CUBLAS_STATUS_NOT_SUPPORTED",
        16 => "CUBLAS_STATUS_LICENSE_ERROR",
        _ => $"cublasStatus_t {status}",
    };

    private static nint Export(nint lib, string name) =>
        NativeLibrary.TryGetExport(lib, name, out nint address) ? address : throw new EntryPointNotFoundException($"{name} is missing");
}
