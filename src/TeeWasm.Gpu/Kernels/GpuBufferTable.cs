namespace TeeWasm.Gpu.Kernels;

/// <summary>
/// The buffer ids and memory accounting every backend shares: ids from 1 up (never reused within a run), the
/// guest-visible size of each buffer counted against a memory budget (the guest's, shared with its <c>wasi:webgpu</c>
/// session), a bound on the number of buffers, and the range and shape checks of <c>wasi:gpu</c>. <typeparamref name="T"/> is the backend's storage (a byte array, a GPU buffer).
/// </summary>
/// <typeparam name="T">What one buffer is, on the backend.</typeparam>
internal sealed class GpuBufferTable<T> where T : class
{
    private readonly Dictionary<uint, Entry> _buffers = [];
    private readonly GpuMemoryBudget _budget;
    private readonly int _maxBuffers;
    private long _used;
    private uint _nextId = 1;

    /// <summary>A live buffer: the backend's storage and the size the guest asked for.</summary>
    public sealed record Entry(T Storage, ulong Size);

    public GpuBufferTable(GpuMemoryBudget budget, int maxBuffers)
    {
        _budget = budget;
        _maxBuffers = maxBuffers;
    }

    /// <summary>The budget buffers count against.</summary>
    public GpuMemoryBudget Budget => _budget;

    /// <summary>Bytes held by this table's live buffers (their guest-visible sizes).</summary>
    public long Used => _used;

    /// <summary>Number of live buffers.</summary>
    public int Count => _buffers.Count;

    /// <summary>The live buffers.</summary>
    public IEnumerable<Entry> Entries => _buffers.Values;

    /// <summary>
    /// Creates a buffer of <paramref name="size"/> bytes with <paramref name="allocate"/> (null from it means out of
    /// memory); OutOfMemory beyond <paramref name="maxSize"/>, the memory budget or the buffer count.
    /// </summary>
    public GpuResult<uint> Create(ulong size, ulong maxSize, Func<ulong, T?> allocate)
    {
        if (size > maxSize || size > long.MaxValue || _buffers.Count >= _maxBuffers || !_budget.TryReserve((long)size)) return GpuError.OutOfMemory;
        T? storage;
        try
        {
            storage = allocate(size);
        }
        catch (OutOfMemoryException)
        {
            storage = null;
        }
        catch
        {
            _budget.Release((long)size);
            throw;
        }
        if (storage is null)
        {
            _budget.Release((long)size);
            return GpuError.OutOfMemory;
        }
        while (_nextId == 0 || _buffers.ContainsKey(_nextId)) _nextId++;
        uint id = _nextId++;
        _buffers.Add(id, new Entry(storage, size));
        _used += (long)size;
        return id;
    }

    /// <summary>Removes a buffer; false for an unknown id.</summary>
    public bool Destroy(uint id, out T? storage)
    {
        storage = null;
        if (!_buffers.Remove(id, out var entry)) return false;
        _used -= (long)entry.Size;
        _budget.Release((long)entry.Size);
        storage = entry.Storage;
        return true;
    }

    /// <summary>The buffer with id <paramref name="id"/>, or null.</summary>
    public Entry? Get(uint id) => _buffers.GetValueOrDefault(id);

    /// <summary>
    /// Looks up a buffer that must hold at least <paramref name="count"/> 4-byte elements: null when it does,
    /// InvalidBuffer for an unknown id, InvalidParams when it is too small.
    /// </summary>
    public GpuError? Elements(uint id, ulong count, out Entry buffer)
    {
        buffer = _buffers.GetValueOrDefault(id)!;
        if (buffer is null) return GpuError.InvalidBuffer;
        return count > buffer.Size / 4 ? GpuError.InvalidParams : null;
    }

    /// <summary>
    /// Looks up a buffer for the byte range <c>[offset, offset + length)</c> (buffer-write, buffer-read): null when the
    /// buffer exists and the range lies in it, InvalidBuffer for an unknown id, InvalidParams for a range outside.
    /// </summary>
    public GpuError? Range(uint id, ulong offset, ulong length, out Entry buffer)
    {
        buffer = _buffers.GetValueOrDefault(id)!;
        if (buffer is null) return GpuError.InvalidBuffer;
        return Fits(buffer.Size, offset, length) ? null : GpuError.InvalidParams;
    }

    /// <summary>The checks of buffer-copy: both buffers exist (else InvalidBuffer) and both ranges lie in them (else InvalidParams).</summary>
    public GpuError? CopyRanges(uint source, ulong sourceOffset, uint destination, ulong destinationOffset, ulong size, out Entry from, out Entry to)
    {
        from = _buffers.GetValueOrDefault(source)!;
        to = _buffers.GetValueOrDefault(destination)!;
        if (from is null || to is null) return GpuError.InvalidBuffer;
        return Fits(from.Size, sourceOffset, size) && Fits(to.Size, destinationOffset, size) ? null : GpuError.InvalidParams;
    }

    /// <summary>True when <c>[offset, offset + length)</c> lies within <paramref name="size"/> bytes (no overflow).</summary>
    public static bool Fits(ulong size, ulong offset, ulong length) => offset <= size && length <= size - offset;

    /// <summary>Forgets every buffer.</summary>
    public void Clear()
    {
        _buffers.Clear();
        _budget.Release(_used);
        _used = 0;
    }
}
