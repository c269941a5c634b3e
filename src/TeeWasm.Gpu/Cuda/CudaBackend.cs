using Microsoft.Extensions.Logging;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Gpu.Cuda;

/// <summary>
/// The CUDA backend of <c>wasi:gpu</c>: buffers are device allocations (cuMemAlloc through ILGPU; sizes rounded up to
/// 4 bytes; never pinned or managed host memory, which confidential-computing mode forbids), kernels are the C# methods
/// of <see cref="CudaKernels"/> compiled to PTX by ILGPU and loaded through the driver API, and matmul is cuBLAS SGEMM
/// when libcublas loads (else the tiled kernel). Ids, memory accounting and range checks are the CPU backend's
/// (<see cref="GpuBufferTable{T}"/>), and so are the kernels' semantics and errors; row indices (find-split) and forests
/// (batch-predict) are checked on the host before a launch, so a rejected call leaves every buffer unchanged. Every
/// driver error becomes a <see cref="GpuError"/> and a log line with the driver's name for it. Not thread-safe.
/// </summary>
public sealed class CudaBackend : IGpuBackend
{
    private const int ReduceFirstLevel = 1 << 16;
    private const int ReduceSecondLevel = 256;

    private static readonly ConditionalWeakTable<Accelerator, LoadedKernels> s_kernels = new();

    private readonly Context? _context;
    private readonly Accelerator _accelerator;
    private readonly LoadedKernels _k;
    private readonly GpuBufferTable<Buffer> _buffers;
    private readonly Cublas? _cublas;
    private readonly ILogger? _log;
    private readonly int _groupSide;
    private readonly int _maxLaunch;
    private readonly MemoryBuffer1D<double, Stride1D.Dense> _partials;
    private readonly MemoryBuffer1D<double, Stride1D.Dense> _scalars;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _scratch;
    private bool _disposed;

    /// <summary>A guest buffer: the device memory and, when known, an exact host copy of its contents.</summary>
    private sealed class Buffer(MemoryBuffer1D<float, Stride1D.Dense> memory)
    {
        public MemoryBuffer1D<float, Stride1D.Dense> Memory { get; } = memory;

        public ArrayView<float> Floats => Memory.View.AsContiguous();

        /// <summary>The contents as the guest sees them (its size), or null when only the device has them.</summary>
        public byte[]? Shadow { get; set; }
    }

    /// <summary>
    /// Starts the CUDA driver and creates the backend on device <see cref="CudaBackendOptions.DeviceIndex"/>; throws
    /// <see cref="CudaUnavailableException"/> saying why when CUDA does not work here.
    /// </summary>
    public CudaBackend(CudaBackendOptions? options = null)
        : this(options ?? new CudaBackendOptions(), accelerator: null)
    {
    }

    /// <summary>
    /// Creates the backend on an ILGPU accelerator it does not own (the tests run it on ILGPU's CPU accelerator, which
    /// executes the same kernel methods without a GPU).
    /// </summary>
    internal CudaBackend(Accelerator accelerator, CudaBackendOptions options)
        : this(options, (Accelerator?)accelerator)
    {
    }

    private CudaBackend(CudaBackendOptions options, Accelerator? accelerator)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MemoryLimit);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxBuffers);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the CUDA backend needs a little-endian machine");
        if (accelerator is null)
        {
            var start = CudaDriver.Start(options.DriverLibrary);
            Driver = start.Driver ?? throw new CudaUnavailableException(start.Reason);
            (_context, accelerator) = OpenDevice(options.DeviceIndex);
        }
        _accelerator = accelerator;
        try
        {
            _groupSide = options.MatmulGroupSide;
            if (_groupSide < 1 || _groupSide * _groupSide > accelerator.MaxNumThreadsPerGroup)
                throw new ArgumentOutOfRangeException(nameof(options), $"a matmul group of {_groupSide}×{_groupSide} threads exceeds the device's {accelerator.MaxNumThreadsPerGroup}");
            _maxLaunch = options.MaxLaunchThreads;
            _log = options.Logger;
            _buffers = new GpuBufferTable<Buffer>(options.ResolveBudget(), options.MaxBuffers);
            _k = s_kernels.GetValue(accelerator, a => new LoadedKernels(a));
            _partials = accelerator.Allocate1D<double>(ReduceFirstLevel + ReduceSecondLevel);
            _scalars = accelerator.Allocate1D<double>(2);
            _scratch = accelerator.Allocate1D<float>(1);
            (_cublas, CublasStatus) = OpenCublas(accelerator, options);
            long memory = Math.Min(_buffers.Budget.Limit, accelerator.MemorySize);
            DeviceInfo = accelerator is CudaAccelerator device
                ? new DeviceInfo(device.Name, "cuda", (ulong)memory, IsHardware: true, $"{device.Architecture.Major}.{device.Architecture.Minor}")
                : new DeviceInfo($"{accelerator.Name} (ILGPU, no GPU)", "cuda-ilgpu-" + accelerator.AcceleratorType.ToString().ToLowerInvariant(),
                    (ulong)memory, IsHardware: false, ComputeCapability: "");
        }
        catch (Exception e)
        {
            _partials?.Dispose();
            _scalars?.Dispose();
            _scratch?.Dispose();
            if (_context is not null)
            {
                accelerator.Dispose();
                _context.Dispose();
            }
            throw e switch
            {
                CudaException c => new CudaUnavailableException($"the CUDA driver failed: {c.Error} ({c.Message})", c),
                ArgumentException or PlatformNotSupportedException => e,
                _ => new CudaUnavailableException($"the CUDA backend cannot start: {e.GetType().Name}: {e.Message}", e), // e.g. a kernel ILGPU cannot compile
            };
        }
    }

    /// <summary>An ILGPU context with the CUDA device <paramref name="index"/> and its accelerator.</summary>
    private static (Context, Accelerator) OpenDevice(int index)
    {
        var context = Context.Create(b => b.Cuda().EnableAlgorithms()); // Algorithms: exp, log, tanh on PTX
        try
        {
            var devices = context.GetCudaDevices();
            if (index < 0 || index >= devices.Count)
                throw new CudaUnavailableException($"CUDA device {index} does not exist (the driver sees {devices.Count})");
            return (context, devices[index].CreateCudaAccelerator(context));
        }
        catch (Exception e)
        {
            context.Dispose();
            throw e switch
            {
                CudaUnavailableException => e,
                CudaException c => new CudaUnavailableException($"CUDA device {index} cannot be used: {c.Error} ({c.Message})", c),
                _ => new CudaUnavailableException($"CUDA device {index} cannot be used: {e.Message}", e),
            };
        }
    }

    /// <summary>cuBLAS on the accelerator's stream when it is a CUDA device and cuBLAS loads; else null and why.</summary>
    private static (Cublas?, string) OpenCublas(Accelerator accelerator, CudaBackendOptions options)
    {
        if (!options.UseCublas) return (null, "not used (the options turn it off); matmul uses the tiled kernel");
        if (accelerator is not CudaAccelerator cuda) return (null, "not on this accelerator; matmul uses the tiled kernel");
        using var bound = cuda.BindScoped();
        var cublas = Cublas.TryCreate(options.CublasLibrary, out string why);
        if (cublas is null) return (null, why + "; matmul uses the tiled kernel");
        cublas.SetStream(((CudaStream)cuda.DefaultStream).StreamPtr);
        return (cublas, cublas.Library);
    }

    /// <inheritdoc/>
    public DeviceInfo DeviceInfo { get; }

    /// <summary>The driver the backend runs on; null on a test accelerator.</summary>
    public CudaDriverInfo? Driver { get; }

    /// <summary>The cuBLAS library matmul uses, or why it uses the tiled kernel.</summary>
    public string CublasStatus { get; }

    /// <summary>True when matmul runs on cuBLAS.</summary>
    public bool UsesCublas => _cublas is not null;

    /// <summary>Bytes held by live buffers (as the guest sized them).</summary>
    public long MemoryUsed => _buffers.Used;

    /// <summary>Number of live buffers.</summary>
    public int BufferCount => _buffers.Count;

    // --- buffers ---------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public GpuResult<uint> BufferCreate(ulong size, BufferUsage usage)
    {
        if ((usage & ~BufferUsage.All) != 0) return GpuError.InvalidParams;
        return Guard(nameof(BufferCreate), () => _buffers.Create(size, (ulong)_accelerator.MemorySize, n =>
        {
            try
            {
                var memory = _accelerator.Allocate1D<float>((long)Math.Max(1, (n + 3) / 4));
                memory.MemSetToZero();
                return new Buffer(memory);
            }
            catch (CudaException e) when (e.Error == nameof(CudaError.CUDA_ERROR_OUT_OF_MEMORY))
            {
                return null;
            }
        }));
    }

    /// <inheritdoc/>
    public GpuResult<ulong> BufferSize(uint buffer) => _buffers.Get(buffer) is { } e ? e.Size : GpuError.InvalidBuffer;

    /// <inheritdoc/>
    public GpuResult BufferWrite(uint buffer, ulong offset, ReadOnlySpan<byte> data)
    {
        if (_buffers.Range(buffer, offset, (ulong)data.Length, out var e) is { } error) return error;
        if (data.IsEmpty) return GpuResult.Ok;
        try
        {
            Bytes(e.Storage).SubView((long)offset, data.Length).CopyFromCPU(data);
            if (e.Storage.Shadow is { } shadow) data.CopyTo(shadow.AsSpan((int)offset));
            return GpuResult.Ok;
        }
        catch (Exception x)
        {
            return Failed(nameof(BufferWrite), x);
        }
    }

    /// <inheritdoc/>
    public GpuResult BufferRead(uint buffer, ulong offset, Span<byte> destination)
    {
        if (_buffers.Range(buffer, offset, (ulong)destination.Length, out var e) is { } error) return error;
        if (destination.IsEmpty) return GpuResult.Ok;
        try
        {
            if (e.Storage.Shadow is { } shadow) shadow.AsSpan((int)offset, destination.Length).CopyTo(destination);
            else Bytes(e.Storage).SubView((long)offset, destination.Length).CopyToCPU(destination);
            return GpuResult.Ok;
        }
        catch (Exception x)
        {
            return Failed(nameof(BufferRead), x);
        }
    }

    /// <inheritdoc/>
    public GpuResult BufferCopy(uint source, ulong sourceOffset, uint destination, ulong destinationOffset, ulong size)
    {
        if (_buffers.CopyRanges(source, sourceOffset, destination, destinationOffset, size, out var src, out var dst) is { } error) return error;
        if (size == 0) return GpuResult.Ok;
        return Guard(nameof(BufferCopy), () =>
        {
            var from = Bytes(src.Storage).SubView((long)sourceOffset, (long)size);
            var to = Bytes(dst.Storage).SubView((long)destinationOffset, (long)size);
            bool overlap = ReferenceEquals(src, dst) && sourceOffset < destinationOffset + size && destinationOffset < sourceOffset + size;
            if (overlap)
            {
                // cuMemcpy of overlapping ranges is undefined: through a temporary device buffer, memmove-like.
                using var temp = _accelerator.Allocate1D<byte>((long)size);
                var staged = temp.View.AsContiguous();
                staged.CopyFrom(from);
                to.CopyFrom(staged);
            }
            else
            {
                to.CopyFrom(from);
            }
            if (dst.Storage.Shadow is { } shadow)
            {
                if (src.Storage.Shadow is { } known) known.AsSpan((int)sourceOffset, (int)size).CopyTo(shadow.AsSpan((int)destinationOffset));
                else dst.Storage.Shadow = null;
            }
            return GpuResult.Ok;
        });
    }

    /// <inheritdoc/>
    public GpuResult BufferDestroy(uint buffer)
    {
        if (!_buffers.Destroy(buffer, out var storage)) return GpuError.InvalidBuffer;
        try
        {
            storage!.Memory.Dispose(); // cuMemFree waits for the work that uses it
            return GpuResult.Ok;
        }
        catch (Exception x)
        {
            return Failed(nameof(BufferDestroy), x);
        }
    }

    /// <inheritdoc/>
    public void Sync()
    {
        try
        {
            _accelerator.Synchronize();
        }
        catch (Exception x)
        {
            Failed(nameof(Sync), x);
        }
    }

    // --- kernels ---------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public GpuResult BootstrapSample(in BootstrapParams p, uint output)
    {
        var q = p;
        return Guard(nameof(BootstrapSample), () =>
        {
            if (KernelArguments.Bootstrap(_buffers, q, output, out var dst) is { } error) return error;
            if (q.NSamples == 0) return GpuResult.Ok;
            var (threads, stride) = Launch(q.NSamples);
            _k.Bootstrap(threads, Output(dst).Cast<uint>(), q.NSamples, q.Seed, q.MaxIndex, stride);
            return GpuResult.Ok;
        });
    }

    /// <inheritdoc/>
    public GpuResult FindSplit(in FindSplitParams p, uint data, uint labels, uint indices, uint thresholds, uint outputScores)
    {
        var q = p;
        return Guard(nameof(FindSplit), () =>
        {
            if (KernelArguments.FindSplit(_buffers, q, data, labels, indices, thresholds, outputScores, out var f) is { } error) return error;
            var (x, y, idx, t, o) = f;
            if (!KernelArguments.RowsInRange(MemoryMarshal.Cast<byte, uint>(HostCopy(idx).AsSpan())[..(int)q.NSamples], x.Size, q.NFeatures, y.Size))
                return GpuError.InvalidParams;
            if (q.NThresholds == 0) return GpuResult.Ok;
            var (threads, stride) = Launch(q.NThresholds);
            var args = new FindSplitArgs(q.NSamples, q.NFeatures, q.FeatureIdx, q.NThresholds, stride);
            Staged(o, [x, y, idx, t], q.NThresholds, scores =>
                _k.FindSplit(threads, x.Storage.Floats, y.Storage.Floats, idx.Storage.Floats.Cast<uint>(), t.Storage.Floats, scores, args));
            return GpuResult.Ok;
        });
    }

    /// <inheritdoc/>
    public GpuResult Average(in AverageParams p, uint treePredictions, uint output)
    {
        var q = p;
        return Guard(nameof(Average), () =>
        {
            if (KernelArguments.Average(_buffers, q, treePredictions, output, out var input, out var dst) is { } error) return error;
            if (q.NSamples == 0) return GpuResult.Ok;
            var (threads, stride) = Launch(q.NSamples);
            Staged(dst, [input], q.NSamples, means => _k.Average(threads, input.Storage.Floats, means, q.NTrees, q.NSamples, stride));
            return GpuResult.Ok;
        });
    }

    /// <inheritdoc/>
    public GpuResult Matmul(in MatmulParams p, uint a, uint b, uint c)
    {
        var q = p;
        return Guard(nameof(Matmul), () =>
        {
            if (KernelArguments.Matmul(_buffers, q, a, b, c, out var aBuf, out var bBuf, out var cBuf) is { } error) return error;
            if (q.M == 0 || q.N == 0) return GpuResult.Ok;
            long cCount = (long)q.M * q.N;
            var cView = Output(cBuf).SubView(0, cCount);
            if (q.K == 0 || q.Alpha == 0f)
            {
                var (threads, stride) = Launch((ulong)cCount);
                _k.Scale(threads, cView, cCount, q.Beta, stride);
                return GpuResult.Ok;
            }
            // C is written while A and B are read: an input that is also the output is read from a copy.
            using var aCopy = ReferenceEquals(aBuf, cBuf) ? Copy(aBuf.Storage.Floats.SubView(0, (long)q.M * q.K)) : null;
            using var bCopy = ReferenceEquals(bBuf, cBuf) ? Copy(bBuf.Storage.Floats.SubView(0, (long)q.K * q.N)) : null;
            ArrayView<float> aView = aCopy?.View.AsContiguous() ?? aBuf.Storage.Floats, bView = bCopy?.View.AsContiguous() ?? bBuf.Storage.Floats;
            if (_cublas is not null && q.M <= int.MaxValue && q.K <= int.MaxValue && q.N <= int.MaxValue)
            {
                using var bound = _accelerator.BindScoped();
                _cublas.RowMajorSgemm((int)q.M, (int)q.K, (int)q.N, q.TransA, q.TransB, q.Alpha, aView.LoadEffectiveAddressAsPtr(),
                    bView.LoadEffectiveAddressAsPtr(), q.Beta, cView.LoadEffectiveAddressAsPtr());
                return GpuResult.Ok;
            }
            int tile = _groupSide * CudaKernels.MatmulPerThread;
            long rowTiles = ((long)q.M + tile - 1) / tile, columnTiles = ((long)q.N + tile - 1) / tile;
            if (columnTiles > int.MaxValue)
            {
                _log?.LogDebug("{Line}", $"wasi:gpu Matmul: n = {q.N} needs more than {int.MaxValue} column tiles");
                return GpuError.KernelError;
            }
            const int MaxGridY = 65535;
            var shared = SharedMemoryConfig.RequestDynamic<float>(2 * tile * tile);
            for (long first = 0; first < rowTiles; first += MaxGridY)
            {
                int rows = (int)Math.Min(MaxGridY, rowTiles - first);
                var config = new KernelConfig(new Index2D((int)columnTiles, rows), new Index2D(_groupSide, _groupSide), shared);
                _k.Matmul(config, aView, bView, cView, new MatmulArgs(q.M, q.K, q.N, q.TransA ? 1 : 0, q.TransB ? 1 : 0, q.Alpha, q.Beta, first));
            }
            return GpuResult.Ok;
        });
    }

    /// <inheritdoc/>
    public GpuResult Elementwise(in ElementwiseParams p, uint inputA, uint? inputB, uint output)
    {
        var q = p;
        return Guard(nameof(Elementwise), () =>
        {
            if (KernelArguments.Elementwise(_buffers, q, inputA, inputB, output, out var a, out var b, out var dst) is { } error) return error;
            if (q.NElements == 0) return GpuResult.Ok;
            var (threads, stride) = Launch(q.NElements);
            // Element i is read and written by one thread only: the output may be an input.
            _k.Elementwise(threads, a.Storage.Floats, b.Storage.Floats, Output(dst), q.NElements, (int)q.Op, stride);
            return GpuResult.Ok;
        });
    }

    /// <inheritdoc/>
    public GpuResult Reduce(in ReduceParams p, uint input, uint output)
    {
        var q = p;
        return Guard(nameof(Reduce), () =>
        {
            if (KernelArguments.Reduce(_buffers, q, input, output, out var x, out var dst) is { } error) return error;
            var result = Output(dst).SubView(0, 1);
            if (q.NElements == 0)
            {
                result.MemSetToZero();
                return GpuResult.Ok;
            }
            var xs = x.Storage.Floats;
            long n = q.NElements;
            switch (q.Op)
            {
                case ReduceOp.Sum: Reduction(xs, n, CudaKernels.OpSum, result, 1); break;
                case ReduceOp.Max: Reduction(xs, n, CudaKernels.OpMax, result, 1); break;
                case ReduceOp.Min: Reduction(xs, n, CudaKernels.OpMin, result, 1); break;
                case ReduceOp.Mean: Reduction(xs, n, CudaKernels.OpSum, result, n); break;
                default:
                    // Two passes, as the CPU backend: the mean (kept in double on the device), then Σ(x − mean)² / n.
                    Reduction(xs, n, CudaKernels.OpSum, _scratch.View.AsContiguous(), n);
                    Reduction(xs, n, CudaKernels.OpSquaredDeviation, result, n);
                    break;
            }
            return GpuResult.Ok;
        });
    }

    /// <inheritdoc/>
    public GpuResult BatchPredict(in BatchPredictParams p, uint samples, uint treeNodes, uint treeOffsets, uint output)
    {
        var q = p;
        return Guard(nameof(BatchPredict), () =>
        {
            if (KernelArguments.BatchPredict(_buffers, q, samples, treeNodes, treeOffsets, output, out var f) is { } error) return error;
            var (x, nodes, offsets, dst) = f;
            if (!ForestChecker.IsValid(HostCopy(nodes), HostCopy(offsets), q, out _, out uint maxSteps)) return GpuError.InvalidParams;
            if (q.BatchSize == 0) return GpuResult.Ok;
            var (threads, stride) = Launch(q.BatchSize);
            var args = new BatchPredictArgs(q.BatchSize, q.NFeatures, q.NTrees, maxSteps, stride);
            Staged(dst, [x, nodes, offsets], q.BatchSize, predictions =>
                _k.BatchPredict(threads, x.Storage.Floats, nodes.Storage.Floats.Cast<int>(), offsets.Storage.Floats.Cast<uint>(), predictions, args));
            return GpuResult.Ok;
        });
    }

    /// <summary>Frees every buffer, cuBLAS and, when the backend created them, the device context.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            foreach (var e in _buffers.Entries) e.Storage.Memory.Dispose();
            _buffers.Clear();
            _partials.Dispose();
            _scalars.Dispose();
            _scratch.Dispose();
            _cublas?.Dispose();
            if (_context is not null)
            {
                _accelerator.Dispose();
                _context.Dispose();
            }
        }
        catch (Exception x)
        {
            Failed(nameof(Dispose), x);
        }
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    private static ArrayView<byte> Bytes(Buffer b) => b.Floats.Cast<byte>();

    /// <summary>The threads of a 1-D launch over <paramref name="n"/> items, and the stride each loops with.</summary>
    private (Index1D Threads, long Stride) Launch(ulong n)
    {
        int threads = (int)Math.Min(n, (ulong)_maxLaunch);
        return (threads, threads);
    }

    /// <summary>The view a kernel writes; the host copy is no longer exact.</summary>
    private static ArrayView<float> Output(GpuBufferTable<Buffer>.Entry output)
    {
        output.Storage.Shadow = null;
        return output.Storage.Floats;
    }

    /// <summary>
    /// Runs <paramref name="kernel"/> on the first <paramref name="count"/> floats of the output, or, when the output is
    /// also an input (a thread could overwrite what another still reads), into a temporary copied over afterwards.
    /// </summary>
    private void Staged(GpuBufferTable<Buffer>.Entry output, GpuBufferTable<Buffer>.Entry[] inputs, ulong count, Action<ArrayView<float>> kernel)
    {
        var target = Output(output).SubView(0, (long)count);
        if (!inputs.Any(i => ReferenceEquals(i, output)))
        {
            kernel(target);
            return;
        }
        using var temp = _accelerator.Allocate1D<float>((long)count);
        kernel(temp.View.AsContiguous());
        target.CopyFrom(temp.View.AsContiguous());
    }

    private MemoryBuffer1D<float, Stride1D.Dense> Copy(ArrayView<float> source)
    {
        var copy = _accelerator.Allocate1D<float>(source.Length);
        copy.View.AsContiguous().CopyFrom(source);
        return copy;
    }

    /// <summary>
    /// Reduces x[0..n) with <paramref name="op"/> in three levels of the same partial kernel (n → ≤65536 → ≤256 → 1),
    /// then writes total / <paramref name="divisor"/> to <paramref name="result"/>[0] (f32) and to the mean scalar (f64).
    /// </summary>
    private void Reduction(ArrayView<float> x, long n, int op, ArrayView<float> result, long divisor)
    {
        long first = Math.Min(n, ReduceFirstLevel), second = Math.Min(first, ReduceSecondLevel);
        var partials = _partials.View.AsContiguous();
        var level1 = partials.SubView(0, first);
        var level2 = partials.SubView(ReduceFirstLevel, second);
        var total = _scalars.View.AsContiguous().SubView(1, 1);
        var mean = _scalars.View.AsContiguous().SubView(0, 1);
        int finalOp = op == CudaKernels.OpSquaredDeviation ? CudaKernels.OpSum : op;
        _k.ReducePartials((int)first, x, level1, n, op, mean);
        _k.ReduceDoubles((int)second, level1, level2, first, finalOp);
        _k.ReduceDoubles(1, level2, total, second, finalOp);
        _k.ReduceFinish(1, total, result, mean, divisor);
    }

    /// <summary>The exact contents of a buffer on the host (read back once, then kept up to date by writes).</summary>
    private static byte[] HostCopy(GpuBufferTable<Buffer>.Entry e)
    {
        if (e.Storage.Shadow is { } shadow) return shadow;
        var bytes = new byte[e.Size];
        if (bytes.Length > 0) Bytes(e.Storage).SubView(0, bytes.Length).CopyToCPU(bytes.AsSpan());
        e.Storage.Shadow = bytes;
        return bytes;
    }

    private GpuResult Guard(string kernel, Func<GpuResult> body)
    {
        try
        {
            return body();
        }
        catch (Exception e)
        {
            return Failed(kernel, e);
        }
    }

    private GpuResult<T> Guard<T>(string what, Func<GpuResult<T>> body)
    {
        try
        {
            return body();
        }
        catch (Exception e)
        {
            return Failed(what, e);
        }
    }

    /// <summary>
    /// An operation threw (a driver or cuBLAS error, host memory ran out): the guest gets OutOfMemory, DeviceUnavailable
    /// or KernelError instead of a trap, and the host log names the driver's error.
    /// </summary>
    private GpuError Failed(string what, Exception e)
    {
        if (e is OutOfMemoryException) return GpuError.OutOfMemory;
        string name = e switch
        {
            CudaException c => c.Error,
            CublasException b => b.Status,
            _ => e.GetType().Name,
        };
        _log?.LogWarning("{Line}", $"wasi:gpu {what}: the CUDA backend failed: {name}: {e.Message}");
        return CudaErrors.ToGpuError(name);
    }

    /// <summary>The kernels of one accelerator, compiled (to PTX, or for the CPU accelerator) once and shared by its backends.</summary>
    private sealed class LoadedKernels(Accelerator a)
    {
        public readonly Action<Index1D, ArrayView<uint>, long, uint, uint, long> Bootstrap =
            a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<uint>, long, uint, uint, long>(CudaKernels.Bootstrap);

        public readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<uint>, ArrayView<float>, ArrayView<float>, FindSplitArgs> FindSplit =
            a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<uint>, ArrayView<float>, ArrayView<float>, FindSplitArgs>(CudaKernels.FindSplit);

        public readonly Action<Index1D, ArrayView<float>, ArrayView<float>, long, long, long> Average =
            a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, long, long, long>(CudaKernels.Average);

        public readonly Action<Index1D, ArrayView<float>, long, float, long> Scale =
            a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, long, float, long>(CudaKernels.Scale);

        public readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, MatmulArgs> Matmul =
            a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, MatmulArgs>(CudaKernels.Matmul);

        public readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, long, int, long> Elementwise =
            a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, long, int, long>(CudaKernels.Elementwise);

        public readonly Action<Index1D, ArrayView<float>, ArrayView<double>, long, int, ArrayView<double>> ReducePartials =
            a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<double>, long, int, ArrayView<double>>(CudaKernels.ReducePartials);

        public readonly Action<Index1D, ArrayView<double>, ArrayView<double>, long, int> ReduceDoubles =
            a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, long, int>(CudaKernels.ReduceDoubles);

        public readonly Action<Index1D, ArrayView<double>, ArrayView<float>, ArrayView<double>, double> ReduceFinish =
            a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<float>, ArrayView<double>, double>(CudaKernels.ReduceFinish);

        public readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<uint>, ArrayView<float>, BatchPredictArgs> BatchPredict =
            a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<uint>, ArrayView<float>, BatchPredictArgs>(CudaKernels.BatchPredict);
    }
}
