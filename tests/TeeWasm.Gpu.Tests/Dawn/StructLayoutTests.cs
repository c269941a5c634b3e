using TeeWasm.Gpu.Dawn.Native;

namespace TeeWasm.Gpu.Tests.Dawn;

/// <summary>Checks our struct layouts against what the Dawn binary actually reads and writes.</summary>
public sealed unsafe class StructLayoutTests(DeviceFixture fixture) : IClassFixture<DeviceFixture>
{
    [Fact]
    public void Dawn_writes_no_more_limits_than_our_struct_holds_and_fields_sit_where_we_read_them()
    {
        var d = fixture.Device;
        const int size = 1024;
        byte* buf = stackalloc byte[size];
        new Span<byte>(buf, size).Fill(0xCD);
        *(nint*)buf = 0; // nextInChain
        Assert.Equal(WgpuConstants.StatusSuccess, d.Api.AdapterGetLimits(d.AdapterHandle, (WGPULimits*)buf));
        int last = 0;
        for (int i = 0; i < size; i++) if (buf[i] != 0xCD) last = i;
        Assert.True(last < sizeof(WGPULimits), $"Dawn wrote {last + 1} bytes of WGPULimits, ours has {sizeof(WGPULimits)}");
        var limits = *(WGPULimits*)buf;
        Assert.True(limits.MaxComputeWorkgroupsPerDimension >= 65535);
        Assert.True(limits.MaxStorageBufferBindingSize >= 128UL * 1024 * 1024);
        Assert.True(limits.MaxBufferSize >= limits.MaxStorageBufferBindingSize);
        Assert.True(limits.MaxBindGroups >= 4);
    }

    [Fact]
    public void Sizes_of_descriptors_match_the_c_layout()
    {
        Assert.Equal(16, sizeof(WGPUStringView));
        Assert.Equal(40, sizeof(WGPUCallbackInfo));
        Assert.Equal(24, sizeof(WGPUBufferBindingLayout));
        Assert.Equal(120, sizeof(WGPUBindGroupLayoutEntry)); // with bindingArraySize
        Assert.Equal(56, sizeof(WGPUBindGroupEntry));
        Assert.Equal(64, sizeof(WGPUCompilationMessage));
        Assert.Equal(48, sizeof(WGPUBufferDescriptor));
    }
}
