using System.Security.Cryptography;
using TeeWasm.Runtime.Modules;
using TeeWasm.Tests.Shared;
using Wasmtime;

namespace TeeWasm.Runtime.Tests.Modules;

public sealed class ModuleCacheTests : IDisposable
{
    private static readonly EngineSettings s_settings = new();
    private static readonly byte[] s_wasm = TinyModules.Exporting("_start");

    private readonly TempDir _dir = new();
    private readonly List<string> _log = [];

    public void Dispose() => _dir.Dispose();

    private static Module Load(ModuleCache cache, Engine engine, byte[] wasm, EngineSettings? settings = null) =>
        cache.Load(engine, settings ?? s_settings, "m", wasm, SHA256.HashData(wasm));

    [Fact]
    public void SecondLoadIsACacheHit()
    {
        using var engine = new Engine();
        var cache = new ModuleCache(_dir.Path, new LineLogger(_log.Add));
        using (Load(cache, engine, s_wasm)) Assert.False(cache.LastWasHit);
        using (Load(cache, engine, s_wasm)) Assert.True(cache.LastWasHit);
        Assert.Single(Directory.GetFiles(_dir.Path, "*.cwasm"));
    }

    [Fact]
    public void OtherEngineSettingsAreAnotherEntry()
    {
        var cache = new ModuleCache(_dir.Path);
        using (var config = new EngineSettings().CreateConfig())
        using (var engine = new Engine(config))
            Load(cache, engine, s_wasm).Dispose();
        var fuel = new EngineSettings { Fuel = true };
        using (var config = fuel.CreateConfig())
        using (var engine = new Engine(config))
            Load(cache, engine, s_wasm, fuel).Dispose();
        Assert.False(cache.LastWasHit);
        Assert.Equal(2, cache.List().Count);
        Assert.Equal(["wasmtime " + EngineSettings.WasmtimeVersion + "; epoch=1; fuel=0", "wasmtime " + EngineSettings.WasmtimeVersion + "; epoch=1; fuel=1"],
            cache.List().Select(e => e.EngineId).Order());
    }

    [Fact]
    public void FlippedByteInEntryIsDetectedAndRecompiled()
    {
        using var engine = new Engine();
        var cache = new ModuleCache(_dir.Path, new LineLogger(_log.Add));
        Load(cache, engine, s_wasm).Dispose();
        string entry = cache.EntryPath(SHA256.HashData(s_wasm), s_settings);
        byte[] bytes = File.ReadAllBytes(entry);
        bytes[^100] ^= 0x01;
        File.WriteAllBytes(entry, bytes);

        using var module = Load(cache, engine, s_wasm);
        Assert.False(cache.LastWasHit);
        Assert.Contains(_log, l => l.Contains("discarded: its digest does not match its contents"));
        using (Load(cache, engine, s_wasm)) Assert.True(cache.LastWasHit); // rewritten sound
    }

    [Fact]
    public void UnwritableCacheDirectoryStillRuns()
    {
        string file = Path.Combine(_dir.Path, "not-a-dir");
        File.WriteAllText(file, "x");
        using var engine = new Engine();
        var cache = new ModuleCache(Path.Combine(file, "sub"), new LineLogger(_log.Add));
        using var module = Load(cache, engine, s_wasm);
        Assert.Contains(_log, l => l.Contains("continuing without cache"));
    }

    [Fact]
    public void BeyondTheCapTheLeastRecentlyUsedEntriesGo()
    {
        using var engine = new Engine();
        byte[] a = TinyModules.Exporting("a"), b = TinyModules.Exporting("b"), c = TinyModules.Exporting("c");
        var probe = new ModuleCache(Path.Combine(_dir.Path, "probe"));
        Load(probe, engine, a).Dispose();
        long entrySize = probe.List().Single().Size;

        var cache = new ModuleCache(Path.Combine(_dir.Path, "capped"), new LineLogger(_log.Add), maxBytes: entrySize * 2 + entrySize / 2);
        Load(cache, engine, a).Dispose();
        Load(cache, engine, b).Dispose();
        File.SetLastWriteTimeUtc(cache.EntryPath(SHA256.HashData(a), s_settings), DateTime.UtcNow.AddMinutes(-10));
        File.SetLastWriteTimeUtc(cache.EntryPath(SHA256.HashData(b), s_settings), DateTime.UtcNow.AddMinutes(-20));
        using (Load(cache, engine, a)) Assert.True(cache.LastWasHit); // a is now the most recently used
        Load(cache, engine, c).Dispose();                           // 3 entries do not fit: b, the least recently used, goes

        Assert.Equal(new[] { Hex(a), Hex(c) }.Order(), cache.List().Select(e => e.ModuleHash).Order());
        Assert.True(cache.List().Sum(e => e.Size) <= cache.MaxBytes);
    }

    [Fact]
    public void AnEntryLargerThanTheCapIsNotStored()
    {
        using var engine = new Engine();
        var cache = new ModuleCache(_dir.Path, new LineLogger(_log.Add), maxBytes: 64);
        Load(cache, engine, s_wasm).Dispose();
        Assert.Empty(cache.List());
        Assert.Contains(_log, l => l.Contains("exceed the cache's cap of 64 bytes"));
    }

    [Fact]
    public void ListShowsEntriesAndClearRemovesThem()
    {
        using var engine = new Engine();
        var cache = new ModuleCache(_dir.Path);
        Assert.Empty(new ModuleCache(Path.Combine(_dir.Path, "none")).List());
        Load(cache, engine, s_wasm).Dispose();
        File.WriteAllText(Path.Combine(_dir.Path, "junk.cwasm"), "not an entry");

        var entries = cache.List();
        Assert.Equal(2, entries.Count);
        var sound = Assert.Single(entries, e => e.ModuleHash is not null);
        Assert.Equal(Hex(s_wasm), sound.ModuleHash);
        Assert.Equal(s_settings.EngineId, sound.EngineId);
        Assert.Single(entries, e => e.ModuleHash is null && e.EngineId is null);

        var (count, bytes) = cache.Clear();
        Assert.Equal(2, count);
        Assert.Equal(entries.Sum(e => e.Size), bytes);
        Assert.Empty(cache.List());
    }

    private static string Hex(byte[] wasm) => Convert.ToHexStringLower(SHA256.HashData(wasm));
}
