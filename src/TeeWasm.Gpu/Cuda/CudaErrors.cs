using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Gpu.Cuda;

/// <summary>What a guest is told for a CUDA driver or cuBLAS error, by the library's name for it.</summary>
internal static class CudaErrors
{
    /// <summary>
    /// OutOfMemory for allocation failures, DeviceUnavailable when the device or context is gone, KernelError for the
    /// rest (a failed or faulting launch, a cuBLAS execution error).
    /// </summary>
    public static GpuError ToGpuError(string name) => name switch
    {
        "CUDA_ERROR_OUT_OF_MEMORY" or "CUBLAS_STATUS_ALLOC_FAILED" => GpuError.OutOfMemory,
        "CUDA_ERROR_NOT_INITIALIZED" or "CUDA_ERROR_DEINITIALIZED" or "CUDA_ERROR_NO_DEVICE" or "CUDA_ERROR_INVALID_DEVICE"
            or "CUDA_ERROR_DEVICE_UNAVAILABLE" or "CUDA_ERROR_DEVICE_NOT_LICENSED" or "CUDA_ERROR_INVALID_CONTEXT"
            or "CUDA_ERROR_CONTEXT_IS_DESTROYED" or "CUDA_ERROR_SYSTEM_NOT_READY" or "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH"
            or "ObjectDisposedException" => GpuError.DeviceUnavailable,
        _ => GpuError.KernelError,
    };
}
