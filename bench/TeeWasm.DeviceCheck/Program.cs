// The measuring half of scripts/device-check.sh: matmul GFLOP/s per wasi:gpu backend (n = 1024, 4096), the RF benchmark
// guests on cuda, webgpu and cpu (MSE band, training and inference ms), and the files the script gathered before
// (tee-wasm info/detect/attest output, conformance results, step times), written as one JSON and one plot.
//
// Usage: TeeWasm.DeviceCheck --out DIR --guests DIR --data DIR [--sizes 1024,4096] [--rf-runs N] [--budget SECONDS]
//                            [--attach NAME=FILE]...
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TeeWasm.DeviceCheck;

var options = new Dictionary<string, List<string>>();
for (int i = 0; i < args.Length; i++)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
    {
        Console.Error.WriteLine($"error: unexpected argument '{args[i]}'\nusage: TeeWasm.DeviceCheck --out DIR --guests DIR --data DIR [--sizes 1024,4096] [--rf-runs N] [--budget SECONDS] [--attach NAME=FILE]...");
        return 2;
    }
    if (!options.TryGetValue(args[i], out var values)) options[args[i]] = values = [];
    values.Add(args[++i]);
}
string? Option(string name) => options.TryGetValue(name, out var v) ? v[^1] : null;
if (Option("--out") is not { } outDir || Option("--guests") is not { } guests || Option("--data") is not { } data)
{
    Console.Error.WriteLine("error: --out, --guests and --data are required");
    return 2;
}
int[] sizes = (Option("--sizes") ?? "1024,4096").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
int rfRuns = int.Parse(Option("--rf-runs") ?? "2", CultureInfo.InvariantCulture);
var budget = TimeSpan.FromSeconds(double.Parse(Option("--budget") ?? "240", CultureInfo.InvariantCulture));
var clock = Stopwatch.StartNew();
bool WithinBudget() => clock.Elapsed < budget;
void Log(string line) => Console.Error.WriteLine($"[device-check {clock.Elapsed.TotalSeconds,6:0.0} s] {line}");

Directory.CreateDirectory(outDir);
var matmul = MatmulMeasurement.Run(sizes, WithinBudget, Log).ToList();
var rf = RfMeasurement.Run(guests, data, rfRuns, WithinBudget, Log).ToList();

var report = new JsonObject
{
    ["generated_utc"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
    ["machine"] = new JsonObject
    {
        ["cores"] = Environment.ProcessorCount,
        ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        [".net"] = Environment.Version.ToString(),
    },
    ["measure_seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
    ["matmul"] = JsonSerializer.SerializeToNode(matmul, Json.Options),
    ["rf"] = JsonSerializer.SerializeToNode(rf, Json.Options),
    ["summary"] = Summary.Build(matmul, rf),
};
var attachments = new JsonObject();
foreach (string spec in options.GetValueOrDefault("--attach") ?? [])
{
    int eq = spec.IndexOf('=');
    string name = spec[..eq], file = spec[(eq + 1)..];
    attachments[name] = !File.Exists(file) ? JsonValue.Create($"(missing: {file})") : Json.ParseOrText(File.ReadAllText(file));
}
report["steps"] = attachments;
string jsonPath = Path.Combine(outDir, "device-check.json");
File.WriteAllText(jsonPath, report.ToJsonString(Json.Indented));
Console.WriteLine(Summary.Table(matmul, rf));
try
{
    Plot.Write(matmul, rf, Path.Combine(outDir, "device-check.png"));
}
catch (Exception e) when (e is not OutOfMemoryException)
{
    Log($"the plot could not be drawn: {e.GetType().Name}: {e.Message}");
}
Log($"wrote {jsonPath}");
return 0;
