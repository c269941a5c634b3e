namespace TeeWasm.Gpu.Kernels;

/// <summary>
/// The <c>gpu-error</c> variant of <c>wasi:gpu</c>; the numeric values are the codes the guest sees at <c>retptr+4</c>.
/// </summary>
public enum GpuError
{
    /// <summary>The buffer memory limit would be exceeded, or too many buffers exist.</summary>
    OutOfMemory = 0,

    /// <summary>A buffer id is unknown: never created, or destroyed.</summary>
    InvalidBuffer = 1,

    /// <summary>A kernel failed while running.</summary>
    KernelError = 2,

    /// <summary>No compute device works.</summary>
    DeviceUnavailable = 3,

    /// <summary>A parameter is out of range: an unknown op, a range or shape that does not fit the buffer, a row or node index outside the data.</summary>
    InvalidParams = 4,
}
