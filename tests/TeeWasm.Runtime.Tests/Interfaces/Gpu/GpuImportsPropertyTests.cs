using CsCheck;
using TeeWasm.Gpu.Cpu;
using Wasmtime;

namespace TeeWasm.Runtime.Tests.Interfaces.Gpu;

/// <summary>
/// Issue 12, "keep it fixed": random sequences of wasi:gpu calls (random ids, offsets, lengths, result pointers) from a
/// WAT guest whose <c>cabi_realloc</c> is drawn too (a bump allocator, one that always returns the same block, one that
/// returns 0, the last bytes of memory, or an address past it). After every call, every byte of guest memory that
/// changed lies in the result area the guest passed or in a block its allocator handed out during the call; the host
/// never throws; the backend stays within its memory limit. A failure prints the calls and CsCheck's seed.
/// </summary>
public sealed class GpuImportsPropertyTests
{
    private const int Pages = 4, MemorySize = LoggingAllocators.MemorySize;

    /// <summary>What an import may write at its result pointer (docs/wasi-gpu.md): 36 bytes for device-info, 12 for buffer-read, else 8.</summary>
    private static int RetSize(string export) => export switch { "call_get_device_info" => 36, "call_buffer_read" => 12, _ => 8 };

    private static readonly int[] s_ints = [0, 1, 2, 3, 4, 5, -1, -8, 7, 16, 64, 4096, 131072, MemorySize - 8, MemorySize - 4, MemorySize, int.MaxValue, int.MinValue, unchecked((int)0x80000000u), GpuHarness.RetPtr];
    private static readonly long[] s_longs = [0, 1, 4, 8, 64, -1, long.MaxValue, long.MinValue, 1L << 32, 1L << 20, uint.MaxValue];
    private static readonly float[] s_floats = [0f, 1f, -1f, float.NaN, float.PositiveInfinity];

    private sealed record Call(string Export, object[] Args)
    {
        public override string ToString() => $"{Export}({string.Join(", ", Args)})";

        public ValueBox[] Boxes => [.. Args.Select(a => a switch { int i => (ValueBox)i, long l => (ValueBox)l, float f => (ValueBox)f, _ => throw new InvalidOperationException() })];
    }

    private static Gen<object> Arg(char kind) => kind switch
    {
        'l' => Gen.OneOf(Gen.OneOf(s_longs), Gen.Long[0, 4096]).Select(l => (object)l),
        'f' => Gen.OneOf(s_floats).Select(f => (object)f),
        'r' => Gen.Frequency((4, Gen.Const(GpuHarness.RetPtr)), (1, Gen.OneOf(s_ints)), (1, Gen.Int[0, MemorySize])).Select(i => (object)i),
        _ => Gen.Frequency((3, Gen.Int[0, 6]), (2, Gen.OneOf(s_ints)), (1, Gen.Int)).Select(i => (object)i),
    };

    private static readonly Gen<Call> s_call = Gen.Int[0, GpuGuest.Functions.Length - 1].SelectMany(f =>
    {
        var (export, kinds) = GpuGuest.Functions[f];
        return kinds.Aggregate(Gen.Const(Array.Empty<object>()), (args, kind) => Gen.Select(args, Arg(kind), (a, next) => (object[])[.. a, next]))
            .Select(args => new Call(export, args));
    });

    [Fact]
    public void Random_calls_write_only_where_the_guest_allowed()
    {
        Gen.Select(Gen.Int[0, LoggingAllocators.All.Length - 1], s_call.Array[1, 60]).Sample((allocator, calls) =>
        {
            var backend = new CpuBackend(new CpuBackendOptions { MemoryLimit = 1 << 20 });
            using var h = new GpuHarness(GpuGuest.Module(reallocBody: LoggingAllocators.Body(allocator), pages: Pages), backend);
            for (int i = 0; i < 4; i++) h.Call("call_buffer_create", 64L, 44, GpuHarness.RetPtr); // ids 1..4 exist
            foreach (Call call in calls)
            {
                LoggingAllocators.Clear(h.Memory.GetSpan(0, MemorySize));
                byte[] before = h.Snapshot();
                h.Call(call.Export, call.Boxes);
                byte[] after = h.Snapshot();
                uint ret = (uint)(int)call.Args[^1];
                var allowed = LoggingAllocators.Blocks(after);
                allowed.Add((ret, (long)ret + RetSize(call.Export)));
                int outside = LoggingAllocators.FirstWriteOutside(before, after, allowed);
                Assert.True(outside < 0, $"{call} (allocator {LoggingAllocators.All[allocator].Name}) changed byte {outside} outside its result area and the allocated blocks");
                Assert.InRange(backend.MemoryUsed, 0, 1 << 20);
            }
        }, iter: 40, threads: 1, print: t => $"allocator {LoggingAllocators.All[t.Item1].Name}: {string.Join("; ", t.Item2.Select(c => c.ToString()))}");
    }
}
