using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Gpu.Cpu;

/// <summary>
/// The CPU backend of <c>wasi:gpu</c>: buffers are byte arrays counted against <see cref="GpuBackendOptions.MemoryLimit"/>,
/// kernels are C# SIMD (Vector256, <see cref="System.Numerics.Tensors.TensorPrimitives"/>) with Parallel.For where it
/// pays. It is also the reference the other backends are tested against. Unknown buffer ids give InvalidBuffer;
/// ranges, shapes and indices that do not fit give InvalidParams; nothing from the guest can make it throw.
/// </summary>
public sealed class CpuBackend : IGpuBackend
{
    private readonly GpuBufferTable<byte[]> _buffers;
    private readonly int _parallelism;
    private readonly Action<string>? _log;

    /// <summary>Creates the backend with <paramref name="options"/> (defaults when null).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit is not positive.</exception>
    /// <exception cref="PlatformNotSupportedException">The machine is big-endian.</exception>
    public CpuBackend(CpuBackendOptions? options = null)
    {
        options ??= new CpuBackendOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MemoryLimit);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxBuffers);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the CPU backend needs a little-endian machine");
        _buffers = new GpuBufferTable<byte[]>(options.MemoryLimit, options.MaxBuffers);
        _parallelism = Math.Max(1, options.MaxDegreeOfParallelism);
        _log = options.Log;
        DeviceInfo = new DeviceInfo(DescribeCpu(), "cpu", (ulong)options.MemoryLimit, IsHardware: false, ComputeCapability: "");
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
        if (_buffers.Get(buffer)?.Storage is not { } bytes) return GpuError.InvalidBuffer;
        if (!Fits(bytes, offset, (ulong)data.Length)) return GpuError.InvalidParams;
        data.CopyTo(bytes.AsSpan((int)offset));
        return GpuResult.Ok;
    }

    /// <inheritdoc/>
    public GpuResult BufferRead(uint buffer, ulong offset, Span<byte> destination)
    {
        if (_buffers.Get(buffer)?.Storage is not { } bytes) return GpuError.InvalidBuffer;
        if (!Fits(bytes, offset, (ulong)destination.Length)) return GpuError.InvalidParams;
        bytes.AsSpan((int)offset, destination.Length).CopyTo(destination);
        return GpuResult.Ok;
    }

    /// <inheritdoc/>
    public GpuResult BufferCopy(uint source, ulong sourceOffset, uint destination, ulong destinationOffset, ulong size)
    {
        if (_buffers.Get(source)?.Storage is not { } src || _buffers.Get(destination)?.Storage is not { } dst) return GpuError.InvalidBuffer;
        if (!Fits(src, sourceOffset, size) || !Fits(dst, destinationOffset, size)) return GpuError.InvalidParams;
        src.AsSpan((int)sourceOffset, (int)size).CopyTo(dst.AsSpan((int)destinationOffset)); // memmove: overlap is fine
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
        if (Floats(output, p.NSamples, out var dst) is { } error) return error;
        if (p.MaxIndex == 0) return GpuError.InvalidParams;
        CpuBootstrap.Fill(p.Seed, p.MaxIndex, MemoryMarshal.Cast<byte, uint>(dst.AsSpan())[..(int)p.NSamples]);
        return GpuResult.Ok;
    }

    private GpuResult FindSplitCore(in FindSplitParams p, uint data, uint labels, uint indices, uint thresholds, uint outputScores)
    {
        if (Floats(data, 0, out var x) is { } e1) return e1;
        if (Floats(labels, 0, out var y) is { } e2) return e2;
        if (Floats(indices, p.NSamples, out var idx) is { } e3) return e3;
        if (Floats(thresholds, p.NThresholds, out var t) is { } e4) return e4;
        if (Floats(outputScores, p.NThresholds, out var o) is { } e5) return e5;
        if (p.NFeatures == 0 || p.FeatureIdx >= p.NFeatures) return GpuError.InvalidParams;
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
        if (Floats(treePredictions, (ulong)p.NTrees * p.NSamples, out var input) is { } e1) return e1;
        if (Floats(output, p.NSamples, out var dst) is { } e2) return e2;
        if (p.NTrees == 0) return GpuError.InvalidParams;
        var x = MemoryMarshal.Cast<byte, float>(input.AsSpan());
        int trees = (int)p.NTrees;
        var means = new float[p.NSamples];
        for (int s = 0; s < means.Length; s++)
            means[s] = System.Numerics.Tensors.TensorPrimitives.Sum(x.Slice(s * trees, trees)) / trees;
        MemoryMarshal.AsBytes(means.AsSpan()).CopyTo(dst);
        return GpuResult.Ok;
    }

    private GpuResult MatmulCore(in MatmulParams p, uint a, uint b, uint c)
    {
        if (Floats(a, (ulong)p.M * p.K, out var aBytes) is { } e1) return e1;
        if (Floats(b, (ulong)p.K * p.N, out var bBytes) is { } e2) return e2;
        if (Floats(c, (ulong)p.M * p.N, out var cBytes) is { } e3) return e3;
        // C is scaled by beta before A and B are packed: an input that is also the output is read from a copy.
        if (ReferenceEquals(aBytes, cBytes)) aBytes = (byte[])aBytes.Clone();
        if (ReferenceEquals(bBytes, cBytes)) bBytes = (byte[])bBytes.Clone();
        return CpuMatmul.Multiply(p, aBytes, bBytes, cBytes, _parallelism);
    }

    private GpuResult ElementwiseCore(in ElementwiseParams p, uint inputA, uint? inputB, uint output)
    {
        if (Floats(inputA, p.NElements, out var a) is { } e1) return e1;
        if (Floats(output, p.NElements, out var dst) is { } e2) return e2;
        if (!Enum.IsDefined(p.Op)) return GpuError.InvalidParams;
        byte[]? b = null;
        if (p.Op is ElementwiseOp.Add or ElementwiseOp.Mul)
        {
            if (inputB is not uint bId) return GpuError.InvalidParams;
            if (Floats(bId, p.NElements, out var bBytes) is { } e3) return e3;
            b = bBytes;
        }
        CpuElementwise.Apply(p.Op, (int)p.NElements, a, b, dst, _parallelism);
        return GpuResult.Ok;
    }

    private GpuResult ReduceCore(in ReduceParams p, uint input, uint output)
    {
        if (Floats(input, p.NElements, out var x) is { } e1) return e1;
        if (Floats(output, 1, out var dst) is { } e2) return e2;
        if (!Enum.IsDefined(p.Op) || (p.NElements == 0 && p.Op != ReduceOp.Sum)) return GpuError.InvalidParams;
        float value = CpuReduce.Apply(p.Op, MemoryMarshal.Cast<byte, float>(x.AsSpan())[..(int)p.NElements]);
        MemoryMarshal.Write(dst.AsSpan(), in value);
        return GpuResult.Ok;
    }

    private GpuResult BatchPredictCore(in BatchPredictParams p, uint samples, uint treeNodes, uint treeOffsets, uint output)
    {
        if (Floats(samples, (ulong)p.BatchSize * p.NFeatures, out var x) is { } e1) return e1;
        if (Floats(treeNodes, 0, out var nodes) is { } e2) return e2;
        if (Floats(treeOffsets, p.NTrees, out var offsets) is { } e3) return e3;
        if (Floats(output, p.BatchSize, out var dst) is { } e4) return e4;
        if (p.NTrees == 0) return GpuError.InvalidParams;
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
        _log?.Invoke($"wasi:gpu {kernel}: the CPU backend failed: {e.GetType().Name}: {e.Message}");
        return GpuError.KernelError;
    }

    /// <summary>Destroys every buffer.</summary>
    public void Dispose() => _buffers.Clear();

    /// <summary>
    /// Looks up a buffer that must hold at least <paramref name="count"/> 4-byte elements: null when it does,
    /// InvalidBuffer for an unknown id, InvalidParams when it is too small.
    /// </summary>
    private GpuError? Floats(uint id, ulong count, out byte[] bytes)
    {
        var error = _buffers.Elements(id, count, out var entry);
        bytes = entry?.Storage!;
        return error;
    }

    private static bool Fits(byte[] bytes, ulong offset, ulong length) => GpuBufferTable<byte[]>.Fits((ulong)bytes.Length, offset, length);

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
