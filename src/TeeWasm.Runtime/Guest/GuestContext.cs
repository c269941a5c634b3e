using Microsoft.Extensions.Logging;
using Wasmtime;

namespace TeeWasm.Runtime.Guest;

/// <summary>
/// Per-store access to the guest's exported <c>memory</c> and <c>cabi_realloc</c>, looked up once after instantiation
/// (a lookup per call costs ~4x a cached host call): safe reads/writes that never leave the guest's memory, and the
/// <see cref="Allocator"/> through which results are returned in memory the guest owns.
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
    public GuestContext(ILogger logger)
    {
        _logger = logger;
        Allocator = new GuestAllocator(this);
    }

    /// <summary>Returns results in guest memory through the guest's <c>cabi_realloc</c>.</summary>
    public GuestAllocator Allocator { get; }

    /// <summary>Caches the exports of the instance that runs (call right after instantiation).</summary>
    public void Bind(Instance instance)
    {
        _memory = instance.GetMemory(MemoryExport);
        _realloc = instance.GetFunction(ReallocExport)?.WrapFunc<int, int, int, int, int>();
        _bound = true;
    }

    /// <summary>Logs one line about an error the guest is told about (at debug: the guest may expect and handle it).</summary>
    public void Log(string message) => _logger.LogDebug("{Line}", message);

    /// <summary>The guest memory (cached, else looked up through the caller), or null with a log line.</summary>
    public Memory? GetMemory(Caller caller, string function)
    {
        var memory = _bound ? _memory : caller.GetMemory(MemoryExport);
        if (memory is null) Log($"{function}: guest exports no 'memory'; returning 0");
        return memory;
    }

    /// <summary>Copies <paramref name="length"/> bytes at <paramref name="address"/> out of guest memory; null when out of bounds.</summary>
    public byte[]? ReadBytes(Caller caller, string function, int address, int length, int maxLength)
    {
        if (address < 0 || length < 0)
        {
            Log($"{function}: negative pointer or length ({address}, {length}); returning 0");
            return null;
        }
        if (length > maxLength)
        {
            Log($"{function}: length {length} exceeds the limit of {maxLength} bytes; returning 0");
            return null;
        }
        var memory = GetMemory(caller, function);
        if (memory is null) return null;
        long size = memory.GetLength();
        if ((long)address + length > size)
        {
            Log($"{function}: range [{address}, {(long)address + length}) is outside guest memory ({size} bytes); returning 0");
            return null;
        }
        return memory.GetSpan(address, length).ToArray();
    }

    /// <summary>
    /// The guest memory range [<paramref name="address"/>, +<paramref name="length"/>) as a span, or false (with a log
    /// line) when the range is negative or leaves guest memory. The span is valid until the guest runs again.
    /// </summary>
    public bool TryGetRange(Caller caller, string function, int address, int length, out Span<byte> range)
    {
        range = default;
        if (address < 0 || length < 0)
        {
            Log($"{function}: negative pointer or length ({address}, {length})");
            return false;
        }
        var memory = GetMemory(caller, function);
        if (memory is null) return false;
        long size = memory.GetLength();
        if ((long)address + length > size)
        {
            Log($"{function}: range [{address}, {(long)address + length}) is outside guest memory ({size} bytes)");
            return false;
        }
        range = memory.GetSpan(address, length);
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
