using System.Text.Json.Nodes;
using TeeWasm.Cli.Commands;
using TeeWasm.Gpu.Cuda;
using TeeWasm.Gpu.Dawn;

namespace TeeWasm.Cli.Tests;

/// <summary>
/// <c>tee-wasm info --require-gpu</c> (issue 13.8, the original's <c>--check-gpu</c>): a hardware GPU is a CUDA device
/// or a discrete/integrated WebGPU adapter; a software adapter (lavapipe) or none is not, and the reason names both.
/// </summary>
public sealed class InfoCommandTests
{
    private static WebGpuProbe Adapter(WebGpuAdapterType type, string device) =>
        new(new WebGpuAdapterInfo("vendor", "", device, "", WebGpuBackendType.Vulkan, type, 0x10de, 0x2335), null, null, null, 1.0, null);

    private static readonly WebGpuProbe s_noAdapter = new(null, null, null, null, 1.0, "no Vulkan driver");

    private static readonly CudaProbe s_noDriver = new(null, "libcuda.so.1 cannot be loaded", [], null, null, null, null, null);

    private static readonly CudaProbe s_driverNoDevice = new(new CudaDriverInfo("libcuda.so.1", "12.8", 0), null, [], null, null, null, null, null);

    private static readonly CudaProbe s_h200 = new(new CudaDriverInfo("libcuda.so.1", "12.8", 1), null,
        [new CudaDeviceSummary(0, "NVIDIA H200", "9.0", 150_000_000_000)], null, null, null, null, null);

    [Fact]
    public void DiscreteOrIntegratedAdapter_IsAHardwareGpu()
    {
        Assert.Null(InfoCommand.NoHardwareGpu(Adapter(WebGpuAdapterType.DiscreteGpu, "NVIDIA H200"), s_noDriver));
        Assert.Null(InfoCommand.NoHardwareGpu(Adapter(WebGpuAdapterType.IntegratedGpu, "Intel UHD"), s_noDriver));
    }

    [Fact]
    public void CudaDevice_IsAHardwareGpu_WhateverTheWebGpuAdapter() =>
        Assert.Null(InfoCommand.NoHardwareGpu(Adapter(WebGpuAdapterType.Cpu, "llvmpipe"), s_h200));

    [Fact]
    public void SoftwareAdapter_WithoutCuda_IsNone_AndBothReasonsAreSaid() =>
        Assert.Equal("the WebGPU adapter is llvmpipe (Cpu, software); no CUDA driver (libcuda.so.1 cannot be loaded)",
            InfoCommand.NoHardwareGpu(Adapter(WebGpuAdapterType.Cpu, "llvmpipe"), s_noDriver));

    [Fact]
    public void UnknownAdapter_IsNotTakenForAGpu() =>
        Assert.Equal("the WebGPU adapter is mystery (adapter type Unknown, not known to be a GPU); the CUDA driver sees no device",
            InfoCommand.NoHardwareGpu(Adapter(WebGpuAdapterType.Unknown, "mystery"), s_driverNoDevice));

    [Fact]
    public void NoAdapter_SaysWhy() =>
        Assert.Equal("no WebGPU adapter (no Vulkan driver); the CUDA driver sees no device", InfoCommand.NoHardwareGpu(s_noAdapter, s_driverNoDevice));

    /// <summary>This machine, through the command: exit 1 and the reason <c>info --json</c> gives, or exit 0 where there is a hardware GPU.</summary>
    [Fact]
    public void RequireGpu_ExitsOne_WithTheReason_WhenThereIsNoHardwareGpu()
    {
        var json = new StringWriter();
        Assert.Equal(0, TeeWasmCli.Run(["info", "--json", "--tee", "none"], json, new StringWriter()));
        JsonNode info = JsonNode.Parse(json.ToString())!;
        bool present = info["hardware_gpu"]!["present"]!.GetValue<bool>();
        var o = new StringWriter();
        var e = new StringWriter();
        int code = TeeWasmCli.Run(["info", "--require-gpu", "--tee", "none"], o, e);
        if (present)
        {
            Assert.Equal(0, code);
            return;
        }
        Assert.Equal(1, code);
        Assert.Equal($"error: --require-gpu: no hardware GPU: {info["hardware_gpu"]!["reason"]!.GetValue<string>()}\n", e.ToString());
        Assert.Contains("Hardware GPU      none: ", o.ToString());
    }
}
