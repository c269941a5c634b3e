namespace TeeWasm.Gpu.Kernels;

/// <summary>
/// An ML-kernel compute backend behind <c>wasi:gpu</c>. Buffer ids and every size, offset and parameter come from an
/// untrusted guest: implementations validate them and answer with a <see cref="GpuError"/>, never an exception.
/// Buffers hold little-endian f32 (u32 for index buffers) unless stated. One instance serves one guest (store) and is
/// not thread-safe.
/// </summary>
public interface IGpuBackend : IDisposable
{
    /// <summary>What the backend runs on; <see cref="DeviceInfo.None"/> when no device works.</summary>
    DeviceInfo DeviceInfo { get; }

    /// <summary>Creates a zero-filled buffer of <paramref name="size"/> bytes and returns its id (never 0).</summary>
    GpuResult<uint> BufferCreate(ulong size, BufferUsage usage);

    /// <summary>The size in bytes of a buffer.</summary>
    GpuResult<ulong> BufferSize(uint buffer);

    /// <summary>Copies <paramref name="data"/> into the buffer at <paramref name="offset"/>.</summary>
    GpuResult BufferWrite(uint buffer, ulong offset, ReadOnlySpan<byte> data);

    /// <summary>Copies <c>destination.Length</c> bytes at <paramref name="offset"/> of the buffer into <paramref name="destination"/>.</summary>
    GpuResult BufferRead(uint buffer, ulong offset, Span<byte> destination);

    /// <summary>Copies <paramref name="size"/> bytes between buffers (or within one; overlapping ranges copy correctly).</summary>
    GpuResult BufferCopy(uint source, ulong sourceOffset, uint destination, ulong destinationOffset, ulong size);

    /// <summary>Destroys a buffer and releases its memory.</summary>
    GpuResult BufferDestroy(uint buffer);

    /// <summary>Waits until all submitted work has finished.</summary>
    void Sync();

    /// <summary>
    /// Writes <c>NSamples</c> u32 indices in [0, MaxIndex) at offset 0 of <paramref name="output"/>. Index i is
    /// <c>xorshift(xorshift(seed + i*747796405 + 2891336453)) % MaxIndex</c> in wrapping u32 arithmetic, where
    /// <c>xorshift(x)</c> is <c>x ^= x &lt;&lt; 13; x ^= x &gt;&gt; 17; x ^= x &lt;&lt; 5</c> (the WGSL shader of the original).
    /// </summary>
    GpuResult BootstrapSample(in BootstrapParams p, uint output);

    /// <summary>
    /// For each threshold t: rows <c>indices[0..NSamples)</c> (u32 row numbers of the full row-major <paramref name="data"/>,
    /// labels by row) are split by <c>data[row*NFeatures+FeatureIdx] &lt;= t</c>; the score is SSE(left) + SSE(right), +∞
    /// when a side is empty. A row index outside the data or labels is InvalidParams.
    /// </summary>
    GpuResult FindSplit(in FindSplitParams p, uint data, uint labels, uint indices, uint thresholds, uint outputScores);

    /// <summary>Output[s] = mean over trees of input[s*NTrees + tree].</summary>
    GpuResult Average(in AverageParams p, uint treePredictions, uint output);

    /// <summary>Row-major <c>C = alpha*op(A)*op(B) + beta*C</c>.</summary>
    GpuResult Matmul(in MatmulParams p, uint a, uint b, uint c);

    /// <summary>Output = op(a) or op(a, b) element by element; <paramref name="inputB"/> is needed for add and mul.</summary>
    GpuResult Elementwise(in ElementwiseParams p, uint inputA, uint? inputB, uint output);

    /// <summary>Reduces the input to one f32 written at offset 0 of <paramref name="output"/>.</summary>
    GpuResult Reduce(in ReduceParams p, uint input, uint output);

    /// <summary>Random-forest inference; the node layout is <see cref="TreeNodeLayout"/>.</summary>
    GpuResult BatchPredict(in BatchPredictParams p, uint samples, uint treeNodes, uint treeOffsets, uint output);
}
