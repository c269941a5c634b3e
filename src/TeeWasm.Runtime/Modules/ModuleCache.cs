using System.Security.Cryptography;
using System.Text;
using Wasmtime;

namespace TeeWasm.Runtime.Modules;

/// <summary>
/// Compiled-module cache on disk. Key: SHA-256 of the <c>.wasm</c> plus a digest of the engine settings and the
/// Wasmtime version. Each entry is <c>magic ‖ SHA-256(artifact) ‖ artifact</c>; the digest is checked before
/// deserializing, because Wasmtime accepts a serialized artifact with a flipped byte silently.
/// </summary>
public sealed class ModuleCache
{
    private static ReadOnlySpan<byte> Magic => "TWMC0001"u8;
    private const int HeaderSize = 8 + 32;

    private readonly string _directory;
    private readonly Action<string>? _log;

    /// <summary>Creates a cache in <paramref name="directory"/> (made on first store).</summary>
    public ModuleCache(string directory, Action<string>? log = null)
    {
        _directory = directory;
        _log = log;
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

    /// <summary>Whether the last <see cref="Load"/> was served from the cache.</summary>
    public bool LastWasHit { get; private set; }

    /// <summary>Loads a module: from the cache when a sound entry exists, else compiles it and stores the artifact.</summary>
    public Module Load(Engine engine, string engineSettings, string name, ReadOnlySpan<byte> wasm)
    {
        string path = EntryPath(wasm, engineSettings);
        if (TryReadEntry(path) is { } artifact)
        {
            try
            {
                var cached = Module.Deserialize(engine, name, artifact);
                LastWasHit = true;
                return cached;
            }
            catch (WasmtimeException e)
            {
                _log?.Invoke($"module cache: entry {Path.GetFileName(path)} not loadable ({FirstLine(e.Message)}); recompiling");
            }
        }
        LastWasHit = false;
        var module = Module.FromBytes(engine, name, wasm);
        TryStore(path, module.Serialize());
        return module;
    }

    /// <summary>The entry file for a module under given engine settings.</summary>
    public string EntryPath(ReadOnlySpan<byte> wasm, string engineSettings)
    {
        string moduleHash = Convert.ToHexStringLower(SHA256.HashData(wasm));
        string version = typeof(Engine).Assembly.GetName().Version?.ToString() ?? "unknown";
        string settingsHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(version + "|" + engineSettings)))[..16];
        return Path.Combine(_directory, $"{moduleHash}-{settingsHash}.cwasm");
    }

    private byte[]? TryReadEntry(string path)
    {
        byte[] entry;
        try
        {
            if (!File.Exists(path)) return null;
            entry = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log?.Invoke($"module cache: cannot read {path}: {e.Message}");
            return null;
        }
        if (entry.Length < HeaderSize || !entry.AsSpan(0, 8).SequenceEqual(Magic) ||
            !CryptographicOperations.FixedTimeEquals(entry.AsSpan(8, 32), SHA256.HashData(entry.AsSpan(HeaderSize))))
        {
            _log?.Invoke($"module cache: entry {Path.GetFileName(path)} is corrupt (digest mismatch); discarding it");
            TryDelete(path);
            return null;
        }
        return entry[HeaderSize..];
    }

    private void TryStore(string path, byte[] artifact)
    {
        string temp = path + "." + Environment.ProcessId + ".tmp";
        try
        {
            Directory.CreateDirectory(_directory);
            using (var f = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                f.Write(Magic);
                f.Write(SHA256.HashData(artifact));
                f.Write(artifact);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log?.Invoke($"module cache: cannot write {path}: {e.Message} (continuing without cache)");
            TryDelete(temp);
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static string FirstLine(string s) => s.Split('\n', 2)[0].Trim();
}
