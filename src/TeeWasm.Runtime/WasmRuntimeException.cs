namespace TeeWasm.Runtime;

/// <summary>Base exception of the runtime: a module could not be loaded, linked or run. The message is one clear line.</summary>
public class WasmRuntimeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WasmRuntimeException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    public WasmRuntimeException(string message, Exception inner) : base(message, inner) { }
}
