using Microsoft.Extensions.Logging;
namespace TeeWasm.Gpu.Kernels;

/// <summary>The limits every <c>wasi:gpu</c> backend enforces the same way (<see cref="GpuBufferTable{T}"/>), and its log.</summary>
public abstract record GpuBackendOptions
{
    /// <summary>The default buffer memory limit: 1 GiB, on every backend, so a guest sees the same limit on each.</summary>
    public const long DefaultMemoryLimit = 1L << 30;

    /// <summary>Total bytes all live buffers may hold (the device's <c>total_memory</c>); must be greater than 0. Ignored when <see cref="Budget"/> is given.</summary>
    public long MemoryLimit { get; init; } = DefaultMemoryLimit;

    /// <summary>
    /// A budget shared with other users of the same guest's memory (its <c>wasi:webgpu</c> session): buffers are
    /// counted against it, and its limit is the device's <c>total_memory</c>. Null: the backend's own budget of
    /// <see cref="MemoryLimit"/> bytes.
    /// </summary>
    public GpuMemoryBudget? Budget { get; init; }

    /// <summary>The budget buffers are counted against: <see cref="Budget"/>, or a new one of <see cref="MemoryLimit"/> bytes.</summary>
    internal GpuMemoryBudget ResolveBudget() => Budget ?? new GpuMemoryBudget(MemoryLimit);

    /// <summary>How many buffers may be alive at once (bounds the table even for zero-size buffers).</summary>
    public int MaxBuffers { get; init; } = 65536;

    /// <summary>Host diagnostics: a kernel that failed unexpectedly (warning), a request the guest is refused (debug); null for none.</summary>
    public ILogger? Logger { get; init; }
}
