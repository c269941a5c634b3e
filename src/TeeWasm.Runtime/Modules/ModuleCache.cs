using Microsoft.Extensions.Logging;
using System.Security.Cryptography;
using System.Text;
using TeeWasm.Attestation.Inputs;
using Wasmtime;

namespace TeeWasm.Runtime.Modules;

/// <summary>One entry of the <see cref="ModuleCache"/>.</summary>
/// <param name="Path">The entry file.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="LastUsedUtc">When it was last written or loaded.</param>
/// <param name="ModuleHash">SHA-256 of the source module (hex), or null when the entry is damaged.</param>
/// <param name="EngineId">What it was compiled by and for, or null when the entry is damaged.</param>
public sealed record ModuleCacheEntry(string Path, long Size, DateTime LastUsedUtc, string? ModuleHash, string? EngineId);

/// <summary>
/// Compiled-module cache on disk. An entry is a <see cref="PrecompiledModule"/> file named by the module's SHA-256
/// and a digest of the <see cref="EngineSettings.EngineId"/>; its digest is checked before Wasmtime deserializes it.
/// The cache holds at most <see cref="MaxBytes"/>: after each store the least recently used entries go.
/// </summary>
public sealed class ModuleCache
{
    /// <summary>The default size cap: 1 GiB.</summary>
    public const long DefaultMaxBytes = 1L << 30;

    /// <summary>The entries' file extension.</summary>
    public const string EntryExtension = ".cwasm";

    private readonly string _directory;
    private readonly ILogger? _log;

    /// <summary>Creates a cache in <paramref name="directory"/> (made on first store), holding at most <paramref name="maxBytes"/>.</summary>
    public ModuleCache(string directory, ILogger? log = null, long maxBytes = DefaultMaxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        _directory = directory;
        _log = log;
        MaxBytes = maxBytes;
    }

    /// <summary>The user's cache directory ($XDG_CACHE_HOME/tee-wasm/modules or ~/.cache/tee-wasm/modules).</summary>
    public static string DefaultDirectory
    {
        get
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string baseDir = !string.IsNullOrEmpty(xdg)
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(baseDir, "tee-wasm", "modules");
        }
    }

    /// <summary>The directory of the entries.</summary>
    public string Directory => _directory;

    /// <summary>The most bytes the entries may take together.</summary>
    public long MaxBytes { get; }

    /// <summary>Whether the last <see cref="Load"/> was served from the cache.</summary>
    public bool LastWasHit { get; private set; }

    /// <summary>
    /// Loads a module: from the cache when a sound entry exists, else compiles it and stores the artifact.
    /// <paramref name="engine"/> must have been made with <paramref name="settings"/>; <paramref name="moduleHash"/> is
    /// the SHA-256 of <paramref name="wasm"/> (the caller has it already: attestation binds it).
    /// </summary>
    public Module Load(Engine engine, EngineSettings settings, string name, ReadOnlySpan<byte> wasm, ReadOnlySpan<byte> moduleHash)
    {
        string path = EntryPath(moduleHash, settings);
        if (TryReadEntry(path, settings) is { } artifact)
        {
            try
            {
                var cached = Module.Deserialize(engine, name, artifact.Span);
                LastWasHit = true;
                Touch(path);
                return cached;
            }
            catch (WasmtimeException e)
            {
                _log?.LogInformation("{Line}", $"module cache: entry {Path.GetFileName(path)} not loadable ({FirstLine(e.Message)}); recompiling");
            }
        }
        LastWasHit = false;
        var module = Module.FromBytes(engine, name, wasm);
        TryStore(path, PrecompiledModule.Create(moduleHash, settings.EngineId, module.Serialize()));
        return module;
    }

    /// <summary>The entry file for a module (by its SHA-256) under given engine settings.</summary>
    public string EntryPath(ReadOnlySpan<byte> moduleHash, EngineSettings settings)
    {
        string engineHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(settings.EngineId)))[..16];
        return Path.Combine(_directory, $"{Convert.ToHexStringLower(moduleHash)}-{engineHash}{EntryExtension}");
    }

    /// <summary>The entries, most recently used first (an empty list when the directory does not exist).</summary>
    public IReadOnlyList<ModuleCacheEntry> List()
    {
        var entries = new List<ModuleCacheEntry>();
        foreach (var file in EntryFiles())
        {
            string? hash = null, engineId = null;
            try
            {
                if (PrecompiledModule.TryRead(BoundedRead.File(file.FullName, InputLimits.Module, "cache entry"), out var m, out _))
                {
                    hash = Convert.ToHexStringLower(m!.ModuleHash);
                    engineId = m.EngineId;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InputTooLargeException)
            {
                // listed as damaged
            }
            entries.Add(new ModuleCacheEntry(file.FullName, file.Length, file.LastWriteTimeUtc, hash, engineId));
        }
        return entries;
    }

    /// <summary>Deletes every entry; returns how many entries and bytes went.</summary>
    public (int Entries, long Bytes) Clear()
    {
        int count = 0;
        long bytes = 0;
        foreach (var file in EntryFiles())
        {
            if (!TryDelete(file.FullName)) continue;
            count++;
            bytes += file.Length;
        }
        return (count, bytes);
    }

    private List<FileInfo> EntryFiles()
    {
        var dir = new DirectoryInfo(_directory);
        if (!dir.Exists) return [];
        return dir.EnumerateFiles("*" + EntryExtension).OrderByDescending(f => f.LastWriteTimeUtc).ToList();
    }

    private ReadOnlyMemory<byte>? TryReadEntry(string path, EngineSettings settings)
    {
        byte[] entry;
        try
        {
            if (!File.Exists(path)) return null;
            entry = BoundedRead.File(path, InputLimits.Module, "cache entry");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InputTooLargeException)
        {
            _log?.LogWarning("{Line}", $"module cache: cannot read {path}: {e.Message}");
            return null;
        }
        if (!PrecompiledModule.TryRead(entry, out var module, out string? error) || module!.EngineId != settings.EngineId)
        {
            _log?.LogInformation("{Line}", $"module cache: entry {Path.GetFileName(path)} discarded: {error ?? "compiled for " + module!.EngineId}");
            TryDelete(path);
            return null;
        }
        return module.Artifact;
    }

    private void TryStore(string path, byte[] entry)
    {
        if (entry.Length > MaxBytes)
        {
            _log?.LogInformation("{Line}", $"module cache: {entry.Length} bytes exceed the cache's cap of {MaxBytes} bytes; not stored");
            return;
        }
        try
        {
            System.IO.Directory.CreateDirectory(_directory);
            ModuleLoader.WriteAtomically(path, entry);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log?.LogWarning("{Line}", $"module cache: cannot write {path}: {e.Message} (continuing without cache)");
            return;
        }
        EvictBeyondCap(keep: path);
    }

    /// <summary>Deletes the least recently used entries until the rest fit in <see cref="MaxBytes"/>.</summary>
    private void EvictBeyondCap(string keep)
    {
        try
        {
            var files = EntryFiles();
            long total = files.Sum(f => f.Length);
            for (int i = files.Count - 1; i >= 0 && total > MaxBytes; i--)
            {
                if (files[i].FullName == keep) continue;
                if (TryDelete(files[i].FullName)) total -= files[i].Length;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log?.LogWarning("{Line}", $"module cache: cannot evict old entries: {e.Message}");
        }
    }

    private static void Touch(string path)
    {
        try { File.SetLastWriteTimeUtc(path, DateTime.UtcNow); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    private static string FirstLine(string s) => s.Split('\n', 2)[0].Trim();
}
