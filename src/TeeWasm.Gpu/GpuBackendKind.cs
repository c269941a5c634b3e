namespace TeeWasm.Gpu;

/// <summary>Which backend serves <c>wasi:gpu</c> (<c>tee-wasm run --gpu</c>).</summary>
public enum GpuBackendKind
{
    /// <summary>
    /// CUDA when the driver sees a device, else WebGPU when Dawn finds a hardware adapter, else the CPU (a software
    /// adapter is slower than the CPU backend).
    /// </summary>
    Auto = 0,

    /// <summary>The SIMD CPU backend.</summary>
    Cpu = 1,

    /// <summary>The WebGPU (Dawn) backend.</summary>
    WebGpu = 2,

    /// <summary>No backend: guests see no device (empty device-info, DeviceUnavailable) and take their CPU paths.</summary>
    None = 3,

    /// <summary>The CUDA backend (ILGPU kernels through the CUDA driver, cuBLAS for matmul when present).</summary>
    Cuda = 4,
}
