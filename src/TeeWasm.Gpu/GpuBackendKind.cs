namespace TeeWasm.Gpu;

/// <summary>Which backend serves <c>wasi:gpu</c> (<c>tee-wasm run --gpu</c>).</summary>
public enum GpuBackendKind
{
    /// <summary>The best one that works: WebGPU when this build has it and it finds an adapter, else the CPU.</summary>
    Auto = 0,

    /// <summary>The SIMD CPU backend.</summary>
    Cpu = 1,

    /// <summary>The WebGPU (Dawn) backend.</summary>
    WebGpu = 2,

    /// <summary>No backend: guests see no device (empty device-info, DeviceUnavailable) and take their CPU paths.</summary>
    None = 3,
}
