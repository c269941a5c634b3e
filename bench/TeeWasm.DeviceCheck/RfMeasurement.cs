using TeeWasm.Tests.Shared;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using TeeWasm.Attestation;
using TeeWasm.Gpu;
using TeeWasm.Runtime.Hosting;

namespace TeeWasm.DeviceCheck;

/// <summary>One run of an RF benchmark guest on one backend, or why it did not run.</summary>
public sealed record RfResult(string Guest, string Backend, int Seed, double? TrainingMs, double? InferenceMs, double? Mse, bool? InBand,
    string? GpuDevice, string? Error);

/// <summary>
/// The random-forest benchmark guests (Rust wasm-ml-benchmark, C++ wasmwebgpu-ml-benchmark) on the diabetes set, run
/// by the runtime in-process with each wasi:gpu backend; the numbers are the guest's own BENCHMARK_JSON. MSE band
/// 2700–3100 as in bench/rf-compare.
/// </summary>
public static partial class RfMeasurement
{
    public const double BandLow = 2700, BandHigh = 3100;

    public static readonly (string Name, string File)[] Guests = [("rust", "wasm-ml-benchmark.wasm"), ("cpp", "wasmwebgpu-ml-benchmark.wasm")];

    public static IEnumerable<RfResult> Run(string guests, string data, int runs, Func<bool> withinBudget, Action<string> log)
    {
        string temp = Directory.CreateTempSubdirectory("teewasm-device-rf-").FullName;
        foreach (var kind in new[] { GpuBackendKind.Cuda, GpuBackendKind.WebGpu, GpuBackendKind.Cpu })
        {
            string backend = kind.ToString().ToLowerInvariant();
            for (int seed = 1; seed <= runs; seed++)
            {
                foreach (var (name, file) in Guests)
                {
                    if (!withinBudget()) { yield return new RfResult(name, backend, seed, null, null, null, null, null, "time budget spent"); continue; }
                    log($"rf {name} {backend} seed {seed}");
                    yield return RunOne(Path.Combine(guests, file), name, kind, seed, data, temp);
                }
            }
        }
    }

    private static RfResult RunOne(string wasm, string guest, GpuBackendKind kind, int seed, string data, string temp)
    {
        string backend = kind.ToString().ToLowerInvariant();
        string stdout = Path.Combine(temp, $"{guest}-{backend}-{seed}.out"), stderr = Path.ChangeExtension(stdout, ".err");
        var log = new List<string>();
        try
        {
            var result = WasmRunner.Run(wasm, new RunOptions
            {
                Arguments = ["--seed", seed.ToString(CultureInfo.InvariantCulture)],
                CacheDirectory = null,
                StdoutPath = stdout,
                StderrPath = stderr,
                Logger = new LineLogger(log.Add),
                Directories = [new DirectoryMapping(data, "data")],
                Attestation = new AttesterOptions { Mode = AttestationMode.None },
                Gpu = kind,
            });
            string output = File.ReadAllText(stdout);
            var json = BenchmarkJson().Match(output);
            if (result.ExitCode != 0 || !json.Success)
            {
                string why = result.Error ?? string.Join(" | ", File.ReadAllLines(stderr).TakeLast(2).Concat(log.TakeLast(2)));
                return new RfResult(guest, backend, seed, null, null, null, null, null, $"exit {result.ExitCode}: {why}");
            }
            using var doc = JsonDocument.Parse(json.Groups[1].Value);
            var root = doc.RootElement;
            double mse = root.GetProperty("mse").GetDouble();
            string device = $"{root.GetProperty("gpu_device").GetString()} ({root.GetProperty("gpu_backend").GetString()})";
            return new RfResult(guest, backend, seed, root.GetProperty("training_ms").GetDouble(), root.GetProperty("inference_ms").GetDouble(), mse,
                mse is >= BandLow and <= BandHigh, device, log.FirstOrDefault(l => l.Contains("failed", StringComparison.Ordinal)));
        }
        catch (Exception e) when (e is TeeWasm.Runtime.WasmRuntimeException or IOException)
        {
            return new RfResult(guest, backend, seed, null, null, null, null, null, e.Message);
        }
    }

    [GeneratedRegex(@"### BENCHMARK_JSON ###\s*(\{.*?\})\s*### END_BENCHMARK_JSON ###", RegexOptions.Singleline)]
    private static partial Regex BenchmarkJson();
}
