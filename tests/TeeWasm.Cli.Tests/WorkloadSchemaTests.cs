using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Cli.Tests;

/// <summary>
/// The JSON Schemas of the workload document, the measurement log, the receipt and the bundle (docs/schemas/) against
/// real outputs: <c>run --print-workload</c>, a receipt of the RF guest on the CPU wasi:gpu backend (kernel entries in
/// its log), an <c>attest all --bundle</c>; a document with a member taken out or changed fails, so no schema accepts everything.
/// </summary>
public sealed class WorkloadSchemaTests : IDisposable
{
    private static readonly string s_sim = Path.Combine(Path.GetTempPath(), "teewasm-tests-simulator");
    private static readonly string[] s_names = ["workload.schema.json", "measurement-log.schema.json", "receipt.schema.json", "bundle.schema.json"];
    private static readonly Dictionary<string, JsonSchema> s_schemas = Load();

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Dictionary<string, JsonSchema> Load()
    {
        var schemas = new Dictionary<string, JsonSchema>();
        foreach (string name in s_names)
        {
            var schema = JsonSchema.FromText(File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "schemas", name)));
            SchemaRegistry.Global.Register(schema); // the receipt's schema refers to the workload's and the log's by $id
            schemas[name] = schema;
        }
        return schemas;
    }

    private static void AssertValid(string schema, JsonNode json)
    {
        using var doc = JsonDocument.Parse(json.ToJsonString());
        EvaluationResults result = s_schemas[schema].Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, $"{schema}: {string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).Select(d => $"{d.InstanceLocation}: {string.Join(", ", d.Errors!.Values)}"))}");
    }

    private static void AssertInvalid(string schema, JsonNode json)
    {
        using var doc = JsonDocument.Parse(json.ToJsonString());
        Assert.False(s_schemas[schema].Evaluate(doc.RootElement).IsValid, $"{schema} accepts {json.ToJsonString()[..Math.Min(200, json.ToJsonString().Length)]}");
    }

    private static JsonNode Without(JsonNode node, string path)
    {
        JsonNode copy = node.DeepClone();
        string[] parts = path.Split('.');
        JsonNode parent = parts[..^1].Aggregate(copy, (n, p) => n[p]!);
        parent.AsObject().Remove(parts[^1]);
        return copy;
    }

    [Fact]
    public void TheWorkloadDocument_MatchesItsSchema()
    {
        var (code, stdout, stderr) = CliProcess.Run("run", "--tee", "simulate", "--dir", _dir.Path + "::data::ro", "--env", "A=1", "--kbs", "http://127.0.0.1:1/",
            "--print-workload", GuestModules.WriteTemp(GuestModules.ReturnsNormally, _dir), "--", "x");
        Assert.True(code == 0, stderr);
        JsonNode workload = JsonNode.Parse(stdout)!;
        AssertValid("workload.schema.json", workload);
        AssertInvalid("workload.schema.json", Without(workload, "wasi.env"));
        JsonNode bad = workload.DeepClone();
        bad["wasi"]!["preopens"]![0]!["access"] = "execute";
        AssertInvalid("workload.schema.json", bad);
    }

    [Fact]
    public void AReceipt_AndItsMeasurementLog_MatchTheirSchemas()
    {
        string receipt = _dir.File("receipt.json"), module = Path.Combine(RepoPaths.Root, "artifacts", "guests", "wasm-ml-benchmark.wasm");
        Assert.True(File.Exists(module), $"{module} is missing: run scripts/build-guests.sh");
        var (code, _, stderr) = CliProcess.Run("run", "--tee", "simulate", "--simulator-dir", s_sim, "--gpu", "cpu", "--receipt", receipt,
            "--dir", Path.Combine(RepoPaths.Root, "data") + "::data::ro", module, "--", "--seed", "7");
        Assert.True(code == 0, stderr);
        JsonNode node = JsonNode.Parse(File.ReadAllText(receipt))!;
        JsonNode log = node["receipt"]!["measurement_log"]!;
        Assert.Contains(log["entries"]!.AsArray(), e => e!["type"]!.GetValue<string>() == "wasi-gpu-kernel" && e["backend"]!.GetValue<string>() == "cpu");
        AssertValid("measurement-log.schema.json", log);
        AssertValid("receipt.schema.json", node);

        AssertInvalid("receipt.schema.json", Without(node, "receipt.stdout"));
        AssertInvalid("measurement-log.schema.json", Without(log, "value"));
        JsonNode bad = log.DeepClone();
        bad["entries"]![0]!["type"] = "spirv";
        AssertInvalid("measurement-log.schema.json", bad);
    }

    [Fact]
    public void ABundle_MatchesItsSchema()
    {
        string bundle = _dir.File("bundle.json");
        var o = new StringWriter();
        var e = new StringWriter();
        Assert.True(TeeWasmCli.Run(["attest", "all", "--tee", "simulate", "--simulator-dir", s_sim, "--simulated-gpus", "2", "--bundle", bundle], o, e) == 0, e.ToString());
        JsonNode node = JsonNode.Parse(File.ReadAllText(bundle))!;
        AssertValid("bundle.schema.json", node);
        AssertInvalid("bundle.schema.json", Without(node, "signature.value"));
        JsonNode bad = node.DeepClone();
        bad["bundle"]!["collateral"]![0]!["kind"] = "vcek";
        AssertInvalid("bundle.schema.json", bad);
    }
}
