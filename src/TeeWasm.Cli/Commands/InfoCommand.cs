using System.CommandLine;
using TeeWasm.Cli.CommandLine;
using System.Reflection;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Runtime.Modules;

namespace TeeWasm.Cli.Commands;

/// <summary><c>tee-wasm info</c>: versions, platform, GPUs and where things are kept.</summary>
internal static class InfoCommand
{
    public static Command Create(CliOptions shared, TextWriter stdout)
    {
        var command = new Command("info", "Show versions, the detected platform, GPUs, the WebGPU adapter, the CUDA driver and devices, the NVIDIA CC mode, the wasi:gpu backend --gpu auto would choose, and the cache and simulator directories");
        shared.AddTo(command);
        command.SetAction(parse =>
        {
            var options = shared.ToAttesterOptions(parse);
            using var attester = new Attester(options);
            var detection = attester.DetectTee();
            string Version(Assembly a) => a.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? a.GetName().Version?.ToString() ?? "?";
            stdout.WriteLine($"tee-wasm          {Version(typeof(InfoCommand).Assembly)}");
            stdout.WriteLine($"Wasmtime (.NET)   {Version(typeof(Wasmtime.Engine).Assembly)}");
            stdout.WriteLine($".NET              {Environment.Version} ({System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier})");
            stdout.WriteLine($"TEE               {detection.Type.ToAbiName()}{(detection.Simulated ? " (simulated)" : "")}{(detection.Source is null ? "" : " via " + detection.Source)}");
            var gpus = options.Mode == AttestationMode.Simulate ? [] : attester.DiscoverGpus(out string? reason);
            stdout.WriteLine($"NVIDIA GPUs       {(options.Mode == AttestationMode.Simulate ? $"{options.SimulatedGpuCount} simulated" : gpus.Count.ToString())}");
            foreach (string line in TeeWasm.Gpu.Dawn.WebGpuInfo.Describe()) stdout.WriteLine(line);
            foreach (string line in TeeWasm.Gpu.Cuda.CudaInfo.Describe(nvmlLibrary: options.Probe.NvmlLibrary)) stdout.WriteLine(line);
            var auto = TeeWasm.Gpu.GpuBackendSelector.Select(TeeWasm.Gpu.GpuBackendKind.Auto); // what run --gpu auto would take, and why
            auto.Backend.Dispose();
            stdout.WriteLine($"wasi:gpu          {auto.Reason}");
            stdout.WriteLine($"Host key          P-256, kid {attester.HostKey.KeyId} (ephemeral, made at start-up)");
            stdout.WriteLine($"Module cache      {ModuleCache.DefaultDirectory}");
            stdout.WriteLine($"Simulator data    {options.SimulatorDirectory ?? Path.Combine(AttesterOptions.DefaultDataDirectory, "simulator")}");
            return 0;
        });
        return command;
    }
}
