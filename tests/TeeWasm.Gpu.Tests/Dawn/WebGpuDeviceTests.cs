using System.Runtime.InteropServices;
using TeeWasm.Gpu.Dawn;

namespace TeeWasm.Gpu.Tests.Dawn;

public sealed class WebGpuDeviceTests(DeviceFixture fixture) : IClassFixture<DeviceFixture>
{
    private const string Doubler = """
        @group(0) @binding(0) var<storage, read_write> data: array<f32>;

        @compute @workgroup_size(64)
        fn main(@builtin(global_invocation_id) id: vec3<u32>) {
            if (id.x < arrayLength(&data)) {
                data[id.x] = data[id.x] * 2.0;
            }
        }
        """;

    private WebGpuDevice? _device;

    // Resolved outside any Assert.Throws, so a missing WebGPU set-up fails with its own message.
    private WebGpuDevice Device => _device ??= fixture.Device;

    [Fact]
    public void Adapter_is_a_real_vulkan_adapter_not_dawns_null_adapter()
    {
        var info = Device.AdapterInfo;
        Assert.NotEqual(WebGpuBackendType.Null, info.Backend);
        Assert.Equal(WebGpuBackendType.Vulkan, info.Backend);
        if (!info.IsHardware)
        {
            Assert.Equal(WebGpuAdapterType.Cpu, info.AdapterType);
            Assert.Contains("llvmpipe", info.Device, StringComparison.OrdinalIgnoreCase); // Mesa lavapipe
        }
        Assert.True(Device.Limits.MaxBufferSize >= 256UL * 1024 * 1024);
        Assert.True(Device.Limits.MaxComputeInvocationsPerWorkgroup >= 256);
    }

    [Fact]
    public void Wgsl_compute_shader_doubles_a_buffer()
    {
        float[] input = Enumerable.Range(0, 200).Select(i => i * 0.5f - 7f).ToArray();
        ulong bytes = (ulong)(input.Length * sizeof(float));
        using var data = Device.CreateBuffer(bytes, WebGpuBufferUsage.Storage | WebGpuBufferUsage.CopySrc | WebGpuBufferUsage.CopyDst);
        using var readback = Device.CreateBuffer(bytes, WebGpuBufferUsage.MapRead | WebGpuBufferUsage.CopyDst);
        Device.WriteBuffer(data, 0, MemoryMarshal.AsBytes(input.AsSpan()));

        using var module = Device.CreateShaderModule(Doubler);
        using var pipeline = Device.CreateComputePipeline(module, "main");
        using var layout = pipeline.GetBindGroupLayout(0);
        using var group = Device.CreateBindGroup(layout, [data]);
        var encoder = Device.CreateCommandEncoder();
        encoder.Dispatch(pipeline, group, (uint)((input.Length + 63) / 64));
        encoder.CopyBufferToBuffer(data, 0, readback, 0, bytes);
        Device.Submit(encoder);

        readback.Map(WebGpuMapMode.Read, 0, bytes);
        float[] output = MemoryMarshal.Cast<byte, float>(readback.GetMappedRange(0, bytes)).ToArray();
        readback.Unmap();
        Assert.Equal(input.Select(x => x * 2f), output);
    }

    [Fact]
    public void Explicit_layout_with_read_only_input_and_uniform()
    {
        const string shader = """
            struct Params { scale: f32, count: u32 }
            @group(0) @binding(0) var<storage, read> src: array<f32>;
            @group(0) @binding(1) var<storage, read_write> dst: array<f32>;
            @group(0) @binding(2) var<uniform> p: Params;

            @compute @workgroup_size(32)
            fn scale(@builtin(global_invocation_id) id: vec3<u32>) {
                if (id.x < p.count) { dst[id.x] = src[id.x] * p.scale; }
            }
            """;
        float[] input = Enumerable.Range(1, 40).Select(i => (float)i).ToArray();
        ulong bytes = (ulong)(input.Length * 4);
        using var src = Device.CreateBuffer(bytes, WebGpuBufferUsage.Storage | WebGpuBufferUsage.CopyDst);
        using var dst = Device.CreateBuffer(bytes, WebGpuBufferUsage.Storage | WebGpuBufferUsage.CopySrc);
        using var uniforms = Device.CreateBuffer(16, WebGpuBufferUsage.Uniform | WebGpuBufferUsage.CopyDst);
        using var readback = Device.CreateBuffer(bytes, WebGpuBufferUsage.MapRead | WebGpuBufferUsage.CopyDst);
        Device.WriteBuffer(src, 0, MemoryMarshal.AsBytes(input.AsSpan()));
        byte[] u = new byte[16];
        BitConverter.TryWriteBytes(u.AsSpan(0), 3f);
        BitConverter.TryWriteBytes(u.AsSpan(4), (uint)input.Length);
        Device.WriteBuffer(uniforms, 0, u);

        using var layout = Device.CreateBindGroupLayout(
        [
            new WebGpuBindingEntry(0, WebGpuBindingKind.ReadOnlyStorage),
            new WebGpuBindingEntry(1, WebGpuBindingKind.Storage),
            new WebGpuBindingEntry(2, WebGpuBindingKind.Uniform, 8),
        ]);
        using var module = Device.CreateShaderModule(shader);
        using var pipeline = Device.CreateComputePipeline(module, "scale", layout);
        using var group = Device.CreateBindGroup(layout, [src, dst, uniforms]);
        var encoder = Device.CreateCommandEncoder();
        encoder.Dispatch(pipeline, group, 2);
        encoder.CopyBufferToBuffer(dst, 0, readback, 0, bytes);
        Device.Submit(encoder);
        readback.Map(WebGpuMapMode.Read, 0, bytes);
        float[] output = MemoryMarshal.Cast<byte, float>(readback.GetMappedRange(0, bytes)).ToArray();
        readback.Unmap();
        Assert.Equal(input.Select(x => x * 3f), output);
    }

    [Fact]
    public void Wgsl_compilation_error_has_line_and_column()
    {
        const string broken = "@compute @workgroup_size(1)\nfn main() {\n    let x: u32 = undefined_name + 1u;\n}\n";
        _ = Device;
        var e = Assert.Throws<WebGpuShaderCompilationException>(() => Device.CreateShaderModule(broken));
        var error = Assert.Single(e.Messages, m => m.IsError);
        Assert.Equal(3UL, error.Line);
        Assert.Equal(18UL, error.Column);
        Assert.Contains("undefined_name", error.Text);
        Assert.Contains("3:18: error:", e.Message);
    }

    [Fact]
    public void Validation_errors_throw_with_daws_message_and_leave_the_device_usable()
    {
        _ = Device;
        // MapRead may only be combined with CopyDst.
        var e = Assert.Throws<WebGpuException>(() => Device.CreateBuffer(64, WebGpuBufferUsage.MapRead | WebGpuBufferUsage.Storage));
        Assert.Contains("creating a buffer", e.Message);
        Assert.Contains("sage", e.Message); // "usage" / "Usage" in Dawn's text

        using var module = Device.CreateShaderModule(Doubler);
        Assert.Throws<WebGpuException>(() => Device.CreateComputePipeline(module, "no_such_entry_point"));

        using var ok = Device.CreateBuffer(64, WebGpuBufferUsage.CopyDst | WebGpuBufferUsage.MapRead);
        Assert.Throws<WebGpuException>(() => ok.GetMappedRange(0, 64)); // not mapped
        Assert.Throws<WebGpuException>(() => Device.WriteBuffer(ok, 60, new byte[8])); // past the end
        ok.Map(WebGpuMapMode.Read, 0, 64);
        Assert.Throws<WebGpuException>(() => ok.GetMappedRange(32, 64)); // outside the mapped range
        Assert.Equal(64, ok.GetMappedRange(0, 64).Length);
        ok.Unmap();
    }
}
