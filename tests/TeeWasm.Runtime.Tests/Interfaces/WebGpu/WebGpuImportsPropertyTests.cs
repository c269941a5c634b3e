using System.Text;
using CsCheck;
using TeeWasm.Runtime.Interfaces.WebGpu;
using Wasmtime;

namespace TeeWasm.Runtime.Tests.Interfaces.WebGpu;

/// <summary>
/// Issue 12, "keep it fixed": random sequences of wasi:webgpu calls (random ids, offsets, sizes, pointers, lengths,
/// workgroup counts; WGSL that is valid, one byte off, or random bytes) on real Dawn, from a WAT guest whose
/// <c>cabi_realloc</c> is drawn from <see cref="LoggingAllocators"/>. After every call, every byte of guest memory that
/// changed lies in the range a successful <c>buffer-get-mapped-range</c> was given or in a block the guest's allocator handed out
/// during the call; the host never throws; the guest's buffers stay within its budget. A failure prints the calls and
/// CsCheck's seed.
/// </summary>
/// <remarks>
/// The GPU work is kept tiny so that no call waits: the budget is <see cref="BufferBudget"/> bytes and a dispatch may have
/// at most <see cref="MaxWorkgroups"/> workgroups of 4 invocations (larger counts are drawn too, and refused). Dispatches
/// and copies only record; <c>submit-commands</c> does not wait; <c>buffer-map-async</c> waits for the work submitted
/// before it (up to <see cref="TeeWasm.Gpu.Dawn.WebGpuOptions.Timeout"/>, 120 s), so with these bounds it waits
/// milliseconds. With the default limits (2^22 workgroups, 1 GiB of buffers) or a guest shader that loops, one map on
/// lavapipe can wait the full time-out: host calls are not interrupted by the run's time limit.
/// </remarks>
public sealed class WebGpuImportsPropertyTests
{
    private const int MemorySize = LoggingAllocators.MemorySize, BufferBudget = 16 * 1024, MaxWorkgroups = 64;

    private const int MapRead = 0x1, MapWrite = 0x2, CopySrc = 0x4, CopyDst = 0x8, Uniform = 0x40, Storage = 0x80;

    private const string Shader = """
        @group(0) @binding(0) var<storage, read_write> data: array<u32>;
        @compute @workgroup_size(4)
        fn main(@builtin(global_invocation_id) id: vec3<u32>) {
            if (id.x < arrayLength(&data)) { data[id.x] = data[id.x] + 1u; }
        }
        """;

    /// <summary>Where the guest's inputs lie (below the allocator's heap): WGSL, the entry point name, buffer ids, layout entries, random bytes.</summary>
    private const int WgslPtr = 4096, EntryPtr = 8192, IdsPtr = 8200, EntriesPtr = 8256, FixtureIdsPtr = 8320, BytesPtr = 12288;

    private static readonly int[] s_pointers = [WgslPtr, EntryPtr, IdsPtr, EntriesPtr, BytesPtr, 0, 1, MemorySize - 1, MemorySize - 4, MemorySize, MemorySize + 1, -1, -16, int.MinValue, int.MaxValue, LoggingAllocators.Log, 200000];
    private static readonly int[] s_lengths = [0, 1, 4, 12, 48, 256, 4096, MemorySize, -1, int.MaxValue, int.MinValue];
    private static readonly long[] s_longs = [0, 1, 4, 8, 16, 256, 1024, 4096, BufferBudget, BufferBudget + 1, -1, -8, long.MaxValue, long.MinValue, 1L << 32, uint.MaxValue];
    private static readonly int[] s_hostileInts = [-1, int.MinValue, int.MaxValue, 65535, 65536, 1 << 20];

    private sealed record Call(string Export, object[] Args)
    {
        public override string ToString() => $"{Export}({string.Join(", ", Args)})";

        public ValueBox[] Boxes => [.. Args.Select(a => a switch { int i => (ValueBox)i, long l => (ValueBox)l, _ => throw new InvalidOperationException() })];
    }

    /// <summary>
    /// Argument kinds: an id (mostly of a fixture object of the kind the import expects: I instance, a adapter, d device,
    /// q queue, b buffer, m shader module, y layout, c pipeline, g bind group, e encoder), n small int (power preference,
    /// map mode, counts), u usage bits, l offset or size, w workgroup count, p pointer, z length, S a WGSL (pointer,
    /// length), E an entry point (pointer, length), L layout entries (count, pointer; 0, 0 for an automatic layout),
    /// B buffer ids (count, pointer). The weight makes the data path (writes, dispatches, copies, maps)
    /// common and the calls that destroy the fixture rare.
    /// </summary>
    private static readonly (string Export, string Kinds, int Weight)[] s_functions =
    [
        ("create-instance", "", 1),
        ("request-adapter", "In", 1),
        ("request-device", "a", 1),
        ("get-queue", "d", 1),
        ("create-buffer", "dlu", 2),
        ("queue-write-buffer", "qblpz", 4),
        ("create-shader-module", "dS", 2),
        ("create-bind-group-layout", "dL", 2),
        ("create-compute-pipeline", "dmEy", 2),
        ("create-bind-group", "dyB", 2),
        ("create-command-encoder", "d", 3),
        ("dispatch-compute", "ecgwww", 4),
        ("submit-commands", "qe", 4),
        ("copy-buffer-to-buffer", "eblbll", 4),
        ("buffer-map-async", "bnllpz", 6),
        ("buffer-get-mapped-range", "bllp", 6),
        ("buffer-unmap", "b", 3),
        ("get-last-error", "", 2),
        ("destroy-buffer", "b", 1),
        ("release-shader-module", "m", 1),
        ("release-bind-group-layout", "y", 1),
        ("release-compute-pipeline", "c", 1),
        ("release-bind-group", "g", 1),
        ("release-command-encoder", "e", 1),
    ];

    /// <summary>The fixture's ids by kind (<see cref="Fixture"/> creates them in this order when the WGSL compiles).</summary>
    private static readonly Dictionary<char, int[]> s_fixtureIds = new()
    {
        ['I'] = [1], ['a'] = [2], ['d'] = [3], ['q'] = [4], ['b'] = [5, 6, 7, 8], ['m'] = [9], ['y'] = [10, 11], ['c'] = [11], ['g'] = [12], ['e'] = [13, 14, 15, 16, 17, 18],
    };

    private static Gen<int> Id(char kind) => Gen.Frequency((12, Gen.OneOf(s_fixtureIds[kind])), (2, Gen.Int[0, 24]), (1, Gen.OneOf(s_hostileInts)), (1, Gen.Int));
    private static readonly Gen<int> s_pointer = Gen.Frequency((3, Gen.OneOf(s_pointers)), (1, Gen.Int[0, MemorySize]), (1, Gen.Int));
    private static readonly Gen<int> s_length = Gen.Frequency((4, Gen.Int[0, 64].Select(z => 4 * z)), (1, Gen.Int[0, 600]), (2, Gen.OneOf(s_lengths)), (1, Gen.Int));

    private static Gen<object[]> Arg(char kind, int wgslLength) => kind switch
    {
        _ when s_fixtureIds.ContainsKey(kind) => Id(kind).Select(i => new object[] { i }),
        'n' => Gen.Frequency((4, Gen.Int[0, 3]), (1, Gen.OneOf(s_hostileInts))).Select(i => new object[] { i }),
        'u' => Gen.Frequency(
            (4, Gen.OneOf(Gen.Const(Storage | CopySrc | CopyDst), Gen.Const(MapRead | CopyDst), Gen.Const(MapWrite | CopySrc), Gen.Const(Uniform | CopyDst))),
            (1, Gen.Int[0, 0x3FF]), (1, Gen.Int)).Select(u => new object[] { u }),
        'l' => Gen.Frequency((6, Gen.Long[0, 16].Select(l => 8 * l)), (2, Gen.Long[0, 300]), (2, Gen.OneOf(s_longs)), (1, Gen.Long)).Select(l => new object[] { l }),
        'w' => Gen.Frequency((6, Gen.Int[0, 4]), (1, Gen.OneOf(s_hostileInts))).Select(w => new object[] { w }),
        'p' => s_pointer.Select(p => new object[] { p }),
        'z' => s_length.Select(z => new object[] { z }),
        'S' => Gen.Frequency((3, Gen.Const(new object[] { WgslPtr, wgslLength })), (1, Gen.Select(s_pointer, s_length, (p, z) => new object[] { p, z }))),
        'L' => Gen.Frequency((2, Gen.Int[1, 4].Select(n => new object[] { n, EntriesPtr })), (1, Gen.Const(new object[] { 0, 0 })), (1, Gen.Select(Arg('n', 0), Arg('p', 0), (n, p) => (object[])[.. n, .. p]))),
        'B' => Gen.Frequency((3, Gen.Int[1, 4].Select(n => new object[] { n, IdsPtr })), (1, Gen.Select(Arg('n', 0), Arg('p', 0), (n, p) => (object[])[.. n, .. p]))),
        'E' => Gen.Frequency((3, Gen.Const(new object[] { EntryPtr, 4 })), (1, Gen.Select(s_pointer, s_length, (p, z) => new object[] { p, z }))),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static Gen<Call> CallGen(int wgslLength) => Gen.Frequency(s_functions.Select(f => (f.Weight, f)).ToArray()).SelectMany(f =>
    {
        var (export, kinds, _) = f;
        return kinds.Aggregate(Gen.Const(Array.Empty<object>()), (args, kind) => Gen.Select(args, Arg(kind, wgslLength), (a, next) => (object[])[.. a, .. next]))
            .Select(args => new Call(export, args));
    });

    /// <summary>
    /// A map, a read and an unmap of one buffer's range (a read drawn apart from its map is rarely in range): mostly a
    /// fixture buffer in its map mode (6 read, 7 write); the read's range is the mapped one, or one 8-byte step inside
    /// or across it; its destination a drawn pointer.
    /// </summary>
    private static readonly Gen<Call[]> s_mapAndRead =
        Gen.Select(
            Gen.Frequency((4, Gen.OneOf(Gen.Const((6, 1)), Gen.Const((7, 2)))), (1, Gen.Select(Id('b'), Gen.Int[0, 3]))),
            Gen.Long[0, 16].Select(l => 8 * l), Gen.Long[0, 16].Select(l => 8 * l), Gen.Int[-1, 1], s_pointer)
            .Select(t =>
            {
                var ((buffer, mode), offset, size, shift, dest) = t;
                return new[]
                {
                    new Call("buffer-map-async", [buffer, mode, offset, size, 0, 0]),
                    new Call("buffer-get-mapped-range", [buffer, offset + 8 * shift, size, dest]),
                    new Call("buffer-unmap", [buffer]),
                };
            });

    private static Gen<Call[]> StepGen(int wgslLength) => Gen.Frequency((9, CallGen(wgslLength).Select(c => new[] { c })), (1, s_mapAndRead));

    /// <summary>The guest bytes a call may write besides its allocations: <c>buffer-get-mapped-range</c>'s destination.</summary>
    private static (long Start, long End)? ResultRange(Call call) => call.Export == "buffer-get-mapped-range" && (long)call.Args[2] is >= 0 and <= int.MaxValue
        ? ((uint)(int)call.Args[3], (uint)(int)call.Args[3] + (long)call.Args[2])
        : null;

    /// <summary>The WGSL the guest compiles: the valid shader, the shader with one byte changed, or random bytes.</summary>
    private static readonly Gen<byte[]> s_wgsl = Gen.Frequency(
        (3, Gen.Const(Encoding.UTF8.GetBytes(Shader))),
        (1, Gen.Select(Gen.Int[0, Shader.Length - 1], Gen.Byte, (at, b) => { byte[] s = Encoding.UTF8.GetBytes(Shader); s[at] = b; return s; })),
        (1, Gen.Byte.Array[0, 300]));

    /// <summary>Buffer ids and layout entries <c>{binding, type, min_size}</c> in guest memory: small, mostly meaningful.</summary>
    private static readonly Gen<int[]> s_words = Gen.Frequency((6, Gen.OneOf(0, 1, 2, 5, 6, 7, 8)), (1, Gen.Int[0, 300]), (1, Gen.Int)).Array[12];

    /// <summary>Live objects to aim at (ids 5..18, see <see cref="s_fixtureIds"/>): four 256-byte buffers, a shader, an automatic layout, a pipeline, a bind group, six encoders.</summary>
    private static void Fixture(WebGpuHarness h)
    {
        foreach (int usage in new[] { Storage | CopySrc | CopyDst, MapRead | CopyDst, MapWrite | CopySrc, Uniform | CopyDst })
            h.Call("create-buffer", h.Device, 256L, usage);
        byte[] wgsl = Encoding.UTF8.GetBytes(Shader);
        wgsl.CopyTo(h.Memory.GetSpan(WgslPtr, wgsl.Length));
        Encoding.UTF8.GetBytes("main").CopyTo(h.Memory.GetSpan(EntryPtr, 4));
        int shader = h.Call("create-shader-module", h.Device, WgslPtr, wgsl.Length);
        int layout = h.Call("create-bind-group-layout", h.Device, 0, 0);
        h.Call("create-compute-pipeline", h.Device, shader, EntryPtr, 4, layout);
        BitConverter.TryWriteBytes(h.Memory.GetSpan(FixtureIdsPtr, 4), 5);
        h.Call("create-bind-group", h.Device, layout, 1, FixtureIdsPtr);
        int encoder = 0;
        for (int i = 0; i < 6; i++) encoder = h.Call("create-command-encoder", h.Device);
        Assert.True(encoder == s_fixtureIds['e'][^1], $"the fixture's last id is {encoder}: {h.LastError()}");
    }

    [Fact]
    public void Random_calls_write_only_where_the_guest_allowed()
    {
        var limits = new WebGpuGuestLimits { MaxTotalBufferBytes = BufferBudget, MaxWorkgroupsPerDispatch = MaxWorkgroups, MaxResources = 64 };
        Gen.Select(Gen.Int[0, LoggingAllocators.All.Length - 1], s_wgsl, s_words, Gen.Byte.Array[0, 600])
            .SelectMany(g => StepGen(g.Item2.Length).Array[1, 40].Select(steps => (allocator: g.Item1, wgsl: g.Item2, words: g.Item3, bytes: g.Item4, calls: steps.SelectMany(s => s).ToArray())))
            .Sample(t =>
            {
                using var h = new WebGpuHarness(limits, pages: 4, reallocBody: LoggingAllocators.Body(t.allocator)).Setup(); // ids 1..4
                Fixture(h);
                var memory = h.Memory;
                t.wgsl.CopyTo(memory.GetSpan(WgslPtr, t.wgsl.Length));
                for (int i = 0; i < t.words.Length; i++)
                {
                    BitConverter.TryWriteBytes(memory.GetSpan(IdsPtr + 4 * i, 4), t.words[i]);
                    BitConverter.TryWriteBytes(memory.GetSpan(EntriesPtr + 4 * i, 4), t.words[i]);
                }
                t.bytes.CopyTo(memory.GetSpan(BytesPtr, t.bytes.Length));
                foreach (Call call in t.calls)
                {
                    LoggingAllocators.Clear(memory.GetSpan(0, MemorySize));
                    byte[] before = memory.GetSpan(0, MemorySize).ToArray();
                    int logged = h.Log.Count;
                    h.Call(call.Export, call.Boxes);
                    bool failed = h.Log.Count > logged; // every failing call logs its error
                    byte[] after = memory.GetSpan(0, MemorySize).ToArray();
                    var allowed = LoggingAllocators.Blocks(after);
                    if (!failed && ResultRange(call) is { } range) allowed.Add(range);
                    int outside = LoggingAllocators.FirstWriteOutside(before, after, allowed);
                    Assert.True(outside < 0, $"{call} (allocator {LoggingAllocators.All[t.allocator].Name}, {(failed ? "failed" : "succeeded")}) changed byte {outside} outside its destination and the allocated blocks");
                    Assert.InRange(h.Session.LiveBufferBytes, 0, BufferBudget);
                }
            }, iter: 40, threads: 1, print: t => $"allocator {LoggingAllocators.All[t.allocator].Name}, {t.wgsl.Length} WGSL bytes, words [{string.Join(", ", t.words)}], "
                + $"{t.bytes.Length} input bytes: {string.Join("; ", t.calls.Select(c => c.ToString()))}");
    }
}
