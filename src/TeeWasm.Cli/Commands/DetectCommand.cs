using System.CommandLine;
using TeeWasm.Cli.CommandLine;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Cli.Commands;

/// <summary><c>tee-wasm detect</c>: which TEE and which GPUs this machine has.</summary>
internal static class DetectCommand
{
    public static Command Create(CliOptions shared, TextWriter stdout)
    {
        var json = new Option<bool>("--json") { Description = "Print the detect_tee JSON a guest would get" };
        var command = new Command("detect", "Detect the confidential-computing platform and NVIDIA GPUs") { json };
        shared.AddTo(command);
        command.SetAction(parse =>
        {
            var options = shared.ToAttesterOptions(parse);
            using var attester = new Attester(options);
            var detection = attester.DetectTee();
            if (parse.GetValue(json))
            {
                stdout.WriteLine(System.Text.Encoding.UTF8.GetString(detection.ToJsonUtf8()));
                return 0;
            }
            stdout.WriteLine($"TEE:                  {detection.Type.ToAbiName()}{(detection.Simulated ? " (simulated)" : "")}");
            stdout.WriteLine($"Supports attestation: {(detection.SupportsAttestation ? "yes" : "no")}");
            if (detection.Source is not null) stdout.WriteLine($"Found via:            {detection.Source}");
            if (options.Mode == AttestationMode.Simulate)
            {
                stdout.WriteLine($"GPUs:                 {options.SimulatedGpuCount} simulated");
            }
            else
            {
                var gpus = attester.DiscoverGpus(out string? reason);
                stdout.WriteLine($"GPUs:                 {(gpus.Count == 0 ? "none" + (reason is null ? "" : $" ({reason})") : gpus.Count.ToString())}");
                foreach (var g in gpus) stdout.WriteLine($"  [{g.Index}] {g.Name} {g.Uuid}");
            }
            return 0;
        });
        return command;
    }
}
