using System.Security.Cryptography;
using TeeWasm.Attestation.Inputs;
using Wasmtime;

namespace TeeWasm.Runtime.Modules;

/// <summary>A compiled module ready to instantiate, with the SHA-256 of its source that attestation binds.</summary>
/// <param name="Module">The module (the caller disposes it).</param>
/// <param name="ModuleHash">SHA-256 of the source <c>.wasm</c> (for a precompiled module: as recorded when it was compiled).</param>
/// <param name="CacheHit">Whether the compiled code came from the module cache.</param>
public sealed record LoadedModule(Module Module, byte[] ModuleHash, bool CacheHit);

/// <summary>
/// Turns a module file into a Wasmtime <see cref="Module"/>: a <c>.wasm</c> (compiled, through the cache when one is
/// given), <c>.wat</c> text, or a precompiled module from <c>tee-wasm compile</c>; and writes precompiled modules.
/// Every failure is a <see cref="WasmRuntimeException"/> with one line that names the file (a <see cref="ModuleFileException"/>
/// when the file cannot be used as given).
/// </summary>
public static class ModuleLoader
{
    private static ReadOnlySpan<byte> ElfMagic => "\u007fELF"u8;

    /// <summary>
    /// Reads a module file; a missing or unreadable file throws <see cref="WasmRuntimeException"/>, one larger than
    /// <see cref="InputLimits.Module"/> <see cref="InputTooLargeException"/>.
    /// </summary>
    public static byte[] ReadFile(string path)
    {
        try
        {
            return BoundedRead.File(path, InputLimits.Module, "module file");
        }
        catch (FileNotFoundException) { throw new ModuleFileException($"module file '{path}' not found"); }
        catch (DirectoryNotFoundException) { throw new ModuleFileException($"module file '{path}' not found"); }
        catch (UnauthorizedAccessException) { throw new ModuleFileException($"module file '{path}' is not readable"); }
        catch (IOException e) { throw new ModuleFileException($"cannot read module file '{path}': {e.Message}"); }
    }

    /// <summary>
    /// Loads <paramref name="file"/> (the bytes of <paramref name="path"/>) into <paramref name="engine"/>, which must
    /// have been made with <paramref name="settings"/>. A precompiled module is accepted only with
    /// <paramref name="allowPrecompiled"/>, and only when it is intact and was compiled for exactly these settings by
    /// this Wasmtime version.
    /// </summary>
    public static LoadedModule Load(Engine engine, EngineSettings settings, string path, byte[] file,
        bool allowPrecompiled = false, ModuleCache? cache = null)
    {
        string name = Path.GetFileName(path);
        if (PrecompiledModule.HasMagic(file)) return LoadPrecompiled(engine, settings, path, file, allowPrecompiled);
        if (file.AsSpan().StartsWith(ElfMagic))
            throw new ModuleFileException($"'{path}' is native code (an ELF file, e.g. from `wasmtime compile`), not a module tee-wasm compiled: compile the .wasm with `tee-wasm compile`");
        byte[] moduleHash = SHA256.HashData(file);
        try
        {
            if (path.EndsWith(".wat", StringComparison.OrdinalIgnoreCase))
                return new LoadedModule(Module.FromText(engine, name, System.Text.Encoding.UTF8.GetString(file)), moduleHash, false);
            if (cache is not null)
            {
                var cached = cache.Load(engine, settings, name, file, moduleHash);
                return new LoadedModule(cached, moduleHash, cache.LastWasHit);
            }
            return new LoadedModule(Module.FromBytes(engine, name, file), moduleHash, false);
        }
        catch (WasmtimeException e)
        {
            throw new ModuleFileException(ModuleErrorText.Describe(path, e.Message, file), e);
        }
    }

    /// <summary>
    /// Compiles the module at <paramref name="inputPath"/> (<c>.wasm</c> or <c>.wat</c>) for <paramref name="settings"/>
    /// and writes it to <paramref name="outputPath"/> as a precompiled module (atomically); returns what it wrote.
    /// </summary>
    public static PrecompiledModule Compile(string inputPath, string outputPath, EngineSettings settings)
    {
        byte[] file = ReadFile(inputPath);
        if (PrecompiledModule.HasMagic(file))
            throw new ModuleFileException($"'{inputPath}' is already a precompiled module; compile its .wasm instead");
        using var config = settings.CreateConfig();
        using var engine = new Engine(config);
        var loaded = Load(engine, settings, inputPath, file);
        byte[] output;
        using (loaded.Module) output = PrecompiledModule.Create(loaded.ModuleHash, settings.EngineId, loaded.Module.Serialize());
        try
        {
            WriteAtomically(outputPath, output);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WasmRuntimeException($"cannot write '{outputPath}': {e.Message}", e);
        }
        PrecompiledModule.TryRead(output, out var written, out _);
        return written!;
    }

    /// <summary>Writes <paramref name="bytes"/> to a temporary file beside <paramref name="path"/>, then renames it over <paramref name="path"/>.</summary>
    internal static void WriteAtomically(string path, ReadOnlySpan<byte> bytes)
    {
        string temp = path + "." + Environment.ProcessId + ".tmp";
        try
        {
            using (var f = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None)) f.Write(bytes);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    private static LoadedModule LoadPrecompiled(Engine engine, EngineSettings settings, string path, byte[] file, bool allowPrecompiled)
    {
        if (!allowPrecompiled)
            throw new ModuleFileException($"'{path}' is a precompiled module: run it with --allow-precompiled (only for files you compiled or trust; its code is not validated again)");
        if (!PrecompiledModule.TryRead(file, out var precompiled, out string? error))
            throw new WasmRuntimeException($"'{path}' refused: {error}");
        if (precompiled!.EngineId != settings.EngineId)
            throw new WasmRuntimeException(
                $"'{path}' refused: it was compiled for {precompiled.EngineId}, this run needs {settings.EngineId}; recompile it with `tee-wasm compile{(settings.Fuel ? " --fuel" : "")}`");
        try
        {
            return new LoadedModule(Module.Deserialize(engine, Path.GetFileName(path), precompiled.Artifact.Span), precompiled.ModuleHash, false);
        }
        catch (WasmtimeException e)
        {
            throw new WasmRuntimeException($"'{path}' refused by Wasmtime: {FirstLine(e.Message)}; recompile it with `tee-wasm compile`", e);
        }
    }

    private static string FirstLine(string s) => s.Split('\n', 2)[0].Trim();
}
