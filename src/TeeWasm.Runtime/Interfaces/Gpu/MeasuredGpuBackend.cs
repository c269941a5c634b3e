using TeeWasm.Attestation.Evidence;
using TeeWasm.Gpu.Cpu;
using TeeWasm.Gpu.Cuda;
using TeeWasm.Gpu.Kernels;
using TeeWasm.Gpu.WebGpu;

namespace TeeWasm.Runtime.Interfaces.Gpu;

/// <summary>
/// A <see cref="IGpuBackend"/> that appends each kernel kind the guest dispatches to the run's measurement log (the first
/// dispatch of each kind, with the backend that runs it) before the inner backend runs it. Buffer calls are not logged:
/// they move data, not code.
/// </summary>
/// <param name="inner">The backend that does the work (owned: disposed with this).</param>
/// <param name="log">The run's measurement log.</param>
public sealed class MeasuredGpuBackend(IGpuBackend inner, RuntimeMeasurementLog log) : IGpuBackend
{
    private readonly HashSet<string> _measured = new(StringComparer.Ordinal);
    private readonly string _backend = inner switch
    {
        CudaBackend => "cuda",
        WebGpuBackend => "webgpu",
        CpuBackend => "cpu",
        UnavailableGpuBackend => "none",
        _ => inner.GetType().Name,
    };

    /// <summary>The backend's name in log entries ("cpu", "webgpu", "cuda", "none").</summary>
    public string BackendName => _backend;

    /// <inheritdoc />
    public DeviceInfo DeviceInfo => inner.DeviceInfo;

    /// <inheritdoc />
    public GpuResult<uint> BufferCreate(ulong size, BufferUsage usage) => inner.BufferCreate(size, usage);

    /// <inheritdoc />
    public GpuResult<ulong> BufferSize(uint buffer) => inner.BufferSize(buffer);

    /// <inheritdoc />
    public GpuResult BufferWrite(uint buffer, ulong offset, ReadOnlySpan<byte> data) => inner.BufferWrite(buffer, offset, data);

    /// <inheritdoc />
    public GpuResult BufferRead(uint buffer, ulong offset, Span<byte> destination) => inner.BufferRead(buffer, offset, destination);

    /// <inheritdoc />
    public GpuResult BufferCopy(uint source, ulong sourceOffset, uint destination, ulong destinationOffset, ulong size) =>
        inner.BufferCopy(source, sourceOffset, destination, destinationOffset, size);

    /// <inheritdoc />
    public GpuResult BufferDestroy(uint buffer) => inner.BufferDestroy(buffer);

    /// <inheritdoc />
    public void Sync() => inner.Sync();

    /// <inheritdoc />
    public GpuResult BootstrapSample(in BootstrapParams p, uint output) => Measure("bootstrap-sample").BootstrapSample(p, output);

    /// <inheritdoc />
    public GpuResult FindSplit(in FindSplitParams p, uint data, uint labels, uint indices, uint thresholds, uint outputScores) =>
        Measure("find-split").FindSplit(p, data, labels, indices, thresholds, outputScores);

    /// <inheritdoc />
    public GpuResult Average(in AverageParams p, uint treePredictions, uint output) => Measure("average").Average(p, treePredictions, output);

    /// <inheritdoc />
    public GpuResult Matmul(in MatmulParams p, uint a, uint b, uint c) => Measure("matmul").Matmul(p, a, b, c);

    /// <inheritdoc />
    public GpuResult Elementwise(in ElementwiseParams p, uint inputA, uint? inputB, uint output) =>
        Measure("elementwise").Elementwise(p, inputA, inputB, output);

    /// <inheritdoc />
    public GpuResult Reduce(in ReduceParams p, uint input, uint output) => Measure("reduce").Reduce(p, input, output);

    /// <inheritdoc />
    public GpuResult BatchPredict(in BatchPredictParams p, uint samples, uint treeNodes, uint treeOffsets, uint output) =>
        Measure("batch-predict").BatchPredict(p, samples, treeNodes, treeOffsets, output);

    /// <inheritdoc />
    public void Dispose() => inner.Dispose();

    // Measured before it runs (like a TPM extend before the code executes); a kind already logged costs a set lookup.
    private IGpuBackend Measure(string kernel)
    {
        if (_measured.Add(kernel)) log.Extend(MeasurementLogEntry.GpuKernel(kernel, _backend));
        return inner;
    }
}
