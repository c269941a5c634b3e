using TeeWasm.Tests.Shared;
using System.Buffers.Binary;
using System.Text;
using TeeWasm.Gpu;
using TeeWasm.Gpu.Kernels;
using TeeWasm.Runtime.Guest;
using TeeWasm.Runtime.Hosting;
using TeeWasm.Runtime.Interfaces.Gpu;
using Wasmtime;

namespace TeeWasm.Runtime.Tests.Interfaces.Gpu;

/// <summary>Instantiates a WAT guest with WASI and wasi:gpu on a given backend, and lets a test call its exports.</summary>
internal sealed class GpuHarness : IDisposable
{
    /// <summary>Where tests let results be written (8-byte aligned, below the guest's data at 1024).</summary>
    public const int RetPtr = 256;

    /// <summary>Where tests place input bytes.</summary>
    public const int InputArea = 4096;

    private readonly Engine _engine = new();
    private readonly Linker _linker;
    private readonly Store _store;
    private readonly Module _module;

    public GpuHarness(string wat, IGpuBackend backend)
    {
        Backend = backend;
        _linker = new Linker(_engine);
        _store = new Store(_engine);
        _module = Module.FromText(_engine, "gpu-harness", wat);
        var guest = new GuestContext(new LineLogger(Log.Add));
        _linker.DefineWasi();
        GpuImports.Define(_linker, guest, backend);
        _store.SetWasiConfiguration(new WasiConfiguration());
        Instance = _linker.Instantiate(_store, _module);
        guest.Bind(Instance);
    }

    public IGpuBackend Backend { get; }

    public Instance Instance { get; }

    public List<string> Log { get; } = [];

    public Memory Memory => Instance.GetMemory("memory")!;

    public object? Call(string export, params ValueBox[] args)
    {
        var f = Instance.GetFunction(export) ?? throw new InvalidOperationException("no export " + export);
        return f.Invoke(args);
    }

    /// <summary>Calls an import wrapper with the result at <see cref="RetPtr"/> and returns (tag, payload).</summary>
    public (int Tag, int Payload) CallResult(string export, params ValueBox[] args)
    {
        Memory.GetSpan(RetPtr, 16).Fill(0xAA);
        Call(export, [.. args, RetPtr]);
        return (ReadInt(RetPtr), ReadInt(RetPtr + 4));
    }

    public int ReadInt(int address) => BinaryPrimitives.ReadInt32LittleEndian(Memory.GetSpan(address, 4));

    public string ReadString(int address, int length) => Encoding.UTF8.GetString(Memory.GetSpan(address, length));

    public int Put(ReadOnlySpan<byte> bytes, int at = InputArea)
    {
        bytes.CopyTo(Memory.GetSpan(at, bytes.Length));
        return at;
    }

    public byte[] Snapshot() => Memory.GetSpan(0, (int)Memory.GetLength()).ToArray();

    public void Dispose()
    {
        _store.Dispose();
        _linker.Dispose();
        _module.Dispose();
        _engine.Dispose();
    }
}
