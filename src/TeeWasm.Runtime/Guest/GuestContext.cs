using Wasmtime;

namespace TeeWasm.Runtime.Guest;

/// <summary>
/// Per-store access to the guest's exported <c>memory</c> and <c>cabi_realloc</c>, looked up once after instantiation
/// (a lookup per call costs ~4x a cached host call), and safe reads/writes that never leave the guest's memory.
/// </summary>
public sealed class GuestContext
{
    private const string MemoryExport = "memory";
    private const string ReallocExport = "cabi_realloc";

    private readonly Action<string> _log;
    private Memory? _memory;
    private Func<int, int, int, int, int>? _realloc;
    private bool _bound;

    /// <summary>Creates a context that writes host diagnostics to <paramref name="log"/>.</summary>
    public GuestContext(Action<string> log) => _log = log;

    /// <summary>Caches the exports of the instance that runs (call right after instantiation).</summary>
    public void Bind(Instance instance)
    {
        _memory = instance.GetMemory(MemoryExport);
        _realloc = instance.GetFunction(ReallocExport)?.WrapFunc<int, int, int, int, int>();
        _bound = true;
    }

    /// <summary>Writes one host diagnostic line.</summary>
    public void Log(string message) => _log(message);

    /// <summary>The guest memory (cached, else looked up through the caller), or null with a log line.</summary>
    public Memory? GetMemory(Caller caller, string function)
    {
        var memory = _bound ? _memory : caller.GetMemory(MemoryExport);
        if (memory is null) _log($"{function}: guest exports no 'memory'; returning 0");
        return memory;
    }

    /// <summary>Copies <paramref name="length"/> bytes at <paramref name="address"/> out of guest memory; null when out of bounds.</summary>
    public byte[]? ReadBytes(Caller caller, string function, int address, int length, int maxLength)
    {
        if (address < 0 || length < 0)
        {
            _log($"{function}: negative pointer or length ({address}, {length}); returning 0");
            return null;
        }
        if (length > maxLength)
        {
            _log($"{function}: length {length} exceeds the limit of {maxLength} bytes; returning 0");
            return null;
        }
        var memory = GetMemory(caller, function);
        if (memory is null) return null;
        long size = memory.GetLength();
        if ((long)address + length > size)
        {
            _log($"{function}: range [{address}, {(long)address + length}) is outside guest memory ({size} bytes); returning 0");
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
            _log($"{function}: negative pointer or length ({address}, {length})");
            return false;
        }
        var memory = GetMemory(caller, function);
        if (memory is null) return false;
        long size = memory.GetLength();
        if ((long)address + length > size)
        {
            _log($"{function}: range [{address}, {(long)address + length}) is outside guest memory ({size} bytes)");
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

    /// <summary>
    /// Allocates a raw <paramref name="length"/>-byte block with the guest's <c>cabi_realloc(0, 0, align, length)</c>
    /// (the canonical ABI's way to return a list or string) and returns its address; 0 (with a log line) when the guest
    /// has no allocator or memory, or the allocator returned a misaligned address or one outside its memory. An empty
    /// block is not allocated: its address is <paramref name="align"/> (non-null and aligned, as Rust expects).
    /// </summary>
    public int Allocate(Caller caller, string function, int align, int length)
    {
        if (length < 0 || align <= 0 || (align & (align - 1)) != 0)
        {
            _log($"{function}: cannot allocate {length} bytes aligned to {align}");
            return 0;
        }
        if (length == 0) return align;
        var realloc = _bound ? _realloc : caller.GetFunction(ReallocExport)?.WrapFunc<int, int, int, int, int>();
        if (realloc is null)
        {
            _log($"{function}: guest exports no 'cabi_realloc'; cannot return a result");
            return 0;
        }
        int address = realloc(0, 0, align, length); // may grow memory: look memory up afterwards
        var memory = GetMemory(caller, function);
        if (memory is null) return 0;
        long size = memory.GetLength();
        if (address <= 0 || (address & (align - 1)) != 0 || (long)(uint)address + length > size)
        {
            _log($"{function}: cabi_realloc returned {address}, not a valid {length}-byte block aligned to {align} in guest memory ({size} bytes)");
            return 0;
        }
        return address;
    }

    /// <summary>Allocates a block with <see cref="Allocate"/> and copies <paramref name="bytes"/> into it; 0 on failure.</summary>
    public int WriteBlock(Caller caller, string function, int align, ReadOnlySpan<byte> bytes)
    {
        int address = Allocate(caller, function, align, bytes.Length);
        if (address == 0) return 0;
        if (bytes.Length > 0) bytes.CopyTo(GetMemory(caller, function)!.GetSpan(address, bytes.Length));
        return address;
    }

    /// <summary>
    /// Allocates <c>4 + payload.Length</c> bytes with the guest's <c>cabi_realloc(0, 0, 4, size)</c>, writes
    /// <c>[u32 LE length][payload]</c> there and returns the address; 0 (with a log line) when the guest has no
    /// allocator or memory, or the allocator returned an address outside its memory. Never writes elsewhere.
    /// </summary>
    public int WriteLengthPrefixed(Caller caller, string function, ReadOnlySpan<byte> payload)
    {
        var realloc = _bound ? _realloc : caller.GetFunction(ReallocExport)?.WrapFunc<int, int, int, int, int>();
        if (realloc is null)
        {
            _log($"{function}: guest exports no 'cabi_realloc'; cannot return a result, returning 0");
            return 0;
        }
        int total = checked(4 + payload.Length);
        int address = realloc(0, 0, 4, total); // may grow memory: look memory up afterwards
        var memory = GetMemory(caller, function);
        if (memory is null) return 0;
        long size = memory.GetLength();
        if (address <= 0 || (long)(uint)address + total > size)
        {
            _log($"{function}: cabi_realloc returned {address}, not a valid {total}-byte block in guest memory ({size} bytes); returning 0");
            return 0;
        }
        var target = memory.GetSpan(address, total);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(target, (uint)payload.Length);
        payload.CopyTo(target[4..]);
        return address;
    }
}
