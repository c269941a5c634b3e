namespace TeeWasm.Gpu.Cuda;

/// <summary>CUDA does not work here: no driver, the driver did not start, no such device; the message says why in one line.</summary>
public sealed class CudaUnavailableException : Exception
{
    /// <summary>Creates the exception with the reason.</summary>
    public CudaUnavailableException(string message) : base(message) { }

    /// <summary>Creates the exception with the reason and its cause.</summary>
    public CudaUnavailableException(string message, Exception inner) : base(message, inner) { }
}
