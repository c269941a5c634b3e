using System.Buffers.Binary;

namespace TeeWasm.Runtime.Tests.Interfaces;

/// <summary>
/// <c>cabi_realloc</c> bodies for the randomized guest-interface tests: well-behaved and hostile allocators that log every
/// block they hand out (count, then (pointer, size) pairs at <see cref="Log"/>, written by the guest itself), so a test
/// can tell the host's writes into guest allocations from writes anywhere else. Guests need 4 pages of memory.
/// </summary>
internal static class LoggingAllocators
{
    public const int MemorySize = 4 * 65536;

    /// <summary>The guest's allocation log (in the last page).</summary>
    public const int Log = 0x3F000, LogEntries = 200, LogSize = 8 + 8 * LogEntries;

    /// <summary>The allocators: a bump allocator from the guest's <c>$heap</c>, one that always returns the same block, 0, the last bytes of memory, or an address past it.</summary>
    public static readonly (string Name, string SetPointer)[] All =
    [
        ("bump", "(local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1))) (i32.sub (i32.const 0) (local.get 2)))) (global.set $heap (i32.add (local.get $p) (local.get 3)))"),
        ("same block", "(local.set $p (i32.const 200000))"),
        ("zero", "(local.set $p (i32.const 0))"),
        ("end of memory", $"(local.set $p (i32.const {MemorySize - 8}))"),
        ("past memory", "(local.set $p (i32.const -16))"),
    ];

    /// <summary>The body of <c>cabi_realloc</c> (params old ptr, old size, align, size) for allocator <paramref name="index"/>.</summary>
    public static string Body(int index) => $"""
        (local $p i32) (local $k i32)
        {All[index].SetPointer}
        (local.set $k (i32.load (i32.const {Log})))
        (if (i32.lt_u (local.get $k) (i32.const {LogEntries})) (then
          (i32.store (i32.add (i32.const {Log + 8}) (i32.shl (local.get $k) (i32.const 3))) (local.get $p))
          (i32.store (i32.add (i32.const {Log + 12}) (i32.shl (local.get $k) (i32.const 3))) (local.get 3))
          (i32.store (i32.const {Log}) (i32.add (local.get $k) (i32.const 1)))))
        (local.get $p)
        """;

    /// <summary>Empties the log in <paramref name="memory"/> (before a call).</summary>
    public static void Clear(Span<byte> memory) => BinaryPrimitives.WriteInt32LittleEndian(memory[Log..], 0);

    /// <summary>The log itself and every block logged in <paramref name="memory"/> (after a call), as [start, end) ranges.</summary>
    public static List<(long Start, long End)> Blocks(ReadOnlySpan<byte> memory)
    {
        var blocks = new List<(long Start, long End)> { (Log, Log + LogSize) };
        int count = Math.Min(BinaryPrimitives.ReadInt32LittleEndian(memory[Log..]), LogEntries);
        for (int k = 0; k < count; k++)
        {
            uint p = BinaryPrimitives.ReadUInt32LittleEndian(memory[(Log + 8 + 8 * k)..]);
            uint n = BinaryPrimitives.ReadUInt32LittleEndian(memory[(Log + 12 + 8 * k)..]);
            blocks.Add((p, (long)p + n));
        }
        return blocks;
    }

    /// <summary>The first address where <paramref name="before"/> and <paramref name="after"/> differ outside <paramref name="allowed"/>, or -1.</summary>
    public static int FirstWriteOutside(ReadOnlySpan<byte> before, ReadOnlySpan<byte> after, List<(long Start, long End)> allowed)
    {
        for (int a = 0; a < before.Length; a++)
        {
            if (before[a] != after[a] && !allowed.Exists(r => a >= r.Start && a < r.End)) return a;
        }
        return -1;
    }
}
