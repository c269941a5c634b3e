using TeeWasm.Gpu.Cpu;
using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Gpu.Tests.Conformance;

/// <summary>Conformance tests every backend passes; the CPU backend runs them in Cpu/CpuConformanceTests.cs.</summary>
public abstract class BufferTests
{
    /// <summary>A fresh backend under test whose buffers may hold <paramref name="memoryLimit"/> bytes in all.</summary>
    protected abstract IGpuBackend NewBackend(long memoryLimit = CpuBackendOptions.DefaultMemoryLimit);

    [Fact]
    public void WriteHonoursOffset()
    {
        using var gpu = NewBackend();
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
        using var gpu = NewBackend();
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
        using var gpu = NewBackend();
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
        using var gpu = NewBackend();
        uint a = gpu.BufferCreate(4, BufferUsage.Storage).Value;
        gpu.BufferDestroy(a).Ok();
        gpu.BufferDestroy(a).Fails(GpuError.InvalidBuffer);
        gpu.BufferWrite(a, 0, [1]).Fails(GpuError.InvalidBuffer);
        Assert.NotEqual(a, gpu.BufferCreate(4, BufferUsage.Storage).Value); // ids are not reused
    }

    [Fact]
    public void MemoryLimitGivesOutOfMemory()
    {
        using var gpu = NewBackend(1000);
        Assert.Equal(1000ul, gpu.DeviceInfo.TotalMemory);
        uint a = gpu.BufferCreate(600, BufferUsage.Storage).Value;
        Assert.Equal(GpuResult<uint>.Fail(GpuError.OutOfMemory), gpu.BufferCreate(401, BufferUsage.Storage));
        Assert.True(gpu.BufferCreate(400, BufferUsage.Storage).IsOk);
        gpu.BufferDestroy(a).Ok();
        Assert.True(gpu.BufferCreate(600, BufferUsage.Storage).IsOk);
        Assert.Equal(GpuResult<uint>.Fail(GpuError.OutOfMemory), gpu.BufferCreate(ulong.MaxValue, BufferUsage.Storage));
        Assert.Equal(GpuResult<uint>.Fail(GpuError.OutOfMemory), gpu.BufferCreate(1UL << 40, BufferUsage.Storage));
    }

    [Fact]
    public void UnknownUsageBitsAreInvalid() =>
        Assert.Equal(GpuResult<uint>.Fail(GpuError.InvalidParams), NewBackend().BufferCreate(4, (BufferUsage)64));
}
