using Wasmtime;

namespace TeeWasm.Runtime.Modules;

/// <summary>
/// The Wasmtime settings that change compiled code, so a compiled module is usable only by an engine with the same
/// ones: epoch interruption (always on: <c>--timeout</c>) and fuel metering (on with <c>--fuel</c>).
/// </summary>
public sealed record EngineSettings
{
    /// <summary>Whether compiled code meters fuel (needed by <c>--fuel</c>).</summary>
    public bool Fuel { get; init; }

    /// <summary>The version of the Wasmtime binding (and so of its native library) this host runs.</summary>
    public static string WasmtimeVersion { get; } = typeof(Engine).Assembly.GetName().Version is { } v
        ? $"{v.Major}.{v.Minor}.{v.Build}"
        : "unknown";

    /// <summary>
    /// What a compiled module must have been compiled by and for, e.g. <c>wasmtime 50.0.1; epoch=1; fuel=0</c>:
    /// stored in every precompiled module and compared before Wasmtime is handed its code.
    /// </summary>
    public string EngineId => $"wasmtime {WasmtimeVersion}; epoch=1; fuel={(Fuel ? 1 : 0)}";

    /// <summary>A Wasmtime configuration with these settings (the caller disposes it).</summary>
    public Config CreateConfig() => new Config().WithEpochInterruption(true).WithFuelConsumption(Fuel);
}
