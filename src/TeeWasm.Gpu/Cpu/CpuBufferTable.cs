namespace TeeWasm.Gpu.Cpu;

/// <summary>The CPU backend's buffers: ids from 1 up, byte arrays, and the memory accounting against a limit.</summary>
internal sealed class CpuBufferTable
{
    private readonly Dictionary<uint, byte[]> _buffers = [];
    private readonly long _limit;
    private readonly int _maxBuffers;
    private long _used;
    private uint _nextId = 1;

    public CpuBufferTable(long limit, int maxBuffers)
    {
        _limit = limit;
        _maxBuffers = maxBuffers;
    }

    /// <summary>Bytes held by live buffers.</summary>
    public long Used => _used;

    /// <summary>Number of live buffers.</summary>
    public int Count => _buffers.Count;

    public GpuResult<uint> Create(ulong size)
    {
        if (size > (ulong)Array.MaxLength || (long)size > _limit - _used || _buffers.Count >= _maxBuffers)
            return GpuError.OutOfMemory;
        byte[] bytes;
        try
        {
            bytes = new byte[size];
        }
        catch (OutOfMemoryException)
        {
            return GpuError.OutOfMemory;
        }
        while (_nextId == 0 || _buffers.ContainsKey(_nextId)) _nextId++;
        uint id = _nextId++;
        _buffers.Add(id, bytes);
        _used += bytes.Length;
        return id;
    }

    public bool Destroy(uint id)
    {
        if (!_buffers.Remove(id, out var bytes)) return false;
        _used -= bytes.Length;
        return true;
    }

    public byte[]? Get(uint id) => _buffers.GetValueOrDefault(id);

    public void Clear()
    {
        _buffers.Clear();
        _used = 0;
    }
}
