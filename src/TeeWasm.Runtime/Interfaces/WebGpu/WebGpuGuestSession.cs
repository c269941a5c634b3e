using System.Buffers.Binary;
using System.Text;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Gpu.Dawn;
using TeeWasm.Runtime.Guest;
using Wasmtime;
using K = TeeWasm.Runtime.Interfaces.WebGpu.GuestResourceKind;

namespace TeeWasm.Runtime.Interfaces.WebGpu;

/// <summary>
/// One guest's <c>wasi:webgpu</c> state: the device (created on <c>create-instance</c>), its id table, and the last
/// error. Every entry point treats ids, pointers, offsets and sizes as hostile: a bad one makes the call return 0
/// (or do nothing) and sets the last error; nothing is read or written outside the guest's memory or a buffer.
/// </summary>
public sealed class WebGpuGuestSession : IDisposable
{
    /// <summary>Size of one <c>create-bind-group-layout</c> entry in guest memory: <c>{u32 binding, u32 type, u32 min_size}</c>.</summary>
    public const int LayoutEntrySize = 12;

    /// <summary>Longest entry point name read from the guest.</summary>
    public const int MaxEntryPointLength = 256;

    private const long AllUsageBits = 0x3FF;

    private static readonly UTF8Encoding s_strictUtf8 = new(false, true);

    private readonly GuestContext _guest;
    private readonly WebGpuGuestLimits _limits;
    private readonly GuestResourceTable _table;
    private readonly RuntimeMeasurementLog? _log;
    private readonly bool _originalEra;
    private bool _firstIdNoted;
    private WebGpuDevice? _device;

    /// <summary>Creates the (empty) state for one guest; every WGSL source it compiles goes into <paramref name="log"/> first, when given.</summary>
    /// <param name="guest">Guest memory access.</param>
    /// <param name="limits">The guest's bounds.</param>
    /// <param name="log">The runtime measurement log the WGSL sources go into; null for none.</param>
    /// <param name="originalEra">
    /// The guest imports only the original host's 17 functions: <c>create-bind-group</c> also accepts the original's
    /// first-buffer-id convention from it (docs/wasi-webgpu.md, "Original-era guests").
    /// </param>
    public WebGpuGuestSession(GuestContext guest, WebGpuGuestLimits limits, RuntimeMeasurementLog? log = null, bool originalEra = false)
    {
        _guest = guest;
        _limits = limits;
        _table = new GuestResourceTable(limits);
        _log = log;
        _originalEra = originalEra;
    }

    /// <summary>The message of the last failed call, or null.</summary>
    public string? LastError { get; private set; }

    /// <summary>The device, once the guest created an instance.</summary>
    public WebGpuDevice? Device => _device;

    /// <summary>Live guest objects.</summary>
    public int LiveResources => _table.Count;

    /// <summary>Bytes of live guest buffers.</summary>
    public long LiveBufferBytes => _table.BufferBytes;

    // --- the original 17 ------------------------------------------------------------------------

    internal int CreateInstance() => Run("create-instance", () =>
    {
        _device ??= WebGpuDevice.Create(_limits.Engine);
        return _table.Add(K.Instance, _device);
    });

    internal int RequestAdapter(int instance, int powerPreference) => Run("request-adapter", () =>
        _table.Add(K.Adapter, _table.Get<WebGpuDevice>(instance, K.Instance)));

    internal int RequestDevice(int adapter) => Run("request-device", () =>
        _table.Add(K.Device, _table.Get<WebGpuDevice>(adapter, K.Adapter)));

    internal int GetQueue(int device) => Run("get-queue", () =>
        _table.Add(K.Queue, _table.Get<WebGpuDevice>(device, K.Device)));

    internal int CreateBuffer(int device, long size, int usage) => Run("create-buffer", () =>
    {
        var d = _table.Get<WebGpuDevice>(device, K.Device);
        if (size <= 0) throw new GuestCallException($"size {size} must be positive");
        if ((ulong)size > d.Limits.MaxBufferSize) throw new GuestCallException($"size {size} exceeds the device's maxBufferSize {d.Limits.MaxBufferSize}");
        _table.ReserveBufferBytes(size);
        try
        {
            var buffer = d.CreateBuffer((ulong)size, (WebGpuBufferUsage)(usage & AllUsageBits));
            try
            {
                return _table.Add(K.Buffer, buffer);
            }
            catch
            {
                buffer.Dispose();
                throw;
            }
        }
        catch
        {
            _table.ReleaseBufferBytes(size);
            throw;
        }
    });

    internal void QueueWriteBuffer(Caller caller, int queue, int buffer, long offset, int dataPtr, int dataLen)
    {
        var memory = _guest.GetMemory(caller, "queue-write-buffer");
        Run("queue-write-buffer", () =>
        {
            var d = _table.Get<WebGpuDevice>(queue, K.Queue);
            var b = _table.Get<WebGpuBuffer>(buffer, K.Buffer);
            CheckRange(offset, (uint)dataLen, b.Size, "write");
            d.WriteBuffer(b, (ulong)offset, GuestSpan(memory, dataPtr, (uint)dataLen));
            return 1;
        });
    }

    internal int CreateShaderModule(Caller caller, int device, int codePtr, int codeLen)
    {
        var memory = _guest.GetMemory(caller, "create-shader-module");
        return Run("create-shader-module", () =>
        {
            var d = _table.Get<WebGpuDevice>(device, K.Device);
            if ((uint)codeLen > _limits.MaxShaderSourceBytes) throw new GuestCallException($"WGSL source of {(uint)codeLen} bytes exceeds the limit of {_limits.MaxShaderSourceBytes}");
            var code = GuestSpan(memory, codePtr, (uint)codeLen);
            try
            {
                s_strictUtf8.GetCharCount(code);
            }
            catch (DecoderFallbackException)
            {
                throw new GuestCallException("WGSL source is not valid UTF-8");
            }
            _log?.Extend(MeasurementLogEntry.Wgsl(code)); // measured before Dawn compiles it
            return AddOrDispose(K.ShaderModule, d.CreateShaderModule((ReadOnlySpan<byte>)code)); // no guest code runs meanwhile: the span stays valid
        });
    }

    internal int CreateBindGroupLayout(Caller caller, int device, int entryCount, int entriesPtr)
    {
        var memory = _guest.GetMemory(caller, "create-bind-group-layout");
        return Run("create-bind-group-layout", () =>
        {
            var d = _table.Get<WebGpuDevice>(device, K.Device);
            if (entriesPtr == 0) return AddOrDispose(K.BindGroupLayout, new GuestLayout(null));
            int max = (int)Math.Min(_limits.MaxBindings, d.Limits.MaxBindingsPerBindGroup);
            if (entryCount == 0 || (uint)entryCount > max) throw new GuestCallException($"entry count {(uint)entryCount} must be 1..{max}");
            var raw = GuestSpan(memory, entriesPtr, (long)entryCount * LayoutEntrySize);
            var entries = new WebGpuBindingEntry[entryCount];
            for (int i = 0; i < entryCount; i++)
            {
                var e = raw.Slice(i * LayoutEntrySize, LayoutEntrySize);
                uint binding = BinaryPrimitives.ReadUInt32LittleEndian(e);
                uint type = BinaryPrimitives.ReadUInt32LittleEndian(e[4..]);
                uint minSize = BinaryPrimitives.ReadUInt32LittleEndian(e[8..]);
                if (type > 2) throw new GuestCallException($"entry {i}: type {type} is not 0 (storage), 1 (read-only storage) or 2 (uniform)");
                entries[i] = new WebGpuBindingEntry(binding, (WebGpuBindingKind)type, minSize);
            }
            return AddOrDispose(K.BindGroupLayout, new GuestLayout(d.CreateBindGroupLayout(entries)));
        });
    }

    internal int CreateComputePipeline(Caller caller, int device, int shader, int entryPtr, int entryLen, int layout)
    {
        var memory = _guest.GetMemory(caller, "create-compute-pipeline");
        return Run("create-compute-pipeline", () =>
        {
            var d = _table.Get<WebGpuDevice>(device, K.Device);
            var module = _table.Get<WebGpuShaderModule>(shader, K.ShaderModule);
            if (entryLen == 0 || (uint)entryLen > MaxEntryPointLength) throw new GuestCallException($"entry point name length {(uint)entryLen} must be 1..{MaxEntryPointLength}");
            string entry;
            try
            {
                entry = s_strictUtf8.GetString(GuestSpan(memory, entryPtr, (uint)entryLen));
            }
            catch (DecoderFallbackException)
            {
                throw new GuestCallException("entry point name is not valid UTF-8");
            }
            GuestLayout? guestLayout = layout == 0 ? null : _table.Get<GuestLayout>(layout, K.BindGroupLayout);
            var explicitLayout = guestLayout?.Explicit;
            var pipeline = new GuestPipeline(d.CreateComputePipeline(module, entry, explicitLayout));
            int id = AddOrDispose(K.ComputePipeline, pipeline);
            if (guestLayout is { Explicit: null }) guestLayout.AutoPipeline = pipeline;
            return id;
        });
    }

    internal int CreateBindGroup(Caller caller, int device, int layout, int bufferCount, int bufferIdsPtr)
    {
        var memory = _guest.GetMemory(caller, "create-bind-group");
        return Run("create-bind-group", () =>
        {
            var d = _table.Get<WebGpuDevice>(device, K.Device);
            var bgl = ResolveLayout(layout);
            int max = (int)Math.Min(_limits.MaxBindings, d.Limits.MaxBindingsPerBindGroup);
            if ((uint)bufferCount > max) throw new GuestCallException($"buffer count {(uint)bufferCount} must be 0..{max}");
            var buffers = BuffersAt(memory, bufferIdsPtr, bufferCount, out string? problem);
            if (buffers is null)
            {
                // The original host read buffer_ids_ptr as the first buffer id (binding i = buffer first + i).
                var consecutive = ConsecutiveBuffers(bufferIdsPtr, bufferCount);
                if (consecutive is null) throw new GuestCallException(problem!);
                if (!_originalEra)
                {
                    throw new GuestCallException($"{problem} (buffer_ids_ptr {bufferIdsPtr} is itself a buffer id, the original host's "
                        + "convention: it is accepted only from guests that import none of get-last-error, destroy-buffer, release-*; "
                        + "pass a pointer to the ids)");
                }
                if (!_firstIdNoted)
                {
                    _firstIdNoted = true;
                    _guest.Notice($"wasi:webgpu create-bind-group: buffer_ids_ptr {bufferIdsPtr} taken as the first buffer id (the original host's "
                        + $"convention: binding i = buffer {bufferIdsPtr}+i) for this guest, which imports only the original functions");
                }
                buffers = consecutive;
            }
            return AddOrDispose(K.BindGroup, d.CreateBindGroup(bgl, buffers));
        });
    }

    /// <summary>The buffers whose ids are the <paramref name="count"/> <c>u32</c> at <paramref name="ptr"/>; null with the problem otherwise.</summary>
    private WebGpuBuffer[]? BuffersAt(Memory? memory, int ptr, int count, out string? problem)
    {
        problem = null;
        Span<byte> raw;
        try
        {
            raw = GuestSpan(memory, ptr, (long)count * 4);
        }
        catch (GuestCallException e)
        {
            problem = e.Message;
            return null;
        }
        var buffers = new WebGpuBuffer[count];
        for (int i = 0; i < count; i++)
        {
            int id = BinaryPrimitives.ReadInt32LittleEndian(raw[(i * 4)..]);
            if (_table.TryGet(id, K.Buffer) is not WebGpuBuffer buffer)
            {
                problem = $"binding {i}: id {id} is not a live buffer";
                return null;
            }
            buffers[i] = buffer;
        }
        return buffers;
    }

    /// <summary>Buffers <paramref name="first"/>, +1, … (<paramref name="count"/> of them, at least one), or null when one is not a live buffer.</summary>
    private WebGpuBuffer[]? ConsecutiveBuffers(int first, int count)
    {
        if (count == 0 || first <= 0 || first > int.MaxValue - count) return null;
        var buffers = new WebGpuBuffer[count];
        for (int i = 0; i < count; i++)
        {
            if (_table.TryGet(first + i, K.Buffer) is not WebGpuBuffer buffer) return null;
            buffers[i] = buffer;
        }
        return buffers;
    }

    internal int CreateCommandEncoder(int device) => Run("create-command-encoder", () =>
        AddOrDispose(K.CommandEncoder, _table.Get<WebGpuDevice>(device, K.Device).CreateCommandEncoder()));

    internal void DispatchCompute(int encoder, int pipeline, int group, int x, int y, int z) => Run("dispatch-compute", () =>
    {
        var e = _table.Get<WebGpuCommandEncoder>(encoder, K.CommandEncoder);
        var p = _table.Get<GuestPipeline>(pipeline, K.ComputePipeline);
        var g = group == 0 ? null : _table.Get<WebGpuBindGroup>(group, K.BindGroup);
        uint max = e.Device.Limits.MaxComputeWorkgroupsPerDimension;
        foreach (int n in new[] { x, y, z })
        {
            if (n < 0 || (uint)n > max) throw new GuestCallException($"workgroup count {n} must be 0..{max}");
        }
        long total = (long)x * y * z; // each ≤ 65535-ish: no overflow in 64 bits
        if (total > _limits.MaxWorkgroupsPerDispatch)
            throw new GuestCallException($"{x}x{y}x{z} = {total} workgroups exceeds the limit of {_limits.MaxWorkgroupsPerDispatch} per dispatch");
        e.Dispatch(p.Pipeline, g, (uint)x, (uint)y, (uint)z);
        return 1;
    });

    internal void SubmitCommands(int queue, int encoder) => Run("submit-commands", () =>
    {
        var d = _table.Get<WebGpuDevice>(queue, K.Queue);
        var e = (WebGpuCommandEncoder)_table.Remove(encoder, K.CommandEncoder); // consumed, even when it fails
        d.Submit(e);
        return 1;
    });

    internal void CopyBufferToBuffer(int encoder, int src, long srcOffset, int dst, long dstOffset, long size) => Run("copy-buffer-to-buffer", () =>
    {
        var e = _table.Get<WebGpuCommandEncoder>(encoder, K.CommandEncoder);
        var s = _table.Get<WebGpuBuffer>(src, K.Buffer);
        var t = _table.Get<WebGpuBuffer>(dst, K.Buffer);
        CheckRange(srcOffset, size, s.Size, "copy source");
        CheckRange(dstOffset, size, t.Size, "copy destination");
        e.CopyBufferToBuffer(s, (ulong)srcOffset, t, (ulong)dstOffset, (ulong)size);
        return 1;
    });

    internal void BufferMapAsync(int buffer, int mode, long offset, long size) => Run("buffer-map-async", () =>
    {
        var b = _table.Get<WebGpuBuffer>(buffer, K.Buffer);
        CheckRange(offset, size, b.Size, "map");
        b.Map(mode == 1 ? WebGpuMapMode.Read : WebGpuMapMode.Write, (ulong)offset, (ulong)size);
        return 1;
    });

    internal void BufferGetMappedRange(Caller caller, int buffer, long offset, long size, int destPtr)
    {
        var memory = _guest.GetMemory(caller, "buffer-get-mapped-range");
        Run("buffer-get-mapped-range", () =>
        {
            var b = _table.Get<WebGpuBuffer>(buffer, K.Buffer);
            CheckRange(offset, size, b.Size, "mapped range");
            var target = GuestSpan(memory, destPtr, size);
            b.GetMappedRange((ulong)offset, (ulong)size).CopyTo(target);
            return 1;
        });
    }

    internal void BufferUnmap(int buffer) => Run("buffer-unmap", () =>
    {
        _table.Get<WebGpuBuffer>(buffer, K.Buffer).Unmap();
        return 1;
    });

    // --- additions ------------------------------------------------------------------------------

    internal int GetLastError(Caller caller)
    {
        string? error = LastError;
        if (error is null) return 0;
        LastError = null;
        return _guest.Allocator.WriteLengthPrefixed(caller, "get-last-error", Encoding.UTF8.GetBytes(error));
    }

    internal int DestroyBuffer(int buffer) => Run("destroy-buffer", () =>
    {
        var b = (WebGpuBuffer)_table.Remove(buffer, K.Buffer);
        _table.ReleaseBufferBytes((long)b.Size);
        b.Dispose();
        return 1;
    });

    internal int Release(string function, int id, GuestResourceKind kind) => Run(function, () =>
    {
        ((IDisposable)_table.Remove(id, kind)).Dispose();
        return 1;
    });

    // --- helpers --------------------------------------------------------------------------------

    private WebGpuBindGroupLayout ResolveLayout(int id)
    {
        if (_table.TryGet(id, K.ComputePipeline) is GuestPipeline p) return p.Group0Layout;
        var layout = _table.Get<GuestLayout>(id, K.BindGroupLayout);
        if (layout.Explicit is { } e) return e;
        if (layout.AutoPipeline is { Pipeline.IsDisposed: false } auto) return auto.Group0Layout;
        throw new GuestCallException($"layout {id} is automatic (entries_ptr 0) and no live pipeline was created with it yet");
    }

    private int AddOrDispose(GuestResourceKind kind, IDisposable value)
    {
        try
        {
            return _table.Add(kind, value);
        }
        catch
        {
            value.Dispose();
            throw;
        }
    }

    private static void CheckRange(long offset, long size, ulong limit, string what)
    {
        if (offset < 0 || size < 0) throw new GuestCallException($"{what}: negative offset or size ({offset}, {size})");
        if ((ulong)offset > limit || (ulong)size > limit - (ulong)offset)
            throw new GuestCallException($"{what}: [{offset}, {offset + size}) is outside the buffer ({limit} bytes)");
    }

    /// <summary>The guest bytes <c>[ptr, ptr + len)</c> (pointer read as wasm32's unsigned u32); throws when any is outside its memory.</summary>
    private static Span<byte> GuestSpan(Memory? memory, int ptr, long length)
    {
        if (length < 0 || length > int.MaxValue) throw new GuestCallException($"length {length} is out of range");
        if (memory is null) throw new GuestCallException("the guest exports no memory");
        long address = (uint)ptr;
        long size = memory.GetLength();
        if (address + length > size)
            throw new GuestCallException($"guest range [{address}, {address + length}) is outside guest memory ({size} bytes)");
        return memory.GetSpan(address, (int)length);
    }

    private int Run(string function, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is GuestCallException or WebGpuException or ObjectDisposedException)
        {
            LastError = $"{function}: {e.Message}";
            _guest.Log("wasi:webgpu " + LastError);
            return 0;
        }
    }

    /// <summary>Releases every object the guest left behind, then the device.</summary>
    public void Dispose()
    {
        foreach (var value in _table.Values)
        {
            if (value is IDisposable disposable and not WebGpuDevice) disposable.Dispose();
        }
        _table.Clear();
        _device?.Dispose();
        _device = null;
    }
}
