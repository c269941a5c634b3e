using TeeWasm.Tests.Shared;
using System.Buffers.Binary;
using System.Text;
using TeeWasm.Runtime.Guest;
using TeeWasm.Runtime.Hosting;
using TeeWasm.Runtime.Interfaces.WebGpu;
using Wasmtime;

namespace TeeWasm.Runtime.Tests.Interfaces.WebGpu;

/// <summary>
/// A WAT guest that imports every <c>wasi:webgpu</c> function and re-exports it, so a test calls the real host
/// functions exactly as a guest would (with the guest's memory and its <c>cabi_realloc</c>). Real Dawn, no mocks:
/// when WebGPU is not set up, <see cref="Setup"/> fails the test with the reason.
/// </summary>
internal sealed class WebGpuHarness : IDisposable
{
    public const int MemoryPages = 16; // 1 MiB
    public const int HeapStart = 128 * 1024;

    private static readonly (string Name, string Params, string Result)[] s_imports =
    [
        ("create-instance", "", "i32"),
        ("request-adapter", "i32 i32", "i32"),
        ("request-device", "i32", "i32"),
        ("get-queue", "i32", "i32"),
        ("create-buffer", "i32 i64 i32", "i32"),
        ("queue-write-buffer", "i32 i32 i64 i32 i32", ""),
        ("create-shader-module", "i32 i32 i32", "i32"),
        ("create-bind-group-layout", "i32 i32 i32", "i32"),
        ("create-compute-pipeline", "i32 i32 i32 i32 i32", "i32"),
        ("create-bind-group", "i32 i32 i32 i32", "i32"),
        ("create-command-encoder", "i32", "i32"),
        ("dispatch-compute", "i32 i32 i32 i32 i32 i32", ""),
        ("submit-commands", "i32 i32", ""),
        ("copy-buffer-to-buffer", "i32 i32 i64 i32 i64 i64", ""),
        ("buffer-map-async", "i32 i32 i64 i64 i32 i32", ""),
        ("buffer-get-mapped-range", "i32 i64 i64 i32", ""),
        ("buffer-unmap", "i32", ""),
        ("get-last-error", "", "i32"),
        ("destroy-buffer", "i32", "i32"),
        ("release-shader-module", "i32", "i32"),
        ("release-bind-group-layout", "i32", "i32"),
        ("release-compute-pipeline", "i32", "i32"),
        ("release-bind-group", "i32", "i32"),
        ("release-command-encoder", "i32", "i32"),
    ];

    private readonly Engine _engine = new();
    private readonly Linker _linker;
    private readonly Store _store;
    private readonly Module _module;
    private int _scratch = 1024;

    /// <param name="limits">The session's limits.</param>
    /// <param name="exportRealloc">Whether the guest exports <c>cabi_realloc</c>.</param>
    /// <param name="pages">Guest memory in 64 KiB pages.</param>
    /// <param name="heapStart">Where the guest's allocator starts (an unsigned address).</param>
    /// <param name="originalEra">Treat the guest as one written for the original host (its first-buffer-id convention).</param>
    /// <param name="reallocBody">The body of <c>cabi_realloc</c> (it may use <c>$heap</c>); null: a bump allocator from <paramref name="heapStart"/>.</param>
    public WebGpuHarness(WebGpuGuestLimits? limits = null, bool exportRealloc = true, int pages = MemoryPages, uint heapStart = HeapStart, bool originalEra = false,
        string? reallocBody = null)
    {
        _linker = new Linker(_engine);
        _store = new Store(_engine);
        _module = Module.FromText(_engine, "webgpu-harness", Wat(exportRealloc, pages, heapStart, reallocBody ?? BumpRealloc));
        var guest = new GuestContext(new LineLogger(Log.Add));
        Session = WebGpuImports.Define(_linker, guest, limits, originalEra: originalEra);
        Instance = _linker.Instantiate(_store, _module);
        guest.Bind(Instance);
    }

    public WebGpuGuestSession Session { get; }

    public Instance Instance { get; }

    public List<string> Log { get; } = [];

    public Memory Memory => Instance.GetMemory("memory")!;

    public int Instance_, Adapter, Device, Queue;

    /// <summary>create-instance → request-adapter → request-device → get-queue; fails the test with the reason.</summary>
    public WebGpuHarness Setup()
    {
        Instance_ = Call("create-instance");
        Assert.True(Instance_ != 0, "WebGPU is not set up on this machine (run scripts/setup-webgpu.sh): " + LastError());
        Adapter = Call("request-adapter", Instance_, 0);
        Device = Call("request-device", Adapter);
        Queue = Call("get-queue", Device);
        Assert.True(Adapter != 0 && Device != 0 && Queue != 0, LastError());
        return this;
    }

    public int Call(string name, params ValueBox[] args)
    {
        var f = Instance.GetFunction(name) ?? throw new InvalidOperationException("no export " + name);
        object? r = f.Invoke(args);
        return r is int i ? i : 0;
    }

    /// <summary>The message get-last-error returns (and clears), or null.</summary>
    public string? LastError()
    {
        long ptr = (uint)Call("get-last-error");
        if (ptr == 0) return null;
        int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(Memory.GetSpan(ptr, 4));
        return Encoding.UTF8.GetString(Memory.GetSpan(ptr + 4, len));
    }

    /// <summary>Copies bytes into a fresh scratch area below the guest heap; returns (ptr, len).</summary>
    public (int Ptr, int Len) Put(ReadOnlySpan<byte> bytes)
    {
        int ptr = _scratch;
        _scratch = (_scratch + bytes.Length + 7) & ~7;
        if (_scratch > HeapStart) throw new InvalidOperationException("scratch area full");
        bytes.CopyTo(Memory.GetSpan(ptr, bytes.Length));
        return (ptr, bytes.Length);
    }

    public (int Ptr, int Len) Put(string text) => Put(Encoding.UTF8.GetBytes(text));

    public (int Ptr, int Len) PutU32(params int[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), values[i]);
        return Put(bytes);
    }

    public int Alloc(int size) => Put(new byte[size]).Ptr;

    public int Shader(string wgsl)
    {
        var (p, l) = Put(wgsl);
        return Call("create-shader-module", Device, p, l);
    }

    public int Pipeline(int shader, string entry, int layout = 0)
    {
        var (p, l) = Put(entry);
        return Call("create-compute-pipeline", Device, shader, p, l, layout);
    }

    public int BindGroup(int layout, params int[] bufferIds)
    {
        var (p, _) = PutU32(bufferIds);
        return Call("create-bind-group", Device, layout, bufferIds.Length, p);
    }

    public byte[] ReadBuffer(int mapReadBuffer, int size)
    {
        Call("buffer-map-async", mapReadBuffer, 1, 0L, (long)size, 0, 0);
        int dest = Alloc(size);
        Call("buffer-get-mapped-range", mapReadBuffer, 0L, (long)size, dest);
        Call("buffer-unmap", mapReadBuffer);
        return Memory.GetSpan(dest, size).ToArray();
    }

    private const string BumpRealloc = """
        (local $p i32)
        (local.set $p (i32.and (i32.add (global.get $heap) (i32.const 7)) (i32.const -8)))
        (global.set $heap (i32.add (local.get $p) (local.get 3)))
        (local.get $p)
        """;

    private static string Wat(bool exportRealloc, int pages, uint heapStart, string reallocBody)
    {
        var sb = new StringBuilder("(module\n");
        foreach (var (name, ps, r) in s_imports)
        {
            sb.Append($"  (import \"wasi:webgpu\" \"{name}\" (func ${name} (param {ps}){(r.Length > 0 ? $" (result {r})" : "")}))\n");
        }
        sb.Append($"  (memory (export \"memory\") {pages})\n");
        sb.Append($"  (global $heap (mut i32) (i32.const {(int)heapStart}))\n");
        if (exportRealloc) sb.Append($"  (func (export \"cabi_realloc\") (param i32 i32 i32 i32) (result i32)\n{reallocBody})\n");
        foreach (var (name, _, _) in s_imports) sb.Append($"  (export \"{name}\" (func ${name}))\n");
        return sb.Append(')').ToString();
    }

    public void Dispose()
    {
        Session.Dispose();
        _store.Dispose();
        _linker.Dispose();
        _module.Dispose();
        _engine.Dispose();
    }
}
