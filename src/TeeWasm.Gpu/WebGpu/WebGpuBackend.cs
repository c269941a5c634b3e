using Microsoft.Extensions.Logging;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TeeWasm.Gpu.Dawn;
using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Gpu.WebGpu;

/// <summary>
/// The WebGPU backend of <c>wasi:gpu</c>: buffers are GPU storage buffers (sizes rounded up to 4 bytes), kernels are
/// the WGSL compute shaders of <see cref="WgslKernels"/> on a Dawn device (a GPU, or Mesa lavapipe). Ids, memory
/// accounting and range checks are the CPU backend's (<see cref="GpuBufferTable{T}"/>), and so are the kernels'
/// semantics and errors; the row indices of find-split and the forests of batch-predict are checked on the host
/// before anything is dispatched, so a rejected call leaves every buffer unchanged. Not thread-safe.
/// </summary>
public sealed class WebGpuBackend : IGpuBackend
{
    private const WebGpuBufferUsage StorageUsage = WebGpuBufferUsage.Storage | WebGpuBufferUsage.CopySrc | WebGpuBufferUsage.CopyDst;
    private const uint MaxWorkgroupsPerDimension = 65535;
    private const int ReduceGroups = 256;
    private const int MaxRetired = 64;

    private static readonly ConditionalWeakTable<WebGpuDevice, Dictionary<string, Kernel>> s_kernels = new();

    private readonly WebGpuDevice _device;
    private readonly bool _ownsDevice;
    private readonly GpuBufferTable<Buffer> _buffers;
    private readonly ILogger? _log;
    private readonly Dictionary<string, Kernel> _kernels;
    private readonly WebGpuBuffer _uniform;
    private readonly WebGpuBuffer _partials;
    private readonly WebGpuBuffer _stats;
    private readonly List<WebGpuObject> _retired = [];
    private readonly ulong _maxBufferSize;
    private WebGpuBuffer? _staging;
    private bool _disposed;

    /// <summary>A guest buffer: the GPU buffer and, when known, an exact host copy of its contents.</summary>
    private sealed class Buffer(WebGpuBuffer gpu)
    {
        public WebGpuBuffer Gpu { get; } = gpu;

        /// <summary>The contents as the guest sees them (its size), or null when only the GPU has them.</summary>
        public byte[]? Shadow { get; set; }
    }

    private sealed record Kernel(WebGpuComputePipeline Pipeline, WebGpuBindGroupLayout Layout);

    /// <summary>
    /// Creates a Dawn device (hardware adapter when present, else lavapipe) and the backend on it. Throws
    /// <see cref="WebGpuUnavailableException"/> saying why when WebGPU does not work here.
    /// </summary>
    public WebGpuBackend(WebGpuBackendOptions? options = null)
        : this(WebGpuDevice.Create((options ?? new WebGpuBackendOptions()).Engine), ownsDevice: true, options)
    {
    }

    /// <summary>
    /// Creates the backend on an existing device (which it does not dispose). Compiled pipelines are cached per device,
    /// so backends sharing a device compile each kernel once.
    /// </summary>
    public WebGpuBackend(WebGpuDevice device, WebGpuBackendOptions? options = null)
        : this(device, ownsDevice: false, options)
    {
    }

    private WebGpuBackend(WebGpuDevice device, bool ownsDevice, WebGpuBackendOptions? options)
    {
        options ??= new WebGpuBackendOptions();
        _device = device;
        _ownsDevice = ownsDevice;
        try
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MemoryLimit);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxBuffers);
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the WebGPU backend needs a little-endian machine");
            _buffers = new GpuBufferTable<Buffer>(options.ResolveBudget(), options.MaxBuffers);
            _log = options.Logger;
            _maxBufferSize = Math.Min(device.Limits.MaxBufferSize, device.Limits.MaxStorageBufferBindingSize) & ~3UL;
            _kernels = s_kernels.GetValue(device, _ => []);
            _uniform = device.CreateBuffer(256, WebGpuBufferUsage.Uniform | WebGpuBufferUsage.CopyDst);
            _partials = device.CreateBuffer(ReduceGroups * 4, WebGpuBufferUsage.Storage);
            _stats = device.CreateBuffer(16, WebGpuBufferUsage.Storage | WebGpuBufferUsage.CopySrc);
            var adapter = device.AdapterInfo;
            string name = adapter.Device.Length > 0 ? adapter.Device : adapter.Description.Length > 0 ? adapter.Description : "WebGPU adapter";
            DeviceInfo = new DeviceInfo(name, "webgpu-" + adapter.Backend.ToString().ToLowerInvariant(), (ulong)_buffers.Budget.Limit,
                adapter.IsHardware, ComputeCapability: "");
        }
        catch
        {
            if (ownsDevice) device.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public DeviceInfo DeviceInfo { get; }

    /// <summary>The Dawn device the kernels run on.</summary>
    public WebGpuDevice Device => _device;

    /// <summary>Bytes held by live buffers (as the guest sized them).</summary>
    public long MemoryUsed => _buffers.Used;

    /// <summary>Number of live buffers.</summary>
    public int BufferCount => _buffers.Count;

    // --- buffers ---------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public GpuResult<uint> BufferCreate(ulong size, BufferUsage usage)
    {
        if ((usage & ~BufferUsage.All) != 0) return GpuError.InvalidParams;
        return Guard(nameof(BufferCreate), () => _buffers.Create(size, _maxBufferSize, n =>
        {
            // At least 4 bytes: a storage binding cannot be empty. WebGPU buffers start zero-filled.
            var gpu = _device.CreateBuffer(Math.Max(4, (n + 3) & ~3UL), StorageUsage);
            return new Buffer(gpu);
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
            _device.BeginBatch();
            try
            {
                Write(e, offset, data);
            }
            catch
            {
                _device.AbortBatch();
                throw;
            }
            _device.EndBatch(nameof(BufferWrite));
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
            if (e.Storage.Shadow is { } shadow)
            {
                shadow.AsSpan((int)offset, destination.Length).CopyTo(destination);
                return GpuResult.Ok;
            }
            _device.BeginBatch();
            try
            {
                ReadGpu(e.Storage.Gpu, offset, destination);
            }
            catch
            {
                _device.AbortBatch();
                throw;
            }
            _device.EndBatch(nameof(BufferRead));
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
            bool aligned = (sourceOffset | destinationOffset | size) % 4 == 0;
            if (aligned && !ReferenceEquals(src, dst))
            {
                var encoder = _device.CreateCommandEncoder();
                encoder.CopyBufferToBuffer(src.Storage.Gpu, sourceOffset, dst.Storage.Gpu, destinationOffset, size);
                _device.Submit(encoder);
                if (dst.Storage.Shadow is { } shadow)
                {
                    if (src.Storage.Shadow is { } from) from.AsSpan((int)sourceOffset, (int)size).CopyTo(shadow.AsSpan((int)destinationOffset));
                    else dst.Storage.Shadow = null;
                }
                return GpuResult.Ok;
            }
            // Unaligned, or within one buffer (WebGPU copies need distinct buffers): through the host, memmove-like.
            var bytes = new byte[size];
            if (src.Storage.Shadow is { } s) s.AsSpan((int)sourceOffset, (int)size).CopyTo(bytes);
            else ReadGpu(src.Storage.Gpu, sourceOffset, bytes);
            Write(dst, destinationOffset, bytes);
            return GpuResult.Ok;
        });
    }

    /// <inheritdoc/>
    public GpuResult BufferDestroy(uint buffer)
    {
        if (!_buffers.Destroy(buffer, out var storage)) return GpuError.InvalidBuffer;
        _retired.Add(storage!.Gpu); // freed once the work already submitted is done
        // A guest that destroys buffers without ever reading must not pile up GPU memory the limit no longer counts.
        if (_retired.Count >= MaxRetired) Sync();
        return GpuResult.Ok;
    }

    /// <inheritdoc/>
    public void Sync()
    {
        try
        {
            Batched(nameof(Sync), () =>
            {
                WaitIdle();
                return 0;
            });
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
            Dispatch("bootstrap", [q.NSamples, q.Seed, q.MaxIndex], [Output(dst)], Groups(q.NSamples));
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
            Dispatch("find-split", [q.NSamples, q.NFeatures, q.FeatureIdx, q.NThresholds, Bits(float.PositiveInfinity)],
                [Input(x, o), Input(y, o), Input(idx, o), Input(t, o), Output(o)], Groups(q.NThresholds));
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
            Dispatch("average", [q.NTrees, q.NSamples], [Input(input, dst), Output(dst)], Groups(q.NSamples));
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
            uint columnTiles = (q.N + WgslKernels.Tile - 1) / WgslKernels.Tile;
            if (columnTiles > MaxWorkgroupsPerDimension)
            {
                _log?.LogDebug("{Line}", $"wasi:gpu Matmul: n = {q.N} needs more than {MaxWorkgroupsPerDimension} column tiles");
                return GpuError.KernelError;
            }
            var aIn = Input(aBuf, cBuf);
            var bIn = Input(bBuf, cBuf);
            var cOut = Output(cBuf);
            uint rowTiles = (q.M + WgslKernels.Tile - 1) / WgslKernels.Tile;
            for (uint first = 0; first < rowTiles; first += MaxWorkgroupsPerDimension)
            {
                uint tiles = Math.Min(MaxWorkgroupsPerDimension, rowTiles - first);
                Dispatch("matmul",
                    [q.M, q.K, q.N, q.TransA ? 1u : 0u, q.TransB ? 1u : 0u, Bits(q.Alpha), Bits(q.Beta), first * WgslKernels.Tile],
                    [aIn, bIn, cOut], (columnTiles, tiles));
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
            var aIn = Input(a, dst);
            var bIn = ReferenceEquals(b, a) ? aIn : Input(b, dst);
            Dispatch("elementwise", [q.NElements, (uint)q.Op], [aIn, bIn, Output(dst)], Groups(q.NElements));
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
            if (q.NElements == 0)
            {
                Write(dst, 0, new byte[4]);
                return GpuResult.Ok;
            }
            uint groups = Math.Min(ReduceGroups, (q.NElements + WgslKernels.WorkgroupSize - 1) / WgslKernels.WorkgroupSize);
            var xIn = Input(x, dst);
            var outBuf = Output(dst);
            WebGpuBuffer[] bindings = [xIn, _partials, _stats, outBuf];
            uint n = q.NElements;
            void Pass(uint mode, float divisor)
            {
                Dispatch("reduce-partial", [n, mode, groups, Bits(divisor)], bindings, (groups, 1));
                Dispatch("reduce-finish", [n, mode, groups, Bits(divisor)], bindings, (1, 1));
            }
            switch (q.Op)
            {
                case ReduceOp.Sum: Pass(0, 1f); break;
                case ReduceOp.Max: Pass(1, 1f); break;
                case ReduceOp.Min: Pass(2, 1f); break;
                case ReduceOp.Mean: Pass(0, n); break;
                default:
                    Pass(0, n); // stats[0] = mean
                    Pass(3, n); // Σ(x − mean)² / n
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
            if (!ForestChecker.IsValid(HostCopy(nodes), HostCopy(offsets), q, out int nodeCount, out uint maxSteps)) return GpuError.InvalidParams;
            if (q.BatchSize == 0) return GpuResult.Ok;
            Dispatch("batch-predict", [q.BatchSize, q.NFeatures, q.NTrees, maxSteps, (uint)nodeCount],
                [Input(x, dst), Input(nodes, dst), Input(offsets, dst), Output(dst)], Groups(q.BatchSize));
            return GpuResult.Ok;
        });
    }

    /// <summary>Destroys every buffer, the backend's own buffers, and the device when the backend created it.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var e in _buffers.Entries) e.Storage.Gpu.Dispose();
        _buffers.Clear();
        foreach (var o in _retired) o.Dispose();
        _retired.Clear();
        _staging?.Dispose();
        _uniform.Dispose();
        _partials.Dispose();
        _stats.Dispose();
        if (_ownsDevice) _device.Dispose();
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    private static uint Bits(float value) => BitConverter.SingleToUInt32Bits(value);

    /// <summary>A 1-D grid of 256-invocation workgroups covering <paramref name="n"/> items (x at most 65535).</summary>
    private static (uint X, uint Y) Groups(uint n)
    {
        uint groups = (uint)(((ulong)n + WgslKernels.WorkgroupSize - 1) / WgslKernels.WorkgroupSize);
        uint x = Math.Min(groups, MaxWorkgroupsPerDimension);
        return (x, (groups + x - 1) / x);
    }

    /// <summary>
    /// The GPU buffer to bind as a read-only input: the buffer itself, or a fresh copy when it is also the kernel's
    /// output (WebGPU forbids binding one buffer writable and again in the same dispatch).
    /// </summary>
    private WebGpuBuffer Input(GpuBufferTable<Buffer>.Entry input, GpuBufferTable<Buffer>.Entry output)
    {
        var gpu = input.Storage.Gpu;
        if (!ReferenceEquals(input, output)) return gpu;
        var copy = _device.CreateBuffer(gpu.Size, WebGpuBufferUsage.Storage | WebGpuBufferUsage.CopyDst);
        _retired.Add(copy);
        var encoder = _device.CreateCommandEncoder();
        encoder.CopyBufferToBuffer(gpu, 0, copy, 0, gpu.Size);
        _device.Submit(encoder);
        return copy;
    }

    /// <summary>The GPU buffer a kernel writes; its host copy is no longer exact.</summary>
    private static WebGpuBuffer Output(GpuBufferTable<Buffer>.Entry output)
    {
        output.Storage.Shadow = null;
        return output.Storage.Gpu;
    }

    private Kernel GetKernel(string name)
    {
        if (_kernels.TryGetValue(name, out var kernel)) return kernel;
        (string source, string entry, WebGpuBindingKind[] storage) = name switch
        {
            "bootstrap" => (WgslKernels.Bootstrap, "main", Kinds(0, 1)),
            "average" => (WgslKernels.Average, "main", Kinds(1, 1)),
            "elementwise" => (WgslKernels.Elementwise, "main", Kinds(2, 1)),
            "matmul" => (WgslKernels.Matmul, "main", Kinds(2, 1)),
            "reduce-partial" => (WgslKernels.Reduce, "partial", Kinds(1, 3)),
            "reduce-finish" => (WgslKernels.Reduce, "finish", Kinds(1, 3)),
            "find-split" => (WgslKernels.FindSplit, "main", Kinds(4, 1)),
            "batch-predict" => (WgslKernels.BatchPredict, "main", Kinds(3, 1)),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown kernel"),
        };
        var entries = new WebGpuBindingEntry[storage.Length + 1];
        entries[0] = new WebGpuBindingEntry(0, WebGpuBindingKind.Uniform);
        for (int i = 0; i < storage.Length; i++) entries[i + 1] = new WebGpuBindingEntry((uint)i + 1, storage[i]);
        var layout = _device.CreateBindGroupLayout(entries);
        using var module = _device.CreateShaderModule(source);
        var pipeline = _device.CreateComputePipeline(module, entry, layout);
        kernel = new Kernel(pipeline, layout);
        _kernels[name] = kernel;
        return kernel;
    }

    private static WebGpuBindingKind[] Kinds(int readOnly, int readWrite) =>
        [.. Enumerable.Repeat(WebGpuBindingKind.ReadOnlyStorage, readOnly), .. Enumerable.Repeat(WebGpuBindingKind.Storage, readWrite)];

    /// <summary>Writes the uniform words, binds the uniform and <paramref name="storage"/> (from binding 1) and dispatches.</summary>
    private void Dispatch(string name, ReadOnlySpan<uint> words, WebGpuBuffer[] storage, (uint X, uint Y) grid)
    {
        var kernel = GetKernel(name);
        Span<uint> uniform = stackalloc uint[8];
        uniform.Clear();
        words.CopyTo(uniform);
        _device.WriteBuffer(_uniform, 0, MemoryMarshal.AsBytes(uniform));
        var bindings = new WebGpuBuffer[storage.Length + 1];
        bindings[0] = _uniform;
        storage.CopyTo(bindings, 1);
        using var group = _device.CreateBindGroup(kernel.Layout, bindings);
        var encoder = _device.CreateCommandEncoder();
        encoder.Dispatch(kernel.Pipeline, group, grid.X, grid.Y);
        _device.Submit(encoder);
    }

    /// <summary>Writes guest bytes at any offset; unaligned edges are merged with the current contents.</summary>
    private void Write(GpuBufferTable<Buffer>.Entry e, ulong offset, ReadOnlySpan<byte> data)
    {
        var b = e.Storage;
        if (b.Shadow is { } known) data.CopyTo(known.AsSpan((int)offset));
        ulong end = offset + (ulong)data.Length;
        if (offset % 4 == 0 && end % 4 == 0)
        {
            _device.WriteBuffer(b.Gpu, offset, data);
            return;
        }
        ulong start = offset & ~3UL, alignedEnd = (end + 3) & ~3UL;
        var block = new byte[alignedEnd - start];
        if (b.Shadow is { } shadow)
        {
            // The shadow (already patched) has the guest-visible bytes; the padding beyond them stays zero.
            int visible = (int)Math.Min((ulong)block.Length, e.Size - start);
            shadow.AsSpan((int)start, visible).CopyTo(block);
        }
        else
        {
            ReadGpu(b.Gpu, start, block);
            data.CopyTo(block.AsSpan((int)(offset - start)));
        }
        _device.WriteBuffer(b.Gpu, start, block);
    }

    /// <summary>The exact contents of a buffer on the host (read back once, then kept up to date by writes).</summary>
    private byte[] HostCopy(GpuBufferTable<Buffer>.Entry e)
    {
        if (e.Storage.Shadow is { } shadow) return shadow;
        var bytes = new byte[e.Size];
        if (bytes.Length > 0) ReadGpu(e.Storage.Gpu, 0, bytes);
        e.Storage.Shadow = bytes;
        return bytes;
    }

    /// <summary>Copies <c>destination.Length</c> bytes at <paramref name="offset"/> of a GPU buffer through the staging buffer.</summary>
    private void ReadGpu(WebGpuBuffer gpu, ulong offset, Span<byte> destination)
    {
        ulong start = offset & ~3UL, end = (offset + (ulong)destination.Length + 3) & ~3UL;
        ulong length = end - start;
        var staging = Staging(length);
        var encoder = _device.CreateCommandEncoder();
        encoder.CopyBufferToBuffer(gpu, start, staging, 0, length);
        _device.Submit(encoder);
        staging.Map(WebGpuMapMode.Read, 0, length);
        try
        {
            staging.GetMappedRange(0, length).Slice((int)(offset - start), destination.Length).CopyTo(destination);
        }
        finally
        {
            staging.Unmap();
        }
        ReleaseRetired();
    }

    private WebGpuBuffer Staging(ulong length)
    {
        if (_staging is { } s && s.Size >= length) return s;
        _staging?.Dispose();
        ulong size = Math.Max(4096, System.Numerics.BitOperations.RoundUpToPowerOf2(length));
        if (size > _maxBufferSize) size = length;
        _staging = _device.CreateBuffer(size, WebGpuBufferUsage.MapRead | WebGpuBufferUsage.CopyDst);
        return _staging;
    }

    /// <summary>
    /// Waits for all submitted work and frees retired buffers: a 4-byte copy into the staging buffer is submitted last
    /// and the buffer mapped (Dawn maps a buffer once the last submission using it is done, and submissions complete
    /// in order).
    /// </summary>
    private void WaitIdle()
    {
        var staging = Staging(4);
        var encoder = _device.CreateCommandEncoder();
        encoder.CopyBufferToBuffer(_stats, 0, staging, 0, 4);
        _device.Submit(encoder);
        staging.Map(WebGpuMapMode.Read, 0, 4);
        staging.Unmap();
        ReleaseRetired();
    }

    private void ReleaseRetired()
    {
        foreach (var o in _retired) o.Dispose();
        _retired.Clear();
    }

    private GpuResult Guard(string kernel, Func<GpuResult> body)
    {
        try
        {
            return Batched(kernel, body);
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
            return Batched(what, body);
        }
        catch (Exception e)
        {
            return Failed(what, e);
        }
    }

    /// <summary>Runs <paramref name="body"/> under one set of Dawn error scopes (one round trip instead of one per call).</summary>
    private T Batched<T>(string what, Func<T> body)
    {
        _device.BeginBatch();
        T result;
        try
        {
            result = body();
        }
        catch
        {
            _device.AbortBatch();
            throw;
        }
        _device.EndBatch(what);
        return result;
    }

    /// <summary>
    /// An operation threw (Dawn reported an error, the device was lost, host memory ran out): the guest gets
    /// KernelError, OutOfMemory or DeviceUnavailable instead of a trap, and the host log says what happened.
    /// </summary>
    private GpuError Failed(string what, Exception e)
    {
        if (e is OutOfMemoryException) return GpuError.OutOfMemory;
        _log?.LogWarning("{Line}", $"wasi:gpu {what}: the WebGPU backend failed: {e.GetType().Name}: {e.Message}");
        if (_device.LostReason is not null || e is ObjectDisposedException) return GpuError.DeviceUnavailable;
        return e.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase) ? GpuError.OutOfMemory : GpuError.KernelError;
    }
}
