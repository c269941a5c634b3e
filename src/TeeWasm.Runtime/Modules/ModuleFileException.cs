namespace TeeWasm.Runtime.Modules;

/// <summary>
/// The module file cannot be used as it was given: missing or unreadable, not a WebAssembly module, not valid (a
/// <c>.wat</c> syntax error, a validation error), or of a kind this call does not take (native code, a precompiled
/// module without <c>--allow-precompiled</c>). Nothing of the guest ran. A precompiled module refused for its integrity
/// or its engine is a plain <see cref="WasmRuntimeException"/>.
/// </summary>
public sealed class ModuleFileException : WasmRuntimeException
{
    /// <summary>Creates the exception.</summary>
    public ModuleFileException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    public ModuleFileException(string message, Exception inner) : base(message, inner) { }
}
