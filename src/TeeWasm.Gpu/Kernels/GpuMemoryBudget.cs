namespace TeeWasm.Gpu.Kernels;

/// <summary>
/// Bytes of GPU buffers one guest may hold, shared by everything that makes buffers for it: its <c>wasi:gpu</c>
/// backend (CPU, WebGPU or CUDA) and its <c>wasi:webgpu</c> session count against the same budget. Thread-safe.
/// </summary>
public sealed class GpuMemoryBudget
{
    private long _used;

    /// <summary>Creates a budget of <paramref name="limit"/> bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is not positive.</exception>
    public GpuMemoryBudget(long limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        Limit = limit;
    }

    /// <summary>The most bytes live buffers may hold together.</summary>
    public long Limit { get; }

    /// <summary>Bytes reserved now.</summary>
    public long Used => Interlocked.Read(ref _used);

    /// <summary>Reserves <paramref name="bytes"/>; false (nothing reserved) when they do not fit or are negative.</summary>
    public bool TryReserve(long bytes)
    {
        if (bytes < 0) return false;
        long used = Interlocked.Read(ref _used);
        while (true)
        {
            if (bytes > Limit - used) return false;
            long seen = Interlocked.CompareExchange(ref _used, used + bytes, used);
            if (seen == used) return true;
            used = seen;
        }
    }

    /// <summary>Returns <paramref name="bytes"/> reserved before.</summary>
    public void Release(long bytes) => Interlocked.Add(ref _used, -bytes);
}
