using System.CommandLine;
using Microsoft.Extensions.Logging;
using TeeWasm.Cli.CommandLine;
using TeeWasm.Attestation.Audit;
using TeeWasm.Runtime.Hosting;
using TeeWasm.Runtime.Modules;

namespace TeeWasm.Cli.Commands;

/// <summary><c>tee-wasm run [options] MODULE [ARGS]</c> (also <c>tee-wasm [options] MODULE [ARGS]</c>, see <see cref="Shorthands"/>).</summary>
internal static class RunCommand
{
    public static Command Create(CliOptions shared, CliContext context)
    {
        var module = new Argument<string>("MODULE") { Description = "The guest: a WASI command module (.wasm, .wat text, or with --allow-precompiled a .cwasm from `tee-wasm compile`)" }
            .ExistingFile("module file");
        var guestArgs = new Argument<string[]>("ARGS")
        {
            Description = "Arguments for the guest: everything after MODULE, except --dir DIR / --dir=DIR (the original host's option), which is the host's unless it comes after --",
            Arity = ArgumentArity.ZeroOrMore,
            CaptureRemainingTokens = true,
        };
        var dir = new Option<string[]>("--dir")
        {
            Description = "Preopen a host directory for the guest as HOST[::GUEST[::ro]]; GUEST defaults to HOST's last component (../data -> data); ::ro makes it read-only for the guest. Repeatable; --dir X and --dir=X both work",
            HelpName = "HOST[::GUEST[::ro]]",
            AllowMultipleArgumentsPerToken = false,
        }.ExistingDirectory(HostDirectory);
        var env = new Option<string[]>("--env") { Description = "Set an environment variable for the guest (repeatable): NAME=VALUE, or NAME alone for this process's value; nothing else is inherited", HelpName = "NAME[=VALUE]" };
        var invoke = new Option<string?>("--invoke") { Description = "Call this exported function instead of _start, with ARGS as its arguments (i32/i64/f32/f64), and print its results", HelpName = "FUNCTION" };
        var fuel = new Option<ulong?>("--fuel") { Description = "Stop the guest after N units of fuel (about one per instruction)", HelpName = "N" };
        var timeout = new Option<double?>("--timeout") { Description = "Stop the guest after S seconds of wall-clock time", HelpName = "S" };
        var maxMemory = new Option<int?>("--max-memory")
        {
            Description = $"The guest's memory budget in MiB: its linear memory plus, for a guest that imports wasi:gpu or wasi:webgpu, its GPU buffers (--max-gpu-memory of it) [default: {RunOptions.DefaultMaxMemoryBytes >> 20}]",
            HelpName = "MB",
        };
        var maxGpuMemory = new Option<int?>("--max-gpu-memory")
        {
            Description = $"The part of --max-memory for the GPU buffers of a guest that imports wasi:gpu or wasi:webgpu, both together, on every backend; the rest is its linear memory [default: a quarter of --max-memory, at most {RunOptions.DefaultMaxGpuMemoryBytes >> 20}]",
            HelpName = "MB",
        };
        var noCache = new Option<bool>("--no-cache") { Description = "Compile the module afresh; do not read or write the compiled-module cache" };
        var gpu = new Option<string>("--gpu")
        {
            Description = "Backend of the guest's wasi:gpu imports: auto (cuda when the CUDA driver sees a GPU, else webgpu on a hardware adapter, else cpu), cuda, webgpu (also on lavapipe), cpu, or none (guests see no GPU). A backend that does not work here is a usage error (exit 2)",
            DefaultValueFactory = _ => "auto",
        };
        gpu.AcceptOnlyFromAmong("auto", "cuda", "webgpu", "cpu", "none");
        var policy = new Option<string?>("--policy") { Description = "Attestation policy (JSON, see docs/policy.md): checked by --require-attestation and applied to the guest's attest_vm results", HelpName = "FILE" }.ExistingFile();
        var requireAttestation = new Option<bool>("--require-attestation") { Description = "Attest the VM and check the policy before the guest starts; refuse to start it otherwise (exit 1)" };
        var cacheDir = new Option<string?>("--cache-dir") { Description = $"Compiled-module cache [default: {ModuleCache.DefaultDirectory}]", HelpName = "DIR" };
        var cacheMaxSize = new Option<int?>("--cache-max-size") { Description = $"Most MiB the compiled-module cache may hold; least recently used entries go beyond it [default: {ModuleCache.DefaultMaxBytes >> 20}]", HelpName = "MB" };
        var allowPrecompiled = new Option<bool>("--allow-precompiled") { Description = "Accept a precompiled module (.cwasm from `tee-wasm compile`) as MODULE. Its code is not validated again and attestation binds the module hash recorded in it: only for files you compiled or trust" };
        var kbs = new Option<string?>("--kbs")
        {
            Description = "Key broker (Trustee KBS protocol) for the guest's get_secret: the host attests to it and it releases secrets per its policy [default: none; get_secret fails]",
            HelpName = "URL",
        };
        var kbsClient = new KbsClientCliOptions();
        var auditLog = new Option<string?>("--audit-log")
        {
            Description = "Append one JSON line per attestation event (detect, attest, token issued/verified, secrets) to FILE; never secrets or whole tokens [default: off]",
            HelpName = "FILE",
        }.WritableFile();

        var receipt = new Option<string?>("--receipt")
        {
            Description = "Attest the launch (the VM and every GPU) before the guest starts, refusing to start it otherwise, and when it exits write to FILE a receipt signed by the attested host key: workload identity, measurement log, digests of the files it read and wrote in its directories, stdout digest, exit code, times, tokens. Check it with 'tee-wasm verify FILE'",
            HelpName = "FILE",
        }.WritableFile();
        var bundle = new Option<string?>("--bundle") { Description = "With --receipt: also write an offline bundle of the launch attestation and its collateral to FILE", HelpName = "FILE" }.WritableFile();
        var printWorkload = new Option<bool>("--print-workload")
        {
            Description = "Print the launch's workload document (JSON; its SHA-256 is what report_data, tokens and the key broker's workload_digests name) and exit without running the guest",
        };

        var command = new Command("run", "Run a WASI guest with wasmtime:attestation; the exit code is the guest's (134 when it traps or is stopped by --fuel or --timeout, 1 when it cannot start, 2 for usage errors)")
        {
            module, guestArgs, dir, env, invoke, fuel, timeout, maxMemory, maxGpuMemory, noCache, cacheDir, cacheMaxSize, allowPrecompiled, gpu, policy, requireAttestation, kbs, kbsClient.Evidence, kbsClient.Key, auditLog,
            receipt, bundle, printWorkload,
        };
        shared.AddTo(command);
        shared.AddFetchTo(command);

        command.SetAction(parse =>
        {
            using var audit = parse.GetValue(auditLog) is { } auditPath ? new JsonLinesAuditLog(auditPath) : null;
            var options = new RunOptions
            {
                Arguments = parse.GetValue(guestArgs) ?? [],
                Environment = ParseEnvironment(parse.GetValue(env) ?? [], context.Logger),
                Invoke = parse.GetValue(invoke),
                Directories = (parse.GetValue(dir) ?? []).Select(ParseDir).ToArray(),
                Fuel = parse.GetValue(fuel),
                Timeout = parse.GetValue(timeout) is double s ? Positive(s, "--timeout", TimeSpan.FromSeconds) : null,
                MaxMemoryBytes = parse.GetValue(maxMemory) is int mb ? Positive(mb, "--max-memory", v => (long)v << 20) : RunOptions.DefaultMaxMemoryBytes,
                MaxGpuMemoryBytes = parse.GetValue(maxGpuMemory) is int gmb ? Positive(gmb, "--max-gpu-memory", v => (long)v << 20) : null,
                CacheDirectory = parse.GetValue(noCache) ? null : parse.GetValue(cacheDir) ?? ModuleCache.DefaultDirectory,
                CacheMaxBytes = parse.GetValue(cacheMaxSize) is int cap ? Positive(cap, "--cache-max-size", v => (long)v << 20) : ModuleCache.DefaultMaxBytes,
                AllowPrecompiled = parse.GetValue(allowPrecompiled),
                Attestation = shared.ToAttesterOptions(parse) with { AuditLog = (IAttestationAuditLog?)audit ?? NullAuditLog.Instance },
                Gpu = GpuKind(parse.GetValue(gpu)!),
                Policy = parse.GetValue(policy) is { } policyPath ? LoadPolicy(policyPath) : null,
                RequireAttestation = parse.GetValue(requireAttestation),
                Logger = context.Logging.CreateLogger("tee-wasm"),
                KeyBroker = parse.GetValue(kbs) is { } url
                    ? kbsClient.ToOptions(parse, CliOptions.Absolute(url, "--kbs"), shared.ToServiceCallOptions(parse))
                    : null,
            };
            if (options.GpuMemoryBytes >= options.MaxMemoryBytes)
                throw new UsageException($"--max-gpu-memory {options.GpuMemoryBytes >> 20} must be less than --max-memory {options.MaxMemoryBytes >> 20}: GPU buffers are part of the guest's memory budget");
            string? receiptPath = parse.GetValue(receipt), bundlePath = parse.GetValue(bundle);
            if (bundlePath is not null && receiptPath is null) throw new UsageException("--bundle applies with --receipt only (the bundle holds the launch attestation)");
            if (parse.GetValue(printWorkload))
            {
                var workload = WasmRunner.Describe(parse.GetValue(module)!, options);
                context.Out.WriteLine(TeeWasm.Attestation.Evidence.WorkloadDocument.ToJson(workload, indented: true));
                context.Error.WriteLine($"workload sha256: {workload.DigestHex}");
                return 0;
            }
            if (receiptPath is not null && options.Attestation.Mode == TeeWasm.Attestation.AttestationMode.None)
                throw new UsageException("--receipt needs attestation (a TEE, or --tee simulate): a receipt is signed by the attested host key");
            var result = WasmRunner.Run(parse.GetValue(module)!, options with { Receipt = receiptPath is not null, Bundle = bundlePath is not null });
            foreach (string value in result.Results) context.Out.WriteLine(value);
            if (result.Error is not null) context.Error.WriteLine("error: " + result.Error);
            if (receiptPath is not null && result.Receipt is { } signed)
            {
                File.WriteAllText(receiptPath, signed + "\n");
                context.Error.WriteLine($"[tee-wasm] receipt written to {receiptPath} (workload sha256 {result.Workload!.DigestHex})");
            }
            if (bundlePath is not null && result.Bundle is { } made)
            {
                File.WriteAllText(bundlePath, made + "\n");
                context.Error.WriteLine($"[tee-wasm] bundle of the launch attestation written to {bundlePath}");
            }
            return result.ExitCode;
        });
        return command;
    }

    private static TeeWasm.Gpu.GpuBackendKind GpuKind(string value)
    {
        var kind = Enum.Parse<TeeWasm.Gpu.GpuBackendKind>(value, ignoreCase: true);
        // The native build (Native AOT) keeps no IL, and ILGPU compiles the CUDA kernels from their IL at run time.
        if (kind == TeeWasm.Gpu.GpuBackendKind.Cuda && !System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported)
            throw new UsageException("--gpu cuda: not in the native build (its CUDA kernels are compiled from IL at run time); use the -jit release (scripts/publish.sh --jit) or the .NET tool");
        return kind;
    }

    private static TeeWasm.Attestation.Policy.AttestationPolicy LoadPolicy(string path)
    {
        try
        {
            return TeeWasm.Attestation.Policy.AttestationPolicy.Load(path);
        }
        catch (TeeWasm.Attestation.Policy.PolicyException e)
        {
            throw new UsageException("--policy: " + e.Message, e);
        }
    }

    /// <summary>NAME=VALUE as given; NAME alone takes this process's value (Wasmtime's convention), and is left out with a warning when it has none.</summary>
    private static KeyValuePair<string, string>[] ParseEnvironment(string[] specs, ILogger log)
    {
        var variables = new List<KeyValuePair<string, string>>();
        foreach (string spec in specs)
        {
            int eq = spec.IndexOf('=');
            if (eq == 0 || spec.Length == 0) throw new UsageException($"--env '{spec}': expected NAME=VALUE or NAME");
            if (eq > 0)
            {
                variables.Add(new(spec[..eq], spec[(eq + 1)..]));
            }
            else if (Environment.GetEnvironmentVariable(spec) is { } inherited)
            {
                variables.Add(new(spec, inherited));
            }
            else
            {
                log.LogWarning("{Line}", $"warning: --env {spec}: not set in this environment; the guest does not get it");
            }
        }
        return [.. variables];
    }

    /// <summary>HOST of HOST[::GUEST], for the check that it exists (a malformed value is reported when it is parsed).</summary>
    private static string? HostDirectory(string spec)
    {
        try
        {
            return DirectoryMapping.Parse(spec).HostPath;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static DirectoryMapping ParseDir(string spec)
    {
        try
        {
            return DirectoryMapping.Parse(spec);
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private static T Positive<TIn, T>(TIn value, string option, Func<TIn, T> convert) where TIn : IComparable<TIn>
    {
        if (value.CompareTo(default!) <= 0) throw new UsageException($"{option} must be positive");
        return convert(value);
    }
}
