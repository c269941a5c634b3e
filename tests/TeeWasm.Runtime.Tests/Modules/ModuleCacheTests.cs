using TeeWasm.Runtime.Modules;
using Wasmtime;

using TeeWasm.Tests.Shared;
namespace TeeWasm.Runtime.Tests.Modules;

public sealed class ModuleCacheTests : IDisposable
{
    // (module (func (export "_start"))) in binary form.
    private static readonly byte[] s_wasm =
    [
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00,                                   // type: () -> ()
        0x03, 0x02, 0x01, 0x00,                                               // func 0 : type 0
        0x07, 0x0a, 0x01, 0x06, (byte)'_', (byte)'s', (byte)'t', (byte)'a', (byte)'r', (byte)'t', 0x00, 0x00,
        0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,                                   // code: empty body
    ];

    private readonly TempDir _dir = new();
    private readonly List<string> _log = [];

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void SecondLoadIsACacheHit()
    {
        using var engine = new Engine();
        var cache = new ModuleCache(_dir.Path, _log.Add);
        using (cache.Load(engine, "s", "m", s_wasm)) Assert.False(cache.LastWasHit);
        using (cache.Load(engine, "s", "m", s_wasm)) Assert.True(cache.LastWasHit);
        Assert.Single(Directory.GetFiles(_dir.Path, "*.cwasm"));
    }

    [Fact]
    public void OtherEngineSettingsAreAnotherEntry()
    {
        using var engine = new Engine();
        var cache = new ModuleCache(_dir.Path);
        cache.Load(engine, "fuel=0", "m", s_wasm).Dispose();
        cache.Load(engine, "fuel=1", "m", s_wasm).Dispose();
        Assert.False(cache.LastWasHit);
        Assert.Equal(2, Directory.GetFiles(_dir.Path, "*.cwasm").Length);
    }

    [Fact]
    public void FlippedByteInEntryIsDetectedAndRecompiled()
    {
        using var engine = new Engine();
        var cache = new ModuleCache(_dir.Path, _log.Add);
        cache.Load(engine, "s", "m", s_wasm).Dispose();
        string entry = cache.EntryPath(s_wasm, "s");
        byte[] bytes = File.ReadAllBytes(entry);
        bytes[^100] ^= 0x01;
        File.WriteAllBytes(entry, bytes);

        using var module = cache.Load(engine, "s", "m", s_wasm);
        Assert.False(cache.LastWasHit);
        Assert.Contains(_log, l => l.Contains("corrupt (digest mismatch)"));
        using (cache.Load(engine, "s", "m", s_wasm)) Assert.True(cache.LastWasHit); // rewritten sound
    }

    [Fact]
    public void UnwritableCacheDirectoryStillRuns()
    {
        string file = Path.Combine(_dir.Path, "not-a-dir");
        File.WriteAllText(file, "x");
        using var engine = new Engine();
        var cache = new ModuleCache(Path.Combine(file, "sub"), _log.Add);
        using var module = cache.Load(engine, "s", "m", s_wasm);
        Assert.Contains(_log, l => l.Contains("continuing without cache"));
    }
}
