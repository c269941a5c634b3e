using System.CommandLine;
using System.Reflection;
using System.Text.Json;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Cli.CommandLine;
using TeeWasm.Gpu.Cuda;
using TeeWasm.Gpu.Dawn;
using TeeWasm.Runtime.Modules;

namespace TeeWasm.Cli.Commands;

/// <summary><c>tee-wasm info [--json] [--require-gpu]</c>: versions, platform, GPUs and where things are kept.</summary>
internal static class InfoCommand
{
    public static Command Create(CliOptions shared, CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print the same as JSON (docs/schemas/info.schema.json)" };
        var requireGpu = new Option<bool>("--require-gpu") { Description = "Exit 1, saying why, when this machine has no hardware GPU: no CUDA device and no hardware WebGPU adapter (a software one such as lavapipe does not count)" };
        var command = new Command("info", "Show versions, the detected platform, GPUs, the WebGPU adapter, the CUDA driver and devices, the NVIDIA CC mode, the wasi:gpu backend --gpu auto would choose, and the cache and simulator directories")
        {
            json, requireGpu,
        };
        shared.AddTo(command);
        command.SetAction(parse =>
        {
            var options = shared.ToAttesterOptions(parse);
            using var attester = new Attester(options);
            var detection = attester.DetectTee();
            bool simulated = options.Mode == AttestationMode.Simulate;
            var gpus = simulated ? [] : attester.DiscoverGpus(out _);
            WebGpuProbe webgpu = WebGpuInfo.Probe();
            CudaProbe cuda = CudaInfo.Probe(nvmlLibrary: options.Probe.NvmlLibrary);
            var auto = TeeWasm.Gpu.GpuBackendSelector.Select(TeeWasm.Gpu.GpuBackendKind.Auto); // what run --gpu auto would take, and why
            auto.Backend.Dispose();
            string? noHardwareGpu = NoHardwareGpu(webgpu, cuda);
            var facts = new Facts(Version(typeof(InfoCommand).Assembly), Version(typeof(Wasmtime.Engine).Assembly), detection.Type.ToAbiName(),
                detection.Simulated, detection.Source, simulated ? options.SimulatedGpuCount : gpus.Count, simulated, webgpu, cuda, auto.Reason,
                attester.HostKey.KeyId, ModuleCache.DefaultDirectory,
                options.SimulatorDirectory ?? Path.Combine(AttesterOptions.DefaultDataDirectory, "simulator"), noHardwareGpu);
            if (parse.GetValue(json)) JsonOutput.Write(context.Out, w => WriteJson(w, facts));
            else WriteText(context.Out, facts);
            if (parse.GetValue(requireGpu) && noHardwareGpu is not null)
            {
                context.Error.WriteLine("error: --require-gpu: no hardware GPU: " + noHardwareGpu);
                return ExitCodes.Failure;
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private sealed record Facts(string Version, string Wasmtime, string Tee, bool TeeSimulated, string? FoundVia, int NvidiaGpus, bool GpusSimulated,
        WebGpuProbe WebGpu, CudaProbe Cuda, string WasiGpu, string HostKeyId, string ModuleCache, string SimulatorData, string? NoHardwareGpu);

    /// <summary>Null when a CUDA device or a hardware WebGPU adapter is there; else why neither is, in one phrase.</summary>
    internal static string? NoHardwareGpu(WebGpuProbe webgpu, CudaProbe cuda)
    {
        if (cuda.Devices.Count > 0 || webgpu.Adapter is { IsHardware: true }) return null;
        string web = webgpu.Adapter is { } a
            ? $"the WebGPU adapter is {a.Device} ({(a.AdapterType == WebGpuAdapterType.Cpu ? "Cpu, software" : $"adapter type {a.AdapterType}, not known to be a GPU")})"
            : $"no WebGPU adapter ({webgpu.Error})";
        string cu = cuda.Driver is null ? $"no CUDA driver ({cuda.DriverMissing})" : cuda.DevicesError is { } e ? $"CUDA devices cannot be listed ({e})" : "the CUDA driver sees no device";
        return $"{web}; {cu}";
    }

    private static string Version(Assembly a) =>
        a.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? a.GetName().Version?.ToString() ?? "?";

    private static void WriteText(TextWriter o, Facts f)
    {
        o.WriteLine($"tee-wasm          {f.Version}");
        o.WriteLine($"Wasmtime (.NET)   {f.Wasmtime}");
        o.WriteLine($".NET              {Environment.Version} ({System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier})");
        o.WriteLine($"TEE               {f.Tee}{(f.TeeSimulated ? " (simulated)" : "")}{(f.FoundVia is null ? "" : " via " + f.FoundVia)}");
        o.WriteLine($"NVIDIA GPUs       {(f.GpusSimulated ? $"{f.NvidiaGpus} simulated" : f.NvidiaGpus.ToString())}");
        foreach (string line in WebGpuInfo.Describe(f.WebGpu)) o.WriteLine(line);
        foreach (string line in CudaInfo.Describe(f.Cuda)) o.WriteLine(line);
        o.WriteLine($"Hardware GPU      {(f.NoHardwareGpu is null ? "yes" : "none: " + f.NoHardwareGpu)}");
        o.WriteLine($"wasi:gpu          {f.WasiGpu}");
        o.WriteLine($"Host key          P-256, kid {f.HostKeyId} (ephemeral, made at start-up)");
        o.WriteLine($"Module cache      {f.ModuleCache}");
        o.WriteLine($"Simulator data    {f.SimulatorData}");
    }

    private static void WriteJson(Utf8JsonWriter w, Facts f)
    {
        w.WriteStartObject();
        w.WriteString("version", f.Version);
        w.WriteString("wasmtime", f.Wasmtime);
        w.WriteString("dotnet", Environment.Version.ToString());
        w.WriteString("runtime_id", System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier);
        w.WriteStartObject("tee");
        w.WriteString("tee_type", f.Tee);
        w.WriteBoolean("simulated", f.TeeSimulated);
        w.StringOrNull("found_via", f.FoundVia);
        w.WriteEndObject();
        w.WriteStartObject("nvidia_gpus");
        w.WriteNumber("count", f.NvidiaGpus);
        w.WriteBoolean("simulated", f.GpusSimulated);
        w.WriteEndObject();
        WriteWebGpu(w, f.WebGpu);
        WriteCuda(w, f.Cuda);
        w.WriteStartObject("hardware_gpu");
        w.WriteBoolean("present", f.NoHardwareGpu is null);
        w.StringOrNull("reason", f.NoHardwareGpu);
        w.WriteEndObject();
        w.WriteString("wasi_gpu", f.WasiGpu);
        w.WriteString("host_key_id", f.HostKeyId);
        w.WriteString("module_cache", f.ModuleCache);
        w.WriteString("simulator_data", f.SimulatorData);
        w.WriteEndObject();
    }

    private static void WriteWebGpu(Utf8JsonWriter w, WebGpuProbe p)
    {
        w.WriteStartObject("webgpu");
        if (p.Adapter is { } a)
        {
            w.WriteStartObject("adapter");
            w.WriteString("device", a.Device);
            w.WriteString("vendor", a.Vendor);
            w.WriteString("architecture", a.Architecture);
            w.WriteString("description", a.Description);
            w.WriteString("backend", a.Backend.ToString());
            w.WriteString("adapter_type", a.AdapterType.ToString());
            w.WriteBoolean("hardware", a.IsHardware);
            w.WriteNumber("vendor_id", a.VendorId);
            w.WriteNumber("device_id", a.DeviceId);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("adapter");
        }
        w.StringOrNull("driver_selection", p.DriverSelection);
        w.StringOrNull("limits", p.Limits?.ToString());
        w.StringOrNull("library", p.LibraryPath);
        w.WriteNumber("startup_ms", Math.Round(p.StartupMs, 1));
        w.StringOrNull("error", p.Error);
        w.WriteEndObject();
    }

    private static void WriteCuda(Utf8JsonWriter w, CudaProbe p)
    {
        w.WriteStartObject("cuda");
        if (p.Driver is { } d)
        {
            w.WriteStartObject("driver");
            w.WriteString("version", d.Version);
            w.WriteString("library", d.Library);
            w.WriteNumber("device_count", d.DeviceCount);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("driver");
        }
        w.StringOrNull("driver_missing", p.DriverMissing);
        w.WriteStartArray("devices");
        foreach (var device in p.Devices)
        {
            w.WriteStartObject();
            w.WriteNumber("id", device.Id);
            w.WriteString("name", device.Name);
            w.WriteString("compute_capability", device.ComputeCapability);
            w.WriteNumber("memory_bytes", device.MemoryBytes);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.StringOrNull("devices_error", p.DevicesError);
        w.StringOrNull("cublas", p.Cublas);
        w.StringOrNull("cublas_missing", p.CublasMissing);
        if (p.ConfCompute is { } cc)
        {
            w.WriteStartObject("cc_mode");
            w.WriteString("mode", cc.Mode);
            w.WriteString("driver_version", cc.DriverVersion);
            w.WriteString("environment", cc.Environment);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("cc_mode");
        }
        w.StringOrNull("cc_mode_unknown", p.ConfComputeUnknown);
        w.WriteEndObject();
    }
}
