using TeeWasm.Tests.Shared;
using System.Buffers.Binary;
using System.Text;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Services.Kbs;
using TeeWasm.Runtime.Guest;
using TeeWasm.Runtime.Hosting;
using TeeWasm.Runtime.Interfaces.Attestation;
using Wasmtime;

namespace TeeWasm.Runtime.Tests.Interfaces.Attestation;

/// <summary>Instantiates a WAT guest with WASI and wasmtime:attestation, and lets a test call its exports.</summary>
internal sealed class AttestationHarness : IDisposable
{
    /// <summary>Where tests place input bytes in guest memory (below the guest's bump heap at 128 KiB).</summary>
    public const int InputArea = 4096;

    private readonly Engine _engine = new();
    private readonly Linker _linker;
    private readonly Store _store;
    private readonly Module _module;

    public AttestationHarness(string wat, Attester attester, ISecretProvider? secrets = null)
    {
        Attester = attester;
        _linker = new Linker(_engine);
        _store = new Store(_engine);
        _module = Module.FromText(_engine, "harness", wat);
        var guest = new GuestContext(new LineLogger(Log.Add));
        _linker.DefineWasi();
        AttestationImports.Define(_linker, guest, attester, secrets: secrets);
        _store.SetWasiConfiguration(new WasiConfiguration());
        Instance = _linker.Instantiate(_store, _module);
        guest.Bind(Instance);
    }

    public Attester Attester { get; }

    public Instance Instance { get; }

    public List<string> Log { get; } = [];

    public int Call(string export, params int[] args)
    {
        var f = Instance.GetFunction(export) ?? throw new InvalidOperationException("no export " + export);
        object? r = f.Invoke(args.Select(a => (ValueBox)a).ToArray());
        return r is int i ? i : 0;
    }

    public (int Ptr, int Len) Put(string text) => Put(Encoding.UTF8.GetBytes(text));

    /// <summary>Copies <paramref name="bytes"/> to guest address <paramref name="at"/>; returns (ptr, len) as the ABI's i32s.</summary>
    public (int Ptr, int Len) Put(byte[] bytes, uint at = InputArea)
    {
        var memory = Instance.GetMemory("memory")!;
        bytes.CopyTo(memory.GetSpan(at, bytes.Length));
        return (unchecked((int)at), bytes.Length);
    }

    /// <summary>The <c>[u32 length][bytes]</c> result at <paramref name="ptr"/> (an unsigned address) as text.</summary>
    public string ReadResult(int ptr)
    {
        Assert.NotEqual(0, ptr);
        var memory = Instance.GetMemory("memory")!;
        long address = (uint)ptr;
        int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(memory.GetSpan(address, 4));
        return Encoding.UTF8.GetString(memory.GetSpan(address + 4, len));
    }

    public string CallForJson(string export, params int[] args) => ReadResult(Call(export, args));

    public void Dispose()
    {
        _store.Dispose();
        _linker.Dispose();
        _module.Dispose();
        _engine.Dispose();
    }
}
