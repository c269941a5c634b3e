using System.Buffers.Binary;
using Wasmtime;

namespace TeeWasm.Runtime.Guest;

/// <summary>
/// The canonical ABI's way to hand a guest a result of variable size: the host asks the guest's own allocator,
/// <c>cabi_realloc(0, 0, align, size)</c>, for a block, checks that the address it gets is aligned and inside guest
/// memory, and only then writes there. Every failure is a log line and address 0; nothing is written elsewhere.
/// A length-prefixed result for a guest without <c>cabi_realloc</c> goes to the host's <see cref="HostResultArea"/>.
/// </summary>
public sealed class GuestAllocator
{
    private readonly GuestContext _guest;

    internal GuestAllocator(GuestContext guest) => _guest = guest;

    /// <summary>
    /// Allocates a raw <paramref name="length"/>-byte block with the guest's <c>cabi_realloc(0, 0, align, length)</c>
    /// (the canonical ABI's way to return a list or string) and returns its address (an i32 to be read as u32: the
    /// guest's memory may pass 2 GiB); 0 (with a log line) when the guest
    /// has no allocator or memory, or the allocator returned a misaligned address or one outside its memory. An empty
    /// block is not allocated: its address is <paramref name="align"/> (non-null and aligned, as Rust expects).
    /// </summary>
    public int Allocate(Caller caller, string function, int align, int length) => Allocate(caller, function, align, length, "");

    /// <summary>Allocates a block with <see cref="Allocate(Caller, string, int, int)"/> and copies <paramref name="bytes"/> into it; 0 on failure.</summary>
    public int WriteBlock(Caller caller, string function, int align, ReadOnlySpan<byte> bytes)
    {
        int address = Allocate(caller, function, align, bytes.Length);
        if (address == 0) return 0;
        if (bytes.Length > 0) bytes.CopyTo(_guest.GetMemory(caller, function)!.GetSpan((uint)address, bytes.Length));
        return address;
    }

    /// <summary>
    /// Allocates <c>4 + payload.Length</c> bytes aligned to 4 with the guest's <c>cabi_realloc(0, 0, 4, size)</c>, writes
    /// <c>[u32 LE length][payload]</c> there and returns the address; 0 (with a log line ending "returning 0") when the
    /// guest has no memory, or the allocator returned a misaligned address or one outside its memory. A guest without
    /// <c>cabi_realloc</c> gets the result in the host's <see cref="HostResultArea"/> (pages grown past its memory; valid
    /// until its next such call), or 0 with a log line when its memory cannot grow. Never writes elsewhere.
    /// </summary>
    public int WriteLengthPrefixed(Caller caller, string function, ReadOnlySpan<byte> payload)
    {
        int total = checked(4 + payload.Length);
        if (_guest.GetRealloc(caller) is null)
        {
            if (_guest.GetMemory(caller, function) is not { } memory) return 0;
            int result = _guest.ResultArea.Write(memory, payload, out string? failure);
            if (result == 0) _guest.Warn($"{function}: the guest exports no 'cabi_realloc' and {failure}; returning 0");
            return result;
        }
        int address = Allocate(caller, function, 4, total, ", returning 0");
        if (address == 0) return 0;
        var target = _guest.GetMemory(caller, function)!.GetSpan((uint)address, total);
        BinaryPrimitives.WriteUInt32LittleEndian(target, (uint)payload.Length);
        payload.CopyTo(target[4..]);
        return address;
    }

    private int Allocate(Caller caller, string function, int align, int length, string onFailure)
    {
        if (length < 0 || align <= 0 || (align & (align - 1)) != 0)
        {
            _guest.Log($"{function}: cannot allocate {length} bytes aligned to {align}{onFailure}");
            return 0;
        }
        if (length == 0) return align;
        var realloc = _guest.GetRealloc(caller);
        if (realloc is null)
        {
            _guest.Log($"{function}: guest exports no 'cabi_realloc'; cannot return a result{onFailure}");
            return 0;
        }
        int address = realloc(0, 0, align, length); // may grow memory: look memory up afterwards
        var memory = _guest.GetMemory(caller, function);
        if (memory is null) return 0;
        long size = memory.GetLength();
        // wasm32 addresses are u32: a block at or above 2 GiB is negative as an i32 and fine.
        if (address == 0 || (address & (align - 1)) != 0 || (long)(uint)address + length > size)
        {
            _guest.Log($"{function}: cabi_realloc returned {(uint)address}, not a valid {length}-byte block aligned to {align} in guest memory ({size} bytes){onFailure}");
            return 0;
        }
        return address;
    }
}
