using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Evidence;
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
    /// Guest failures (trap, missing import, limits) become a <see cref="RunResult"/> with one clear line (a trap: the
    /// trap in words and the guest frames nearest to it, exit code <see cref="GuestFailure.TrapExitCode"/>);
    /// a missing, invalid or refused module file throws <see cref="WasmRuntimeException"/>.
    /// Only what the guest imports is set up: no attester, GPU backend or WebGPU session for a guest that does not
    /// import <c>wasmtime:attestation</c>, <c>wasi:gpu</c> or <c>wasi:webgpu</c> (unless
    /// <see cref="RunOptions.RequireAttestation"/> needs the attester before the guest starts, or
    /// <see cref="RunOptions.Gpu"/> names a backend, which is then started and its absence reported).
    /// </summary>
    public static RunResult Run(string modulePath, RunOptions options, Attester? attester = null)
    {
        ILogger log = options.Logger ?? NullLogger.Instance;
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
            if (imports.Attestation || options.RequireAttestation || options.Receipt) attester ??= new Attester(options.Attestation);
            // The launch is measured before anything else happens: its digest enters every report and token of the run.
            string name = Path.GetFileName(modulePath);
            var workload = RunWorkload.Describe(loaded.ModuleHash, name, options);
            var measurements = new RuntimeMeasurementLog();
            ReceiptRecorder? recorder = null;
            try
            {
                if (attester is not null)
                {
                    attester.Workload = workload;
                    attester.MeasurementLog = measurements;
                }
                if (options.RequireAttestation)
                {
                    var (ok, reason) = AttestationGate.Check(attester!, options.Policy ?? new Attestation.Policy.AttestationPolicy());
                    if (!ok) return new RunResult(1, $"attestation required but {reason}; guest not started", loaded.CacheHit) { Workload = workload };
                    log.LogInformation("{Line}", reason);
                }
                if (options.Receipt)
                {
                    recorder = ReceiptRecorder.Start(attester!, workload, measurements, options, out string? refused);
                    if (recorder is null) return new RunResult(1, refused + "; guest not started", loaded.CacheHit) { Workload = workload };
                }
                var result = Execute(engine, loaded.Module, name, options, imports, attester, log, loaded.CacheHit, measurements, recorder) with { Workload = workload };
                return recorder is null ? result
                    : result with { Receipt = recorder.Finish(result), Bundle = options.Bundle ? recorder.Bundle() : null };
            }
            finally
            {
                recorder?.Dispose();
                if (ownsAttester) attester?.Dispose();
            }
        }
    }

    /// <summary>
    /// The workload identity <see cref="Run"/> would measure for <paramref name="modulePath"/> and <paramref name="options"/>,
    /// without running it (the module's hash; for a precompiled module, with <see cref="RunOptions.AllowPrecompiled"/>, the one recorded in it).
    /// </summary>
    /// <exception cref="WasmRuntimeException">The module file is missing, unreadable or a refused precompiled module.</exception>
    public static WorkloadIdentity Describe(string modulePath, RunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        byte[] file = ModuleLoader.ReadFile(modulePath);
        byte[] hash;
        if (PrecompiledModule.HasMagic(file))
        {
            if (!options.AllowPrecompiled)
                throw new WasmRuntimeException($"'{modulePath}' is a precompiled module: describe it with --allow-precompiled (only for files you compiled or trust)");
            if (!PrecompiledModule.TryRead(file, out var precompiled, out string? error)) throw new WasmRuntimeException($"'{modulePath}' refused: {error}");
            hash = precompiled!.ModuleHash;
        }
        else
        {
            hash = System.Security.Cryptography.SHA256.HashData(file);
        }
        return RunWorkload.Describe(hash, Path.GetFileName(modulePath), options);
    }

    private static RunResult Execute(Engine engine, Module module, string name, RunOptions options, GuestImports imports,
        Attester? attester, ILogger log, bool cacheHit, RuntimeMeasurementLog measurements, ReceiptRecorder? recorder)
    {
        using var linker = new Linker(engine);
        using var store = new Store(engine);
        // One memory budget per guest (--max-memory): linear memory, plus for a guest that imports a GPU interface its
        // GPU buffers (--max-gpu-memory), which wasi:gpu and wasi:webgpu share on every backend.
        bool importsGpu = imports.Gpu || imports.WebGpu;
        long linearLimit = options.LinearMemoryLimit(importsGpu);
        var gpuBudget = new TeeWasm.Gpu.Kernels.GpuMemoryBudget(options.GpuMemoryBytes);
        // The host's result area for a guest without cabi_realloc counts against the same linear-memory limit.
        var guest = new GuestContext(log, linearLimit);
        // A backend named with --gpu is started (and its absence reported) whatever the guest imports; auto, the
        // default, probes the machine's GPUs only for a guest that imports wasi:gpu.
        bool startGpu = imports.Gpu || options.Gpu != TeeWasm.Gpu.GpuBackendKind.Auto;
        if (!startGpu) log.LogDebug("{Line}", "--gpu auto: the guest imports no wasi:gpu; no GPU backend started");
        using var gpu = startGpu ? new MeasuredGpuBackend(GpuImports.CreateBackend(options.Gpu, log, gpuBudget), measurements) : null;

        linker.DefineWasi();
        using var broker = attester is not null && options.KeyBroker is { } kbs ? new KbsClient(kbs, attester) : null;
        if (imports.Attestation)
        {
            AttestationResultFilter? policy = options.Policy is { } p ? (result, nonce) => AttestationGate.Apply(attester!, p, result, nonce) : null;
            AttestationImports.Define(linker, guest, attester!, policy, broker);
        }
        using var webgpu = imports.WebGpu ? WebGpuImports.Define(linker, guest, options.WebGpu with { Budget = gpuBudget }, measurements, imports.WebGpuOriginalEra) : null;
        if (imports.Gpu) GpuImports.Define(linker, guest, gpu!);
        store.SetWasiConfiguration(BuildWasi(name, options, recorder?.StdoutCallback));
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

        Action start;
        Func<IReadOnlyList<string>>? invoke = null;
        if (options.Invoke is { } export)
        {
            if (PrepareInvoke(instance, name, export, options.Arguments, out string? problem) is not { } call)
                return new RunResult(2, problem, cacheHit);
            string[] results = [];
            invoke = () => results;
            start = () => results = call();
        }
        else if (instance.GetAction("_start") is { } main)
        {
            start = main;
        }
        else
        {
            return new RunResult(1, $"'{name}' exports no _start function (not a WASI command module; --invoke calls another export)", cacheHit);
        }

        using var timer = options.Timeout is { } timeout
            ? new Timer(_ => engine.IncrementEpoch(), null, timeout, System.Threading.Timeout.InfiniteTimeSpan)
            : null;
        try
        {
            start();
            return new RunResult(0, null, cacheHit) { Results = invoke?.Invoke() ?? [] };
        }
        catch (WasmtimeException e) when (e.ExitCode is int code)
        {
            return new RunResult(code, null, cacheHit);
        }
        catch (WasmtimeException e)
        {
            var failure = GuestFailure.From(e);
            return new RunResult(failure.ExitCode, Describe(name, failure, options, instance, linearLimit), cacheHit);
        }
    }

    /// <summary>
    /// The call <c>--invoke</c> makes: <c>_initialize</c> when exported, then <paramref name="export"/> with
    /// <paramref name="arguments"/> read by its parameter types; null with <paramref name="problem"/> when there is no
    /// such function or the arguments do not fit it.
    /// </summary>
    private static Func<string[]>? PrepareInvoke(Instance instance, string name, string export, IReadOnlyList<string> arguments, out string? problem)
    {
        problem = null;
        Function? function = instance.GetFunction(export);
        if (function is null)
        {
            var functions = instance.GetFunctions().Select(f => f.Name).Where(n => n != "cabi_realloc").ToList();
            problem = $"--invoke: '{name}' exports no function '{export}' (its functions: {(functions.Count == 0 ? "none" : string.Join(", ", functions))})";
            return null;
        }
        var kinds = function.Parameters;
        string signature = $"{export}({string.Join(", ", kinds.Select(WasmName))})";
        if (arguments.Count != kinds.Count)
        {
            problem = $"--invoke: {signature} takes {kinds.Count} argument(s), {arguments.Count} given";
            return null;
        }
        var boxes = new ValueBox[kinds.Count];
        for (int i = 0; i < kinds.Count; i++)
        {
            if (ParseArgument(kinds[i], arguments[i]) is not { } box)
            {
                problem = $"--invoke: argument {i + 1} of {signature}, '{arguments[i]}', is not {(kinds[i] is ValueKind.Int32 or ValueKind.Int64 ? "an integer" : kinds[i] is ValueKind.Float32 or ValueKind.Float64 ? "a number" : "a value tee-wasm can pass")}";
                return null;
            }
            boxes[i] = box;
        }
        Action? initialize = instance.GetAction("_initialize");
        return () =>
        {
            initialize?.Invoke();
            object? result = function.Invoke(boxes);
            return result switch
            {
                null => [],
                object[] many => [.. many.Select(Format)],
                _ => [Format(result)],
            };
        };
    }

    private static string WasmName(ValueKind kind) => kind switch
    {
        ValueKind.Int32 => "i32",
        ValueKind.Int64 => "i64",
        ValueKind.Float32 => "f32",
        ValueKind.Float64 => "f64",
        ValueKind.V128 => "v128",
        ValueKind.FuncRef => "funcref",
        ValueKind.ExternRef => "externref",
        _ => kind.ToString(),
    };

    private static ValueBox? ParseArgument(ValueKind kind, string text) => kind switch
    {
        ValueKind.Int32 when int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) => i,
        ValueKind.Int32 when uint.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out uint u) => unchecked((int)u),
        ValueKind.Int64 when long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l) => l,
        ValueKind.Int64 when ulong.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong ul) => unchecked((long)ul),
        ValueKind.Float32 when float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float f) => f,
        ValueKind.Float64 when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => d,
        _ => null,
    };

    private static string Format(object? value) => value switch
    {
        float f => f.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString(CultureInfo.InvariantCulture),
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        _ => value?.ToString() ?? "null",
    };

    private static WasiConfiguration BuildWasi(string name, RunOptions options, WasiOutputCallback? stdout)
    {
        var wasi = new WasiConfiguration()
            .WithArgs([name, .. options.Arguments])
            .WithEnvironmentVariables(options.Environment.Select(kv => (kv.Key, kv.Value)));
        wasi = options.StdoutPath is { } o ? wasi.WithStandardOutput(o)
            : stdout is not null ? wasi.WithStandardOutputCallback(stdout)
            : wasi.WithInheritedStandardOutput();
        wasi = options.StderrPath is { } e ? wasi.WithStandardError(e) : wasi.WithInheritedStandardError();
        wasi = wasi.WithInheritedStandardInput();
        foreach (var dir in options.Directories)
        {
            if (!Directory.Exists(dir.HostPath))
                throw new WasmRuntimeException($"--dir: directory '{dir.HostPath}' does not exist");
            wasi = wasi.WithPreopenedDirectory(dir.HostPath, dir.GuestPath, mutable: dir.Access == DirectoryAccess.ReadWrite);
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

    private static string Describe(string name, GuestFailure failure, RunOptions options, Instance instance, long linearLimit)
    {
        if (failure.Code == TrapCode.OutOfFuel)
            return $"'{name}' stopped: fuel exhausted (--fuel {options.Fuel})";
        if (failure.Code == TrapCode.Interrupt)
            return $"'{name}' stopped: time limit of {options.Timeout?.TotalSeconds:0.###} s exceeded (--timeout)";
        string line = failure.Describe(name);
        // Wasmtime reports a refused memory.grow to the guest, not to us: a guest that then aborts near the limit
        // almost surely ran out of memory, so say so.
        if (failure.IsTrap && instance.GetMemory("memory") is { } mem && mem.GetLength() * 4 >= linearLimit * 3)
            return $"{line} (its memory, {mem.GetLength() / (1024.0 * 1024):0.#} MB, is near the {(linearLimit < options.MaxMemoryBytes ? "--max-memory less --max-gpu-memory" : "--max-memory")} limit of {linearLimit / (1024.0 * 1024):0.#} MB: likely out of memory)";
        return line;
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
