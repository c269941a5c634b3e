namespace TeeWasm.Gpu.Kernels;

/// <summary>
/// The backend of a host where no device works: an empty <see cref="DeviceInfo"/> and
/// <see cref="GpuError.DeviceUnavailable"/> for everything, so guests still instantiate and take their CPU paths.
/// </summary>
public sealed class UnavailableGpuBackend : IGpuBackend
{
    /// <summary>Creates the backend; <paramref name="reason"/> says why no device works.</summary>
    public UnavailableGpuBackend(string reason) => Reason = reason;

    /// <summary>Why no device works.</summary>
    public string Reason { get; }

    /// <inheritdoc/>
    public DeviceInfo DeviceInfo => DeviceInfo.None;

    /// <inheritdoc/>
    public GpuResult<uint> BufferCreate(ulong size, BufferUsage usage) => GpuError.DeviceUnavailable;

    /// <inheritdoc/>
    public GpuResult<ulong> BufferSize(uint buffer) => GpuError.DeviceUnavailable;

    /// <inheritdoc/>
    public GpuResult BufferWrite(uint buffer, ulong offset, ReadOnlySpan<byte> data) => GpuError.DeviceUnavailable;

    /// <inheritdoc/>
    public GpuResult BufferRead(uint buffer, ulong offset, Span<byte> destination) => GpuError.DeviceUnavailable;

    /// <inheritdoc/>
    public GpuResult BufferCopy(uint source, ulong sourceOffset, uint destination, ulong destinationOffset, ulong size) => GpuError.DeviceUnavailable;

    /// <inheritdoc/>
    public GpuResult BufferDestroy(uint buffer) => GpuError.DeviceUnavailable;

    /// <inheritdoc/>
    public void Sync()
    {
    }

    /// <inheritdoc/>
    public GpuResult BootstrapSample(in BootstrapParams p, uint output) => GpuError.DeviceUnavailable;

    /// <inheritdoc/>
    public GpuResult FindSplit(in FindSplitParams p, uint data, uint labels, uint indices, uint thresholds, uint outputScores) => GpuError.DeviceUnavailable;

    /// <inheritdoc/>
    public GpuResult Average(in AverageParams p, uint treePredictions, uint output) => GpuError.DeviceUnavailable;

    /// <inheritdoc/>
    public GpuResult Matmul(in MatmulParams p, uint a, uint b, uint c) => GpuError.DeviceUnavailable;

    /// <inheritdoc/>
    public GpuResult Elementwise(in ElementwiseParams p, uint inputA, uint? inputB, uint output) => GpuError.DeviceUnavailable;

    /// <inheritdoc/>
    public GpuResult Reduce(in ReduceParams p, uint input, uint output) => GpuError.DeviceUnavailable;

    /// <inheritdoc/>
    public GpuResult BatchPredict(in BatchPredictParams p, uint samples, uint treeNodes, uint treeOffsets, uint output) => GpuError.DeviceUnavailable;

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
