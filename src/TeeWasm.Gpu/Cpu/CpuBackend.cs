using Microsoft.Extensions.Logging;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Gpu.Cpu;

/// <summary>
/// The CPU backend of <c>wasi:gpu</c>: buffers are byte arrays counted against the guest's GPU memory budget (<see cref="GpuBackendOptions.Budget"/>),
/// kernels are C# SIMD (Vector256, <see cref="System.Numerics.Tensors.TensorPrimitives"/>) with Parallel.For where it
/// pays. It is also the reference the other backends are tested against. Unknown buffer ids give InvalidBuffer;
/// ranges, shapes and indices that do not fit give InvalidParams; nothing from the guest can make it throw.
/// </summary>
public sealed class CpuBackend : IGpuBackend
{
    private readonly GpuBufferTable<byte[]> _buffers;
    private readonly int _parallelism;
    private readonly ILogger? _log;

    /// <summary>Creates the backend with <paramref name="options"/> (defaults when null).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit is not positive.</exception>
    /// <exception cref="PlatformNotSupportedException">The machine is big-endian.</exception>
    public CpuBackend(CpuBackendOptions? options = null)
    {
        options ??= new CpuBackendOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MemoryLimit);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxBuffers);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the CPU backend needs a little-endian machine");
        _buffers = new GpuBufferTable<byte[]>(options.ResolveBudget(), options.MaxBuffers);
        _parallelism = Math.Max(1, options.MaxDegreeOfParallelism);
        _log = options.Logger;
        DeviceInfo = new DeviceInfo(DescribeCpu(), "cpu", (ulong)_buffers.Budget.Limit, IsHardware: false, ComputeCapability: "");
    }

    /// <inheritdoc/>
    public DeviceInfo DeviceInfo { get; }

    /// <summary>Bytes held by live buffers.</summary>
    public long MemoryUsed => _buffers.Used;

    /// <summary>Number of live buffers.</summary>
    public int BufferCount => _buffers.Count;

    /// <inheritdoc/>
    public GpuResult<uint> BufferCreate(ulong size, BufferUsage usage) =>
        (usage & ~BufferUsage.All) != 0 ? GpuError.InvalidParams : _buffers.Create(size, (ulong)Array.MaxLength, n => new byte[n]);

    /// <inheritdoc/>
    public GpuResult<ulong> BufferSize(uint buffer) =>
        _buffers.Get(buffer) is { } entry ? entry.Size : GpuError.InvalidBuffer;

    /// <inheritdoc/>
    public GpuResult BufferWrite(uint buffer, ulong offset, ReadOnlySpan<byte> data)
    {
        if (_buffers.Range(buffer, offset, (ulong)data.Length, out var e) is { } error) return error;
        data.CopyTo(e.Storage.AsSpan((int)offset));
        return GpuResult.Ok;
    }

    /// <inheritdoc/>
    public GpuResult BufferRead(uint buffer, ulong offset, Span<byte> destination)
    {
        if (_buffers.Range(buffer, offset, (ulong)destination.Length, out var e) is { } error) return error;
        e.Storage.AsSpan((int)offset, destination.Length).CopyTo(destination);
        return GpuResult.Ok;
    }

    /// <inheritdoc/>
    public GpuResult BufferCopy(uint source, ulong sourceOffset, uint destination, ulong destinationOffset, ulong size)
    {
        if (_buffers.CopyRanges(source, sourceOffset, destination, destinationOffset, size, out var src, out var dst) is { } error) return error;
        src.Storage.AsSpan((int)sourceOffset, (int)size).CopyTo(dst.Storage.AsSpan((int)destinationOffset)); // memmove: overlap is fine
        return GpuResult.Ok;
    }

    /// <inheritdoc/>
    public GpuResult BufferDestroy(uint buffer) => _buffers.Destroy(buffer, out _) ? GpuResult.Ok : GpuError.InvalidBuffer;

    /// <inheritdoc/>
    public void Sync()
    {
        // Kernels run synchronously: nothing is ever pending.
    }

    private GpuResult BootstrapSampleCore(in BootstrapParams p, uint output)
    {
        if (KernelArguments.Bootstrap(_buffers, p, output, out var dst) is { } error) return error;
        BootstrapSampler.Fill(p.Seed, p.MaxIndex, MemoryMarshal.Cast<byte, uint>(dst.Storage.AsSpan())[..(int)p.NSamples]);
        return GpuResult.Ok;
    }

    private GpuResult FindSplitCore(in FindSplitParams p, uint data, uint labels, uint indices, uint thresholds, uint outputScores)
    {
        if (KernelArguments.FindSplit(_buffers, p, data, labels, indices, thresholds, outputScores, out var f) is { } error) return error;
        var (x, y, idx, t, o) = (f.Data.Storage, f.Labels.Storage, f.Indices.Storage, f.Thresholds.Storage, f.Scores.Storage);
        long rows = x.Length / 4 / p.NFeatures;
        // Scores go straight to the output unless it is also an input (then through a copy).
        bool aliased = ReferenceEquals(o, x) || ReferenceEquals(o, y) || ReferenceEquals(o, idx) || ReferenceEquals(o, t);
        float[]? staged = aliased ? new float[p.NThresholds] : null;
        var result = CpuFindSplit.Score(
            MemoryMarshal.Cast<byte, float>(x.AsSpan())[..(int)(rows * p.NFeatures)], (int)p.NFeatures, (int)p.FeatureIdx,
            MemoryMarshal.Cast<byte, float>(y.AsSpan()),
            MemoryMarshal.Cast<byte, uint>(idx.AsSpan())[..(int)p.NSamples],
            MemoryMarshal.Cast<byte, float>(t.AsSpan())[..(int)p.NThresholds],
            staged ?? MemoryMarshal.Cast<byte, float>(o.AsSpan())[..(int)p.NThresholds]);
        if (result.IsOk && staged is not null) MemoryMarshal.AsBytes(staged.AsSpan()).CopyTo(o);
        return result;
    }

    private GpuResult AverageCore(in AverageParams p, uint treePredictions, uint output)
    {
        if (KernelArguments.Average(_buffers, p, treePredictions, output, out var input, out var dst) is { } error) return error;
        var x = MemoryMarshal.Cast<byte, float>(input.Storage.AsSpan());
        int trees = (int)p.NTrees;
        var means = new float[p.NSamples];
        for (int s = 0; s < means.Length; s++)
            means[s] = System.Numerics.Tensors.TensorPrimitives.Sum(x.Slice(s * trees, trees)) / trees;
        MemoryMarshal.AsBytes(means.AsSpan()).CopyTo(dst.Storage);
        return GpuResult.Ok;
    }

    private GpuResult MatmulCore(in MatmulParams p, uint a, uint b, uint c)
    {
        if (KernelArguments.Matmul(_buffers, p, a, b, c, out var aBuffer, out var bBuffer, out var cBuffer) is { } error) return error;
        var (aBytes, bBytes, cBytes) = (aBuffer.Storage, bBuffer.Storage, cBuffer.Storage);
        // C is scaled by beta before A and B are packed: an input that is also the output is read from a copy.
        if (ReferenceEquals(aBytes, cBytes)) aBytes = (byte[])aBytes.Clone();
        if (ReferenceEquals(bBytes, cBytes)) bBytes = (byte[])bBytes.Clone();
        return CpuMatmul.Multiply(p, aBytes, bBytes, cBytes, _parallelism);
    }

    private GpuResult ElementwiseCore(in ElementwiseParams p, uint inputA, uint? inputB, uint output)
    {
        if (KernelArguments.Elementwise(_buffers, p, inputA, inputB, output, out var a, out var b, out var dst) is { } error) return error;
        CpuElementwise.Apply(p.Op, (int)p.NElements, a.Storage, b.Storage, dst.Storage, _parallelism);
        return GpuResult.Ok;
    }

    private GpuResult ReduceCore(in ReduceParams p, uint input, uint output)
    {
        if (KernelArguments.Reduce(_buffers, p, input, output, out var x, out var dst) is { } error) return error;
        float value = CpuReduce.Apply(p.Op, MemoryMarshal.Cast<byte, float>(x.Storage.AsSpan())[..(int)p.NElements]);
        MemoryMarshal.Write(dst.Storage.AsSpan(), in value);
        return GpuResult.Ok;
    }

    private GpuResult BatchPredictCore(in BatchPredictParams p, uint samples, uint treeNodes, uint treeOffsets, uint output)
    {
        if (KernelArguments.BatchPredict(_buffers, p, samples, treeNodes, treeOffsets, output, out var f) is { } error) return error;
        var (x, nodes, offsets, dst) = (f.Samples.Storage, f.Nodes.Storage, f.Offsets.Storage, f.Output.Storage);
        uint[] roots = MemoryMarshal.Cast<byte, uint>(offsets.AsSpan())[..(int)p.NTrees].ToArray();
        return CpuBatchPredict.Predict(p, x, nodes, nodes.Length / TreeNodeLayout.NodeSize, roots, dst, _parallelism);
    }

    /// <inheritdoc/>
    public GpuResult BootstrapSample(in BootstrapParams p, uint output)
    {
        try
        {
            return BootstrapSampleCore(p, output);
        }
        catch (Exception e)
        {
            return Failed(nameof(BootstrapSample), e);
        }
    }

    /// <inheritdoc/>
    public GpuResult FindSplit(in FindSplitParams p, uint data, uint labels, uint indices, uint thresholds, uint outputScores)
    {
        try
        {
            return FindSplitCore(p, data, labels, indices, thresholds, outputScores);
        }
        catch (Exception e)
        {
            return Failed(nameof(FindSplit), e);
        }
    }

    /// <inheritdoc/>
    public GpuResult Average(in AverageParams p, uint treePredictions, uint output)
    {
        try
        {
            return AverageCore(p, treePredictions, output);
        }
        catch (Exception e)
        {
            return Failed(nameof(Average), e);
        }
    }

    /// <inheritdoc/>
    public GpuResult Matmul(in MatmulParams p, uint a, uint b, uint c)
    {
        try
        {
            return MatmulCore(p, a, b, c);
        }
        catch (Exception e)
        {
            return Failed(nameof(Matmul), e);
        }
    }

    /// <inheritdoc/>
    public GpuResult Elementwise(in ElementwiseParams p, uint inputA, uint? inputB, uint output)
    {
        try
        {
            return ElementwiseCore(p, inputA, inputB, output);
        }
        catch (Exception e)
        {
            return Failed(nameof(Elementwise), e);
        }
    }

    /// <inheritdoc/>
    public GpuResult Reduce(in ReduceParams p, uint input, uint output)
    {
        try
        {
            return ReduceCore(p, input, output);
        }
        catch (Exception e)
        {
            return Failed(nameof(Reduce), e);
        }
    }

    /// <inheritdoc/>
    public GpuResult BatchPredict(in BatchPredictParams p, uint samples, uint treeNodes, uint treeOffsets, uint output)
    {
        try
        {
            return BatchPredictCore(p, samples, treeNodes, treeOffsets, output);
        }
        catch (Exception e)
        {
            return Failed(nameof(BatchPredict), e);
        }
    }

    /// <summary>
    /// A kernel threw (a bug, or memory for a temporary ran out): the guest gets KernelError (OutOfMemory) instead of a
    /// trap, and the host log says what happened.
    /// </summary>
    private GpuError Failed(string kernel, Exception e)
    {
        if (e is OutOfMemoryException) return GpuError.OutOfMemory;
        _log?.LogWarning("{Line}", $"wasi:gpu {kernel}: the CPU backend failed: {e.GetType().Name}: {e.Message}");
        return GpuError.KernelError;
    }

    /// <summary>Destroys every buffer.</summary>
    public void Dispose() => _buffers.Clear();

    private static string DescribeCpu()
    {
        string simd = Avx512F.IsSupported ? "AVX-512"
            : Avx2.IsSupported && Fma.IsSupported ? "AVX2"
            : Avx.IsSupported ? "AVX"
            : AdvSimd.IsSupported ? "NEON"
            : Sse2.IsSupported ? "SSE2"
            : "scalar";
        int cores = Environment.ProcessorCount;
        return $"CPU ({simd}, {cores} {(cores == 1 ? "core" : "cores")})";
    }
}
