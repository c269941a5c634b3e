namespace TeeWasm.Gpu.Cpu;

/// <summary>Limits of the <see cref="CpuBackend"/>.</summary>
public sealed record CpuBackendOptions
{
    /// <summary>The default buffer memory limit: 1 GiB.</summary>
    public const long DefaultMemoryLimit = 1L << 30;

    /// <summary>Total bytes all live buffers may hold (the device's <c>total_memory</c>); must be greater than 0.</summary>
    public long MemoryLimit { get; init; } = DefaultMemoryLimit;

    /// <summary>How many buffers may be alive at once (bounds the table even for zero-size buffers).</summary>
    public int MaxBuffers { get; init; } = 65536;

    /// <summary>Worker threads for the kernels; defaults to the processor count.</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Host diagnostics (a kernel that failed unexpectedly); null for none.</summary>
    public Action<string>? Log { get; init; }
}
