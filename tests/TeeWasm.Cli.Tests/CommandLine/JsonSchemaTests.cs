using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Cli.Tests.CommandLine;

/// <summary>
/// The JSON Schemas in docs/schemas/ (docs/cli.md, "JSON for scripts") against real outputs of the commands; and a
/// document with a member taken out or of the wrong kind fails, so no schema accepts everything.
/// </summary>
public sealed class JsonSchemaTests : IDisposable
{
    private const string Sdk590Nonce = "e97b23a1718095a0e9e35edca810768c70a6a5a389b705e753b197912bc11576";

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Sim => _dir.File("sim");

    private static JsonSchema Schema(string name) =>
        JsonSchema.FromText(File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "schemas", name)));

    private static void AssertValid(string schema, string json)
    {
        using var doc = JsonDocument.Parse(json);
        EvaluationResults result = Schema(schema).Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, $"{schema}: {string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).Select(d => $"{d.InstanceLocation}: {string.Join(", ", d.Errors!.Values)}"))}\n{json}");
    }

    private static void AssertInvalid(string schema, string json)
    {
        using var doc = JsonDocument.Parse(json);
        Assert.False(Schema(schema).Evaluate(doc.RootElement).IsValid, $"{schema} accepts {json}");
    }

    private static string Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = TeeWasmCli.Run(args, o, e);
        Assert.True(code is 0 or 1, $"tee-wasm {string.Join(' ', args)}: exit {code}: {e}");
        return o.ToString();
    }

    [Fact]
    public void AttestResults_AndTheirEvidence_MatchTheirSchemas()
    {
        string vm = Cli("attest", "vm", "--tee", "simulate", "--simulator-dir", Sim, "--nonce", "00ff");
        AssertValid("attestation-result.schema.json", vm);
        AssertValid("evidence.schema.json", JsonNode.Parse(vm)!["evidence"]!.GetValue<string>());
        string gpus = Cli("attest", "gpu", "--all", "--tee", "simulate", "--simulator-dir", Sim, "--simulated-gpus", "2");
        foreach (JsonNode? gpu in JsonNode.Parse(gpus)!.AsArray())
        {
            AssertValid("attestation-result.schema.json", gpu!.ToJsonString());
            AssertValid("evidence.schema.json", gpu["evidence"]!.GetValue<string>());
        }
        AssertValid("attestation-result.schema.json", Cli("attest", "vm", "--tee", "none"));
    }

    [Fact]
    public void AttestResultSchema_RejectsWhatIsNotAResult()
    {
        string vm = Cli("attest", "vm", "--tee", "simulate", "--simulator-dir", Sim);
        var noToken = JsonNode.Parse(vm)!.AsObject();
        noToken.Remove("token");
        AssertInvalid("attestation-result.schema.json", noToken.ToJsonString());
        var successWithError = JsonNode.Parse(vm)!.AsObject();
        successWithError["error"] = "x";
        AssertInvalid("attestation-result.schema.json", successWithError.ToJsonString());
        var evidence = JsonNode.Parse(JsonNode.Parse(vm)!["evidence"]!.GetValue<string>())!.AsObject();
        evidence["binding"]!["module_sha256"] = "not hex";
        AssertInvalid("evidence.schema.json", evidence.ToJsonString());
    }

    [Fact]
    public void VerifyJson_OfVmAndGpuEvidence_MatchesTheSchema()
    {
        string vm = _dir.File("vm.json");
        Cli("attest", "vm", "--tee", "simulate", "--simulator-dir", Sim, "--out", vm);
        AssertValid("verify.schema.json", Cli("verify", vm, "--json", "--trust-simulator", Sim));
        AssertValid("verify.schema.json", Cli("verify", vm, "--json"));
        AssertValid("verify.schema.json", Cli("verify", RepoPaths.Vector("snp", "attestation.bin"), "--cert", RepoPaths.Vector("snp", "vcek.testcer"), "--json"));
        string gpu = Cli("verify", RepoPaths.Vector("nvidia", "sdk-evidence-4gpu-hopper-590.json"), "--nonce", Sdk590Nonce, "--at", "2025-06-01", "--json");
        AssertValid("verify.schema.json", gpu);
        Assert.Equal(4, JsonNode.Parse(gpu)!["gpus"]!.AsArray().Count);

        var bad = JsonNode.Parse(Cli("verify", vm, "--json"))!.AsObject();
        bad["verdict"] = "maybe";
        AssertInvalid("verify.schema.json", bad.ToJsonString());
    }

    [Fact]
    public void DetectAndInfoJson_MatchTheirSchemas_AndSayWhatTextModeSays()
    {
        string detect = Cli("detect", "--json", "--tee", "simulate", "--simulator-dir", Sim, "--simulated-gpus", "3");
        AssertValid("detect.schema.json", detect);
        Assert.Equal(3, JsonNode.Parse(detect)!["gpus"]!["count"]!.GetValue<int>());
        string none = Cli("detect", "--json", "--tee", "none");
        AssertValid("detect.schema.json", none);
        Assert.Contains("GPUs:", Cli("detect", "--tee", "none"));

        string info = Cli("info", "--json", "--tee", "none");
        AssertValid("info.schema.json", info);
        var missing = JsonNode.Parse(info)!.AsObject();
        missing.Remove("webgpu");
        AssertInvalid("info.schema.json", missing.ToJsonString());
    }
}
