using TeeWasm.Gpu.Cpu;

namespace TeeWasm.Gpu.Tests.Cpu;

public sealed class BufferTests
{
    [Fact]
    public void WriteHonoursOffset()
    {
        using var gpu = TestData.Cpu();
        uint b = gpu.BufferCreate(8, BufferUsage.Storage).Value;
        gpu.BufferWrite(b, 3, [1, 2, 3]).Ok();
        var back = new byte[8];
        gpu.BufferRead(b, 0, back).Ok();
        Assert.Equal(new byte[] { 0, 0, 0, 1, 2, 3, 0, 0 }, back);
        var part = new byte[2];
        gpu.BufferRead(b, 4, part).Ok();
        Assert.Equal(new byte[] { 2, 3 }, part);
    }

    [Fact]
    public void RangesOutsideTheBufferAreRejected()
    {
        using var gpu = TestData.Cpu();
        uint b = gpu.BufferCreate(8, BufferUsage.Storage).Value;
        gpu.BufferWrite(b, 6, [1, 2, 3]).Fails(GpuError.InvalidParams);
        gpu.BufferWrite(b, ulong.MaxValue, [1]).Fails(GpuError.InvalidParams);
        gpu.BufferWrite(b, 8, []).Ok();
        gpu.BufferRead(b, 9, []).Fails(GpuError.InvalidParams);
        gpu.BufferRead(b, 1, new byte[8]).Fails(GpuError.InvalidParams);
        gpu.BufferCopy(b, 0, b, 4, 5).Fails(GpuError.InvalidParams);
        gpu.BufferCopy(b, ulong.MaxValue, b, 0, 2).Fails(GpuError.InvalidParams);
        gpu.BufferWrite(0, 0, [1]).Fails(GpuError.InvalidBuffer);
        gpu.BufferRead(12345, 0, new byte[1]).Fails(GpuError.InvalidBuffer);
    }

    [Fact]
    public void CopyBetweenAndWithinBuffers()
    {
        using var gpu = TestData.Cpu();
        uint a = gpu.BufferCreate(6, BufferUsage.CopySrc).Value, b = gpu.BufferCreate(6, BufferUsage.CopyDst).Value;
        gpu.BufferWrite(a, 0, [1, 2, 3, 4, 5, 6]).Ok();
        gpu.BufferCopy(a, 1, b, 2, 3).Ok();
        var back = new byte[6];
        gpu.BufferRead(b, 0, back).Ok();
        Assert.Equal(new byte[] { 0, 0, 2, 3, 4, 0 }, back);
        gpu.BufferCopy(a, 0, a, 2, 4).Ok(); // overlapping: memmove semantics
        gpu.BufferRead(a, 0, back).Ok();
        Assert.Equal(new byte[] { 1, 2, 1, 2, 3, 4 }, back);
    }

    [Fact]
    public void DestroyedBuffersAreGone()
    {
        using var gpu = TestData.Cpu();
        uint a = gpu.BufferCreate(4, BufferUsage.Storage).Value;
        gpu.BufferDestroy(a).Ok();
        gpu.BufferDestroy(a).Fails(GpuError.InvalidBuffer);
        gpu.BufferWrite(a, 0, [1]).Fails(GpuError.InvalidBuffer);
        Assert.NotEqual(a, gpu.BufferCreate(4, BufferUsage.Storage).Value); // ids are not reused
    }

    [Fact]
    public void MemoryLimitGivesOutOfMemory()
    {
        using var gpu = TestData.Cpu(limit: 1000);
        Assert.Equal(1000ul, gpu.DeviceInfo.TotalMemory);
        uint a = gpu.BufferCreate(600, BufferUsage.Storage).Value;
        Assert.Equal(GpuResult<uint>.Fail(GpuError.OutOfMemory), gpu.BufferCreate(401, BufferUsage.Storage));
        Assert.True(gpu.BufferCreate(400, BufferUsage.Storage).IsOk);
        Assert.Equal(1000, gpu.MemoryUsed);
        gpu.BufferDestroy(a).Ok();
        Assert.True(gpu.BufferCreate(600, BufferUsage.Storage).IsOk);
        Assert.Equal(GpuResult<uint>.Fail(GpuError.OutOfMemory), gpu.BufferCreate(ulong.MaxValue, BufferUsage.Storage));
        Assert.Equal(GpuResult<uint>.Fail(GpuError.OutOfMemory), gpu.BufferCreate(1UL << 40, BufferUsage.Storage));
    }

    [Fact]
    public void BufferCountIsLimited()
    {
        using var gpu = new CpuBackend(new CpuBackendOptions { MaxBuffers = 3 });
        for (int i = 0; i < 3; i++) Assert.True(gpu.BufferCreate(0, BufferUsage.None).IsOk);
        Assert.Equal(GpuResult<uint>.Fail(GpuError.OutOfMemory), gpu.BufferCreate(0, BufferUsage.None));
    }

    [Fact]
    public void UnknownUsageBitsAreInvalid() =>
        Assert.Equal(GpuResult<uint>.Fail(GpuError.InvalidParams), TestData.Cpu().BufferCreate(4, (BufferUsage)64));

    [Fact]
    public void DeviceInfoIsTruthful()
    {
        using var gpu = TestData.Cpu();
        var info = gpu.DeviceInfo;
        Assert.Matches(@"^CPU \((AVX-512|AVX2|AVX|NEON|SSE2|scalar), \d+ cores?\)$", info.Name);
        Assert.Equal("cpu", info.Backend);
        Assert.Equal((ulong)CpuBackendOptions.DefaultMemoryLimit, info.TotalMemory);
        Assert.False(info.IsHardware);
        Assert.Equal("", info.ComputeCapability);
    }
}

public sealed class SelectionTests
{
    [Fact]
    public void AutoAndCpuGiveTheCpuBackend()
    {
        using var auto = GpuBackendSelector.Create(GpuBackendKind.Auto);
        using var cpu = GpuBackendSelector.Create(GpuBackendKind.Cpu);
        Assert.IsType<CpuBackend>(auto);
        Assert.IsType<CpuBackend>(cpu);
    }

    [Fact]
    public void WebGpuSaysItIsMissing() =>
        Assert.Equal("WebGPU backend not available in this build",
            Assert.Throws<NotSupportedException>(() => GpuBackendSelector.Create(GpuBackendKind.WebGpu)).Message);

    [Fact]
    public void NoneIsUnavailableEverywhere()
    {
        using var gpu = GpuBackendSelector.Create(GpuBackendKind.None);
        Assert.Equal(DeviceInfo.None, gpu.DeviceInfo);
        Assert.Equal(GpuResult<uint>.Fail(GpuError.DeviceUnavailable), gpu.BufferCreate(4, BufferUsage.Storage));
        gpu.Matmul(new MatmulParams(1, 1, 1, false, false, 1, 0), 1, 2, 3).Fails(GpuError.DeviceUnavailable);
        gpu.BufferRead(1, 0, new byte[1]).Fails(GpuError.DeviceUnavailable);
    }
}
