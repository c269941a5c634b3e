using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Runtime.Interfaces.WebGpu;

/// <summary>
/// The guest's ids: one counter from 1 for every kind (as the original host did), 0 never issued. Enforces the
/// resource-count and total-buffer-bytes bounds. Looking an id up checks its kind, so a guest can never make the
/// host use an object as something else, or use one it released.
/// </summary>
internal sealed class GuestResourceTable(WebGpuGuestLimits limits)
{
    private readonly Dictionary<int, (GuestResourceKind Kind, object Value)> _items = [];
    private readonly GpuMemoryBudget _budget = limits.Budget ?? new GpuMemoryBudget(limits.MaxTotalBufferBytes);
    private int _next = 1;

    public long BufferBytes { get; private set; }

    public int Count => _items.Count;

    public int Add(GuestResourceKind kind, object value)
    {
        if (_items.Count >= limits.MaxResources)
            throw new GuestCallException($"resource limit reached: {limits.MaxResources} live objects (release some)");
        if (_next == int.MaxValue) throw new GuestCallException("resource ids exhausted");
        int id = _next++;
        _items[id] = (kind, value);
        return id;
    }

    /// <summary>Reserves <paramref name="bytes"/> of the guest's GPU memory budget; throws when it would be exceeded.</summary>
    public void ReserveBufferBytes(long bytes)
    {
        if (!_budget.TryReserve(bytes))
            throw new GuestCallException($"buffer memory limit reached: {_budget.Used} + {bytes} bytes > {_budget.Limit} bytes for this guest (its wasi:gpu and wasi:webgpu buffers together)");
        BufferBytes += bytes;
    }

    public void ReleaseBufferBytes(long bytes)
    {
        BufferBytes -= bytes;
        _budget.Release(bytes);
    }

    public T Get<T>(int id, GuestResourceKind kind) where T : class =>
        TryGet(id, kind) as T ?? throw new GuestCallException(Describe(id, kind));

    public object? TryGet(int id, GuestResourceKind kind) =>
        _items.TryGetValue(id, out var item) && item.Kind == kind ? item.Value : null;

    public GuestResourceKind? KindOf(int id) => _items.TryGetValue(id, out var item) ? item.Kind : null;

    public object Remove(int id, GuestResourceKind kind)
    {
        var value = TryGet(id, kind) ?? throw new GuestCallException(Describe(id, kind));
        _items.Remove(id);
        return value;
    }

    public IEnumerable<object> Values => _items.Values.Select(v => v.Value);

    public void Clear()
    {
        _items.Clear();
        ReleaseBufferBytes(BufferBytes);
    }

    private string Describe(int id, GuestResourceKind kind) =>
        _items.TryGetValue(id, out var item)
            ? $"id {id} is a {Name(item.Kind)}, not a {Name(kind)}"
            : $"id {id} is not a live {Name(kind)}";

    private static string Name(GuestResourceKind kind) => kind switch
    {
        GuestResourceKind.ShaderModule => "shader module",
        GuestResourceKind.BindGroupLayout => "bind group layout",
        GuestResourceKind.ComputePipeline => "compute pipeline",
        GuestResourceKind.BindGroup => "bind group",
        GuestResourceKind.CommandEncoder => "command encoder",
        _ => kind.ToString().ToLowerInvariant(),
    };
}

/// <summary>A guest call was refused (bad id, range, limit); the message goes to <c>get-last-error</c>.</summary>
internal sealed class GuestCallException(string message) : Exception(message);
