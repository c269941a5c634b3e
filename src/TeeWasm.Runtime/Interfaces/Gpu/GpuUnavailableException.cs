namespace TeeWasm.Runtime.Interfaces.Gpu;

/// <summary>The <c>--gpu</c> backend asked for does not work on this machine (no CUDA driver, no WebGPU adapter); the message says why.</summary>
public sealed class GpuUnavailableException : WasmRuntimeException
{
    /// <summary>Creates the exception with the reason and its cause.</summary>
    public GpuUnavailableException(string message, Exception inner) : base(message, inner) { }
}
