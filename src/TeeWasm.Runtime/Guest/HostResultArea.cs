using System.Buffers.Binary;
using Wasmtime;

namespace TeeWasm.Runtime.Guest;

/// <summary>
/// Where a guest that exports no <c>cabi_realloc</c> (the original host's first-era guests) gets its
/// <c>[u32 LE length][payload]</c> results: pages the host adds to the end of the guest's linear memory with
/// <c>memory.grow</c> (so the store's limits, <c>--max-memory</c>, count them) and keeps as its own result area, reused
/// and grown across calls. Nothing is ever written into memory the guest had before the call.
/// </summary>
/// <remarks>
/// The area stays the host's only while the guest leaves it alone: the host remembers every byte it left there and
/// reuses the area only when all of them are unchanged. A guest that wrote into it — typically its allocator, which may
/// claim all memory up to <c>memory.size</c> when it starts (wasi-libc's dlmalloc does) — owns it from then on, and the
/// next result goes to fresh pages. The bytes after a result are filled with <see cref="Filler"/> (not zero, so that
/// even a guest zeroing memory there is noticed) and at least <see cref="TailReserve"/> of them follow each result, so
/// that an allocator writing its bookkeeping at the end of memory does not reach a result the guest is still reading.
/// A result stays valid until the guest's next call that returns one (the original overwrote its area on every call).
/// </remarks>
public sealed class HostResultArea
{
    /// <summary>WebAssembly page size.</summary>
    public const int PageSize = 65536;

    /// <summary>Bytes of filler the host keeps after each result, inside the area.</summary>
    public const int TailReserve = 4096;

    /// <summary>The byte that fills the area around a result.</summary>
    public const byte Filler = 0xA5;

    private const long MaxPages32 = 65536; // a 32-bit memory holds at most 4 GiB

    private readonly long? _memoryLimitBytes;
    private readonly Action<string>? _notice;
    private long _start = -1;
    private byte[] _contents = []; // what the host left in the area (its whole length)

    /// <summary>Creates an empty area (its pages are grown with the first result).</summary>
    /// <param name="memoryLimitBytes">The store's limit on linear memory (<c>--max-memory</c>), named in failures; null when none.</param>
    /// <param name="notice">Told (one line) when the guest took the previous area over and fresh pages are used.</param>
    public HostResultArea(long? memoryLimitBytes = null, Action<string>? notice = null)
    {
        _memoryLimitBytes = memoryLimitBytes;
        _notice = notice;
    }

    /// <summary>The area's guest address, or -1 before the first result.</summary>
    public long Start => _start;

    /// <summary>The area's length in bytes (whole pages); 0 before the first result.</summary>
    public int Length => _contents.Length;

    /// <summary>
    /// Writes <c>[u32 LE length][payload]</c> into the area — reusing it, growing it in place, or growing fresh pages for
    /// a new one — and returns its guest address; 0 with <paramref name="failure"/> (one line) when guest memory cannot
    /// grow by what is needed.
    /// </summary>
    /// <param name="memory">The guest's memory.</param>
    /// <param name="payload">The result.</param>
    /// <param name="failure">Why nothing was written (null when the result was written).</param>
    public int Write(Memory memory, ReadOnlySpan<byte> payload, out string? failure)
    {
        failure = null;
        long needed = 4L + payload.Length + TailReserve;
        long memoryLength = memory.GetLength();
        bool exists = _start >= 0;
        bool intact = exists && _start + _contents.Length <= memoryLength
            && memory.GetSpan(_start, _contents.Length).SequenceEqual(_contents);
        if (exists && !intact)
        {
            _notice?.Invoke($"the guest wrote into the host's result area at 0x{_start:x} ({_contents.Length} bytes; its allocator took it over): it is the guest's now, results go to fresh pages");
            Forget();
        }

        if (_start >= 0 && _contents.Length < needed)
        {
            if (_start + _contents.Length == memoryLength)
            {
                // Still at the end of memory: grow it in place.
                int more = PagesFor(needed - _contents.Length);
                if (!TryGrow(memory, more, out failure)) return 0;
                Array.Resize(ref _contents, _contents.Length + more * PageSize);
                _contents.AsSpan(_contents.Length - more * PageSize).Clear(); // fresh pages are zero
            }
            else
            {
                Forget(); // the guest grew memory after it: leave it (it stays unused) and take fresh pages
            }
        }
        if (_start < 0)
        {
            int pages = PagesFor(needed);
            if (!TryGrow(memory, pages, out failure)) return 0;
            _start = memoryLength;
            _contents = new byte[pages * PageSize];
        }

        // The result at the start of the area, filler after it; the host's copy records exactly what is there.
        var area = _contents.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(area, (uint)payload.Length);
        payload.CopyTo(area[4..]);
        area[(4 + payload.Length)..].Fill(Filler);
        area.CopyTo(memory.GetSpan(_start, area.Length));
        return unchecked((int)(uint)_start); // an address past 2 GiB reads as the same u32 in the guest
    }

    private void Forget()
    {
        _start = -1;
        _contents = [];
    }

    private static int PagesFor(long bytes) => checked((int)((bytes + PageSize - 1) / PageSize));

    private bool TryGrow(Memory memory, int pages, out string? reason)
    {
        reason = null;
        long current = memory.GetSize();
        long wanted = current + pages;
        string growth = $"growing guest memory from {Describe(current * PageSize)} by {pages} page(s) for the result";
        if (memory.Maximum is long maximum && wanted > maximum)
        {
            reason = $"{growth} would pass its declared maximum of {maximum} page(s) ({Describe(maximum * PageSize)})";
            return false;
        }
        if (!memory.Is64Bit && wanted > MaxPages32)
        {
            reason = $"{growth} would pass the 4 GiB of a 32-bit memory";
            return false;
        }
        if (_memoryLimitBytes is long limit && wanted * PageSize > limit)
        {
            reason = $"{growth} would pass the host's memory limit (--max-memory {Describe(limit)})";
            return false;
        }
        try
        {
            memory.Grow(pages);
            return true;
        }
        catch (WasmtimeException e)
        {
            reason = $"{growth} was refused: {e.Message.Split('\n')[0]}";
            return false;
        }
    }

    private static string Describe(long bytes) =>
        bytes % (1024 * 1024) == 0 ? $"{bytes / (1024 * 1024)} MiB" : $"{bytes / 1024.0:0.#} KiB";
}
