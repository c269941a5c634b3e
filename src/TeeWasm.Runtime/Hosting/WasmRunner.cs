using System.Text.RegularExpressions;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Services.Kbs;
using TeeWasm.Runtime.Guest;
using TeeWasm.Runtime.Interfaces.Attestation;
using TeeWasm.Runtime.Interfaces.Gpu;
using TeeWasm.Runtime.Interfaces.WebGpu;
using TeeWasm.Runtime.Modules;
using Wasmtime;

namespace TeeWasm.Runtime.Hosting;

/// <summary>Runs a WASI preview 1 module with the TeeWasm host interfaces, on Wasmtime.</summary>
public static partial class WasmRunner
{
    /// <summary>
    /// Loads, links and runs <paramref name="modulePath"/> (binary <c>.wasm</c>, <c>.wat</c> text, or with
    /// <see cref="RunOptions.AllowPrecompiled"/> a precompiled module from <c>tee-wasm compile</c>).
    /// Guest failures (trap, missing import, limits) become a <see cref="RunResult"/> with one clear line;
    /// a missing, invalid or refused module file throws <see cref="WasmRuntimeException"/>.
    /// Only what the guest imports is set up: no attester, GPU backend or WebGPU session for a guest that does not
    /// import <c>wasmtime:attestation</c>, <c>wasi:gpu</c> or <c>wasi:webgpu</c> (unless
    /// <see cref="RunOptions.RequireAttestation"/> needs the attester before the guest starts, or
    /// <see cref="RunOptions.Gpu"/> names a backend, which is then started and its absence reported).
    /// </summary>
    public static RunResult Run(string modulePath, RunOptions options, Attester? attester = null)
    {
        var log = options.Log ?? (line => Console.Error.WriteLine("[tee-wasm] " + line));
        byte[] file = ModuleLoader.ReadFile(modulePath);
        var settings = new EngineSettings { Fuel = options.Fuel is not null };
        using var config = settings.CreateConfig();
        using var engine = new Engine(config);
        var cache = options.CacheDirectory is { } dir ? new ModuleCache(dir, log, options.CacheMaxBytes) : null;
        var loaded = ModuleLoader.Load(engine, settings, modulePath, file, options.AllowPrecompiled, cache);

        using (loaded.Module)
        {
            var imports = GuestImports.Of(loaded.Module);
            bool ownsAttester = attester is null;
            if (imports.Attestation || options.RequireAttestation) attester ??= new Attester(options.Attestation);
            try
            {
                if (attester is not null) attester.ModuleHash = loaded.ModuleHash;
                if (options.RequireAttestation)
                {
                    var (ok, reason) = AttestationGate.Check(attester!, options.Policy ?? new Attestation.Policy.AttestationPolicy());
                    if (!ok) return new RunResult(1, $"attestation required but {reason}; guest not started", loaded.CacheHit);
                    log(reason);
                }
                return Execute(engine, loaded.Module, Path.GetFileName(modulePath), options, imports, attester, log, loaded.CacheHit);
            }
            finally
            {
                if (ownsAttester) attester?.Dispose();
            }
        }
    }

    private static RunResult Execute(Engine engine, Module module, string name, RunOptions options, GuestImports imports,
        Attester? attester, Action<string> log, bool cacheHit)
    {
        using var linker = new Linker(engine);
        using var store = new Store(engine);
        var guest = new GuestContext(log);
        // One memory budget per guest (--max-memory): linear memory, plus for a guest that imports a GPU interface its
        // GPU buffers (--max-gpu-memory), which wasi:gpu and wasi:webgpu share on every backend.
        bool importsGpu = imports.Gpu || imports.WebGpu;
        long linearLimit = options.LinearMemoryLimit(importsGpu);
        var gpuBudget = new TeeWasm.Gpu.Kernels.GpuMemoryBudget(options.GpuMemoryBytes);
        // A backend named with --gpu is started (and its absence reported) whatever the guest imports; auto, the
        // default, probes the machine's GPUs only for a guest that imports wasi:gpu.
        bool startGpu = imports.Gpu || options.Gpu != TeeWasm.Gpu.GpuBackendKind.Auto;
        if (!startGpu) options.Verbose?.Invoke("--gpu auto: the guest imports no wasi:gpu; no GPU backend started");
        using var gpu = startGpu ? GpuImports.CreateBackend(options.Gpu, log, options.Verbose, gpuBudget) : null;

        linker.DefineWasi();
        using var broker = attester is not null && options.KeyBroker is { } kbs ? new KbsClient(kbs, attester) : null;
        if (imports.Attestation)
        {
            AttestationResultFilter? policy = options.Policy is { } p ? (result, nonce) => AttestationGate.Apply(attester!, p, result, nonce) : null;
            AttestationImports.Define(linker, guest, attester!, policy, broker);
        }
        using var webgpu = imports.WebGpu ? WebGpuImports.Define(linker, guest, options.WebGpu with { Budget = gpuBudget }) : null;
        if (imports.Gpu) GpuImports.Define(linker, guest, gpu!);
        store.SetWasiConfiguration(BuildWasi(name, options));
        store.SetLimits(memorySize: linearLimit, tableElements: null, instances: null, tables: null, memories: null);
        if (options.Fuel is ulong fuel) store.Fuel = fuel;
        store.SetEpochDeadline(1);

        Instance instance;
        try
        {
            instance = linker.Instantiate(store, module);
        }
        catch (WasmtimeException e)
        {
            return new RunResult(1, DescribeLinkError(name, module, e), cacheHit);
        }
        guest.Bind(instance);

        var start = instance.GetAction("_start");
        if (start is null) return new RunResult(1, $"'{name}' exports no _start function (not a WASI command module)", cacheHit);

        using var timer = options.Timeout is { } timeout
            ? new Timer(_ => engine.IncrementEpoch(), null, timeout, System.Threading.Timeout.InfiniteTimeSpan)
            : null;
        try
        {
            start();
            return new RunResult(0, null, cacheHit);
        }
        catch (WasmtimeException e) when (e.ExitCode is int code)
        {
            return new RunResult(code, null, cacheHit);
        }
        catch (TrapException e)
        {
            return new RunResult(1, DescribeTrap(name, e, options, instance, linearLimit), cacheHit);
        }
        catch (WasmtimeException e)
        {
            return new RunResult(1, $"'{name}' failed: {UsefulLine(e.Message)}", cacheHit);
        }
    }

    private static WasiConfiguration BuildWasi(string name, RunOptions options)
    {
        var wasi = new WasiConfiguration()
            .WithArgs([name, .. options.Arguments])
            .WithEnvironmentVariables(options.Environment.Select(kv => (kv.Key, kv.Value)));
        wasi = options.StdoutPath is { } o ? wasi.WithStandardOutput(o) : wasi.WithInheritedStandardOutput();
        wasi = options.StderrPath is { } e ? wasi.WithStandardError(e) : wasi.WithInheritedStandardError();
        wasi = wasi.WithInheritedStandardInput();
        foreach (var dir in options.Directories)
        {
            if (!Directory.Exists(dir.HostPath))
                throw new WasmRuntimeException($"--dir: directory '{dir.HostPath}' does not exist");
            wasi = wasi.WithPreopenedDirectory(dir.HostPath, dir.GuestPath, mutable: true);
        }
        return wasi;
    }

    private static string DescribeLinkError(string name, Module module, WasmtimeException e)
    {
        var m = UnknownImport().Match(e.Message);
        if (m.Success)
        {
            string mod = m.Groups["module"].Value, field = m.Groups["name"].Value;
            string kind = module.Imports.FirstOrDefault(i => i.ModuleName == mod && i.Name == field) switch
            {
                FunctionImport => "function",
                MemoryImport => "memory",
                GlobalImport => "global",
                TableImport => "table",
                _ => "item",
            };
            return $"cannot instantiate '{name}': it imports {kind} '{field}' from module '{mod}', which this host does not provide";
        }
        return $"cannot instantiate '{name}': {UsefulLine(e.Message)}";
    }

    private static string DescribeTrap(string name, TrapException e, RunOptions options, Instance instance, long linearLimit)
    {
        string line = UsefulLine(e.Message);
        if (e.Type == TrapCode.OutOfFuel)
            return $"'{name}' stopped: fuel exhausted (--fuel {options.Fuel})";
        if (e.Type == TrapCode.Interrupt)
            return $"'{name}' stopped: time limit of {options.Timeout?.TotalSeconds:0.###} s exceeded (--timeout)";
        // Wasmtime reports a refused memory.grow to the guest, not to us: a guest that then aborts near the limit
        // almost surely ran out of memory, so say so.
        if (instance.GetMemory("memory") is { } mem && mem.GetLength() * 4 >= linearLimit * 3)
            return $"'{name}' trapped: {line} (its memory, {mem.GetLength() / (1024.0 * 1024):0.#} MB, is near the {(linearLimit < options.MaxMemoryBytes ? "--max-memory less --max-gpu-memory" : "--max-memory")} limit of {linearLimit / (1024.0 * 1024):0.#} MB: likely out of memory)";
        return $"'{name}' trapped: {line}";
    }

    /// <summary>The line that says what happened: the "Caused by" line when there is one, else the first line.</summary>
    internal static string UsefulLine(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("Caused by", StringComparison.Ordinal))
            {
                for (int j = i + 1; j < lines.Length; j++)
                {
                    string candidate = CausePrefix().Replace(lines[j], "");
                    if (candidate.Length > 0) return candidate;
                }
            }
        }
        return lines.Length > 0 ? lines[0] : message;
    }

    [GeneratedRegex(@"unknown import: `(?<module>[^`]*?)::(?<name>[^`]*)`")]
    private static partial Regex UnknownImport();

    [GeneratedRegex(@"^\d+:\s*")]
    private static partial Regex CausePrefix();
}
