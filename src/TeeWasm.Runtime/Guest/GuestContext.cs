using Microsoft.Extensions.Logging;
using Wasmtime;

namespace TeeWasm.Runtime.Guest;

/// <summary>
/// Per-store access to the guest's exported <c>memory</c> and <c>cabi_realloc</c>, looked up once after instantiation
/// (a lookup per call costs ~4x a cached host call): safe reads/writes that never leave the guest's memory, and the
/// <see cref="Allocator"/> through which results are returned in memory the guest owns (or, for a guest without
/// <c>cabi_realloc</c>, in the host's <see cref="ResultArea"/>).
/// </summary>
public sealed class GuestContext
{
    private const string MemoryExport = "memory";
    private const string ReallocExport = "cabi_realloc";

    private readonly ILogger _logger;
    private Memory? _memory;
    private Func<int, int, int, int, int>? _realloc;
    private bool _bound;

    /// <summary>
    /// Creates a context that logs to <paramref name="logger"/>, at debug: what it logs is an error the guest is told
    /// about (a 0 or an error code) and may handle.
    /// </summary>
    /// <param name="logger">The host's log.</param>
    /// <param name="memoryLimitBytes">The store's limit on linear memory (<c>--max-memory</c>), named when the result area cannot grow.</param>
    public GuestContext(ILogger logger, long? memoryLimitBytes = null)
    {
        _logger = logger;
        Allocator = new GuestAllocator(this);
        ResultArea = new HostResultArea(memoryLimitBytes, Log);
    }

    /// <summary>Returns results in guest memory through the guest's <c>cabi_realloc</c>, or in <see cref="ResultArea"/> without one.</summary>
    public GuestAllocator Allocator { get; }

    /// <summary>The host-owned pages that hold <c>[u32 length][payload]</c> results for a guest without <c>cabi_realloc</c>.</summary>
    public HostResultArea ResultArea { get; }

    /// <summary>Caches the exports of the instance that runs (call right after instantiation).</summary>
    public void Bind(Instance instance)
    {
        _memory = instance.GetMemory(MemoryExport);
        _realloc = instance.GetFunction(ReallocExport)?.WrapFunc<int, int, int, int, int>();
        _bound = true;
    }

    /// <summary>Logs one line about an error the guest is told about (at debug: the guest may expect and handle it).</summary>
    public void Log(string message) => _logger.LogDebug("{Line}", message);

    /// <summary>Logs one line the user should see (info): the host bridged an original-era guest's convention.</summary>
    public void Notice(string message) => _logger.LogInformation("{Line}", message);

    /// <summary>Logs one line the user must see (warning): a call of the guest failed for a reason outside the guest (a limit).</summary>
    public void Warn(string message) => _logger.LogWarning("{Line}", message);

    /// <summary>The guest memory (cached, else looked up through the caller), or null with a log line.</summary>
    public Memory? GetMemory(Caller caller, string function)
    {
        var memory = _bound ? _memory : caller.GetMemory(MemoryExport);
        if (memory is null) Log($"{function}: guest exports no 'memory'; returning 0");
        return memory;
    }

    /// <summary>
    /// Copies <paramref name="length"/> bytes at <paramref name="address"/> out of guest memory; null (with a log line)
    /// when longer than <paramref name="maxLength"/> or outside guest memory. Both are the ABI's i32s read as wasm32's
    /// unsigned u32: an address at or above 2 GiB is an address like any other.
    /// </summary>
    public byte[]? ReadBytes(Caller caller, string function, int address, int length, int maxLength)
    {
        if ((uint)length > (uint)maxLength)
        {
            Log($"{function}: length {(uint)length} exceeds the limit of {maxLength} bytes; returning 0");
            return null;
        }
        return TryGetRange(caller, function, address, length, out var range, "; returning 0") ? range.ToArray() : null;
    }

    /// <summary>
    /// The guest memory range [<paramref name="address"/>, +<paramref name="length"/>) as a span (both read as u32), or
    /// false (with a log line) when the range leaves guest memory. The span is valid until the guest runs again.
    /// </summary>
    public bool TryGetRange(Caller caller, string function, int address, int length, out Span<byte> range) =>
        TryGetRange(caller, function, address, length, out range, "");

    private bool TryGetRange(Caller caller, string function, int address, int length, out Span<byte> range, string onFailure)
    {
        range = default;
        var memory = GetMemory(caller, function);
        if (memory is null) return false;
        long start = (uint)address, end = start + (uint)length, size = memory.GetLength();
        if (end > size)
        {
            Log($"{function}: range [{start}, {end}) is outside guest memory ({size} bytes){onFailure}");
            return false;
        }
        if ((uint)length > int.MaxValue)
        {
            Log($"{function}: length {(uint)length} is more than one host call takes (2 GiB){onFailure}");
            return false;
        }
        range = memory.GetSpan(start, length);
        return true;
    }

    /// <summary>
    /// Writes <paramref name="bytes"/> at <paramref name="address"/> (e.g. a result at a guest <c>retptr</c>) when the
    /// whole range lies in guest memory; otherwise writes nothing and returns false with a log line.
    /// </summary>
    public bool WriteAt(Caller caller, string function, int address, ReadOnlySpan<byte> bytes)
    {
        if (!TryGetRange(caller, function, address, bytes.Length, out var target)) return false;
        bytes.CopyTo(target);
        return true;
    }

    /// <summary>The guest's <c>cabi_realloc(old, old_size, align, new_size)</c> (cached, else looked up through the caller), or null.</summary>
    internal Func<int, int, int, int, int>? GetRealloc(Caller caller) =>
        _bound ? _realloc : caller.GetFunction(ReallocExport)?.WrapFunc<int, int, int, int, int>();
}
