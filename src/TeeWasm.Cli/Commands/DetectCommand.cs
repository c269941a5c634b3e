using System.CommandLine;
using System.Text.Json;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Linux;
using TeeWasm.Cli.CommandLine;

namespace TeeWasm.Cli.Commands;

/// <summary><c>tee-wasm detect [--json]</c>: which TEE and which GPUs this machine has.</summary>
internal static class DetectCommand
{
    public static Command Create(CliOptions shared, TextWriter stdout)
    {
        var json = new Option<bool>("--json") { Description = "Print what text mode shows as JSON (docs/schemas/detect.schema.json): the TEE, how it was found, and the GPUs" };
        var command = new Command("detect", "Detect the confidential-computing platform and NVIDIA GPUs") { json };
        shared.AddTo(command);
        command.SetAction(parse =>
        {
            var options = shared.ToAttesterOptions(parse);
            using var attester = new Attester(options);
            var detection = attester.DetectTee();
            bool simulatedGpus = options.Mode == AttestationMode.Simulate;
            string? reason = null;
            var gpus = simulatedGpus ? [] : attester.DiscoverGpus(out reason);
            int gpuCount = simulatedGpus ? options.SimulatedGpuCount : gpus.Count;
            if (parse.GetValue(json))
            {
                JsonOutput.Write(stdout, w => WriteJson(w, detection, gpuCount, simulatedGpus, gpus, reason));
                return ExitCodes.Success;
            }
            stdout.WriteLine($"TEE:                  {detection.Type.ToAbiName()}{(detection.Simulated ? " (simulated)" : "")}");
            stdout.WriteLine($"Supports attestation: {(detection.SupportsAttestation ? "yes" : "no")}");
            if (detection.Source is not null) stdout.WriteLine($"Found via:            {detection.Source}");
            if (attester.DescribeVcek() is { } vcek) stdout.WriteLine($"VCEK:                 {vcek}");
            if (simulatedGpus)
            {
                stdout.WriteLine($"GPUs:                 {gpuCount} simulated");
            }
            else
            {
                stdout.WriteLine($"GPUs:                 {(gpus.Count == 0 ? "none" + (reason is null ? "" : $" ({reason})") : gpus.Count.ToString())}");
                foreach (var g in gpus) stdout.WriteLine($"  [{g.Index}] {g.Name} {g.Uuid}");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// <c>{tee_type, supports_attestation, simulated, found_via, gpus: {count, simulated, devices: [{index, name, uuid}], reason}}</c>:
    /// the guest's <c>detect_tee</c> members and what text mode adds.
    /// </summary>
    internal static void WriteJson(Utf8JsonWriter w, TeeDetection detection, int gpuCount, bool simulatedGpus, IReadOnlyList<GpuDescription> gpus, string? reason)
    {
        w.WriteStartObject();
        w.WriteString("tee_type", detection.Type.ToAbiName());
        w.WriteBoolean("supports_attestation", detection.SupportsAttestation);
        w.WriteBoolean("simulated", detection.Simulated);
        w.StringOrNull("found_via", detection.Source);
        w.WriteStartObject("gpus");
        w.WriteNumber("count", gpuCount);
        w.WriteBoolean("simulated", simulatedGpus);
        w.WriteStartArray("devices");
        foreach (var g in gpus)
        {
            w.WriteStartObject();
            w.WriteNumber("index", g.Index);
            w.WriteString("name", g.Name);
            w.WriteString("uuid", g.Uuid);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.StringOrNull("reason", gpuCount == 0 ? reason : null);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
