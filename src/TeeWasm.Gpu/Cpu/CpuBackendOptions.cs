using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Gpu.Cpu;

/// <summary>Limits of the <see cref="CpuBackend"/>.</summary>
public sealed record CpuBackendOptions : GpuBackendOptions
{
    /// <summary>Worker threads for the kernels; defaults to the processor count.</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;
}
