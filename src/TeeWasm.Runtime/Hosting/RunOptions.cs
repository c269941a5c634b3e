using Microsoft.Extensions.Logging;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Policy;
using TeeWasm.Attestation.Services.Kbs;

namespace TeeWasm.Runtime.Hosting;

/// <summary>How to run one guest module.</summary>
public sealed record RunOptions
{
    /// <summary>Arguments after the program name (the guest sees the module file name as argv[0]).</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Environment variables given to the guest (nothing is inherited).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; } = [];

    /// <summary>Directories preopened for the guest.</summary>
    public IReadOnlyList<DirectoryMapping> Directories { get; init; } = [];

    /// <summary>
    /// Call this exported function instead of <c>_start</c> (after <c>_initialize</c> when the module exports one), with
    /// <see cref="Arguments"/> as its arguments, read by its parameter types (i32, i64, f32, f64); its results are in
    /// <see cref="RunResult.Results"/>. Null runs <c>_start</c>.
    /// </summary>
    public string? Invoke { get; init; }

    /// <summary>Instruction budget (Wasmtime fuel); null for none.</summary>
    public ulong? Fuel { get; init; }

    /// <summary>Wall-clock limit for guest code; null for none. Host calls are not interrupted.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The default <see cref="MaxMemoryBytes"/>: 4 GiB (as much as a wasm32 linear memory can hold).</summary>
    public const long DefaultMaxMemoryBytes = 4L << 30;

    /// <summary>The most <see cref="GpuMemoryBytes"/> is by default: 1 GiB.</summary>
    public const long DefaultMaxGpuMemoryBytes = 1L << 30;

    /// <summary>
    /// The guest's memory budget, in bytes (<c>--max-memory</c>): its linear memory, its <c>wasi:gpu</c> buffers and
    /// its <c>wasi:webgpu</c> buffers together. A guest that imports neither GPU interface may grow its linear memory
    /// to all of it (at most 4 GiB); one that imports either gets <see cref="GpuMemoryBytes"/> of it for GPU buffers
    /// (both interfaces together, on every backend) and the rest for linear memory.
    /// </summary>
    public long MaxMemoryBytes { get; init; } = DefaultMaxMemoryBytes;

    /// <summary>
    /// The part of <see cref="MaxMemoryBytes"/> for the GPU buffers of a guest that imports <c>wasi:gpu</c> or
    /// <c>wasi:webgpu</c> (<c>--max-gpu-memory</c>); null: a quarter of the budget, at most 1 GiB.
    /// </summary>
    public long? MaxGpuMemoryBytes { get; init; }

    /// <summary>The GPU buffer budget in effect: <see cref="MaxGpuMemoryBytes"/>, or a quarter of <see cref="MaxMemoryBytes"/> up to 1 GiB.</summary>
    public long GpuMemoryBytes => MaxGpuMemoryBytes ?? Math.Min(DefaultMaxGpuMemoryBytes, MaxMemoryBytes / 4);

    /// <summary>The most bytes of linear memory a wasm32 guest can address: 4 GiB.</summary>
    public const long Wasm32MemoryBytes = 4L << 30;

    /// <summary>The linear memory limit of a guest that does or does not import a GPU interface.</summary>
    /// <exception cref="WasmRuntimeException">The budget is not positive, or the GPU share is not less than it.</exception>
    public long LinearMemoryLimit(bool importsGpu)
    {
        if (GpuMemoryBytes <= 0 || GpuMemoryBytes >= MaxMemoryBytes)
            throw new WasmRuntimeException($"the GPU memory ({GpuMemoryBytes >> 20} MiB, --max-gpu-memory) must be positive and less than the guest's memory budget ({MaxMemoryBytes >> 20} MiB, --max-memory)");
        return Math.Min(Wasm32MemoryBytes, importsGpu ? MaxMemoryBytes - GpuMemoryBytes : MaxMemoryBytes);
    }

    /// <summary>The compiled-module cache directory; null disables the cache.</summary>
    public string? CacheDirectory { get; init; } = Modules.ModuleCache.DefaultDirectory;

    /// <summary>The most bytes the compiled-module cache may hold; least recently used entries go beyond it.</summary>
    public long CacheMaxBytes { get; init; } = Modules.ModuleCache.DefaultMaxBytes;

    /// <summary>
    /// Accept a precompiled module (<c>tee-wasm compile</c>) as the module file. Its code is not validated again and the
    /// module hash bound into attestation is the one recorded in it: allow only files you compiled or trust.
    /// </summary>
    public bool AllowPrecompiled { get; init; }

    /// <summary>Where the guest's stdout goes: null inherits the host's; otherwise a file path.</summary>
    public string? StdoutPath { get; init; }

    /// <summary>Where the guest's stderr goes: null inherits the host's; otherwise a file path.</summary>
    public string? StderrPath { get; init; }

    /// <summary>
    /// The host's log (one line per message): information (the attestation gate's verdict, the module cache), warnings
    /// (a GPU that failed), and at debug which GPU backend serves wasi:gpu and why, and every error the guest is told
    /// about (bad pointers, WGSL errors it may expect and handle); null logs nothing.
    /// </summary>
    public ILogger? Logger { get; init; }

    /// <summary>The policy applied by <see cref="RequireAttestation"/> and to the guest's <c>attest_vm</c> results; null for none.</summary>
    public TeeWasm.Attestation.Policy.AttestationPolicy? Policy { get; init; }

    /// <summary>Attest the VM and check <see cref="Policy"/> (default policy when null) before the guest starts; refuse to start it otherwise.</summary>
    public bool RequireAttestation { get; init; }

    /// <summary>The key broker <c>get_secret</c> asks (after attesting the host to it); null: no broker, every request fails.</summary>
    public KbsClientOptions? KeyBroker { get; init; }

    /// <summary>Attestation settings for the guest's <c>wasmtime:attestation</c> imports.</summary>
    public AttesterOptions Attestation { get; init; } = new();

    /// <summary>Bounds and engine settings for the guest's <c>wasi:webgpu</c> imports.</summary>
    public Interfaces.WebGpu.WebGpuGuestLimits WebGpu { get; init; } = new();

    /// <summary>Which backend serves the guest's <c>wasi:gpu</c> imports (<c>--gpu</c>).</summary>
    public TeeWasm.Gpu.GpuBackendKind Gpu { get; init; } = TeeWasm.Gpu.GpuBackendKind.Auto;

    /// <summary>
    /// Attest the launch (the VM and every GPU) before the guest starts, refusing to start it otherwise, and sign a
    /// receipt of the run when it exits (<see cref="RunResult.Receipt"/>; <c>--receipt</c>).
    /// </summary>
    public bool Receipt { get; init; }

    /// <summary>With <see cref="Receipt"/>: also make an offline bundle of the launch attestation and its collateral (<see cref="RunResult.Bundle"/>; <c>--bundle</c>).</summary>
    public bool Bundle { get; init; }
}
