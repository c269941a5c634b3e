using System.Buffers.Binary;
using System.Runtime.InteropServices;
using TeeWasm.Gpu;
using TeeWasm.Gpu.Cpu;
using TeeWasm.Gpu.Kernels;
using TeeWasm.Runtime.Interfaces.Gpu;

namespace TeeWasm.Runtime.Tests.Interfaces.Gpu;

/// <summary>The wasi:gpu host functions through the core-wasm ABI, with friendly and hostile WAT guests.</summary>
public sealed class GpuImportsTests
{
    private const int Storage = (int)(BufferUsage.Storage | BufferUsage.CopyDst | BufferUsage.CopySrc);
    private const int Ok = 0, Err = 1;

    private static GpuHarness Cpu(bool withRealloc = true, string reallocBody = GpuGuest.BumpRealloc, long limit = 1 << 20) =>
        new(GpuGuest.Module(withRealloc, reallocBody), new CpuBackend(new CpuBackendOptions { MemoryLimit = limit }));

    private static int Create(GpuHarness h, long size)
    {
        var (tag, id) = h.CallResult("call_buffer_create", size, Storage);
        Assert.Equal(Ok, tag);
        return id;
    }

    [Fact]
    public void GuestRunsMatmulAndReadsTheResultThroughCabiRealloc()
    {
        using var h = Cpu();
        int ptr = (int)h.Call("run_matmul")!;
        Assert.True(ptr >= 131072, $"run_matmul failed at step {ptr}");
        Assert.Equal(new float[] { 19, 22, 43, 50 }, MemoryMarshal.Cast<byte, float>(h.Memory.GetSpan(ptr, 16)).ToArray());
        Assert.Empty(h.Log);
    }

    [Fact]
    public void DeviceInfoIsWrittenWithStringsInGuestMemory()
    {
        using var h = Cpu();
        h.Call("call_get_device_info", GpuHarness.RetPtr);
        int r = GpuHarness.RetPtr;
        Assert.StartsWith("CPU (", h.ReadString(h.ReadInt(r), h.ReadInt(r + 4)));
        Assert.Equal("cpu", h.ReadString(h.ReadInt(r + 8), h.ReadInt(r + 12)));
        Assert.Equal(1L << 20, BitConverter.ToInt64(h.Memory.GetSpan(r + 16, 8)));
        Assert.Equal(0, h.ReadInt(r + 24));
        Assert.Equal(0, h.ReadInt(r + 32)); // compute capability: empty
    }

    [Fact]
    public void EveryImportExistsWithoutADevice()
    {
        using var h = new GpuHarness(GpuGuest.Module(), GpuBackendSelector.Create(GpuBackendKind.None));
        h.Memory.GetSpan(GpuHarness.RetPtr, 40).Fill(0xAA);
        h.Call("call_get_device_info", GpuHarness.RetPtr);
        Assert.Equal(0, h.ReadInt(GpuHarness.RetPtr + 4));  // name ""
        Assert.Equal(0, h.ReadInt(GpuHarness.RetPtr + 12)); // backend ""
        Assert.Equal(0L, BitConverter.ToInt64(h.Memory.GetSpan(GpuHarness.RetPtr + 16, 8)));
        Assert.Equal((Err, (int)GpuError.DeviceUnavailable), h.CallResult("call_buffer_create", 16L, Storage));
        Assert.Equal((Err, (int)GpuError.DeviceUnavailable), h.CallResult("call_matmul", 1, 1, 1, 0, 0, 1f, 0f, 1, 2, 3));
        Assert.Equal((Err, (int)GpuError.DeviceUnavailable), h.CallResult("call_buffer_read", 1, 0L, 4));
        Assert.Equal(-1, h.Call("run_matmul"));
    }

    [Fact]
    public void WriteHonoursOffsetAndReadReturnsAGuestList()
    {
        using var h = Cpu();
        int id = Create(h, 8);
        int data = h.Put([1, 2, 3]);
        Assert.Equal((Ok, 0), h.CallResult("call_buffer_write", id, 4L, data, 3));
        var (tag, ptr) = h.CallResult("call_buffer_read", id, 2L, 6);
        Assert.Equal(Ok, tag);
        Assert.Equal(6, h.ReadInt(GpuHarness.RetPtr + 8));
        Assert.Equal(new byte[] { 0, 0, 1, 2, 3, 0 }, h.Memory.GetSpan(ptr, 6).ToArray());
    }

    [Fact]
    public void KernelsThroughTheAbi()
    {
        using var h = Cpu();
        int input = Create(h, 16), output = Create(h, 16);
        h.Put(MemoryMarshal.AsBytes<float>([1f, 4f, 9f, 16f]));
        Assert.Equal((Ok, 0), h.CallResult("call_buffer_write", input, 0L, GpuHarness.InputArea, 16));
        Assert.Equal((Ok, 0), h.CallResult("call_elementwise", 4, (int)ElementwiseOp.Sqrt, input, 0, 0, output));
        Assert.Equal((Ok, 0), h.CallResult("call_reduce", 4, (int)ReduceOp.Sum, output, input));
        var (_, ptr) = h.CallResult("call_buffer_read", input, 0L, 4);
        Assert.Equal(10f, BitConverter.ToSingle(h.Memory.GetSpan(ptr, 4)));
        Assert.Equal((Ok, 0), h.CallResult("call_bootstrap", 4, 42, 353, output));
        Assert.Equal((Ok, 0), h.CallResult("call_average", 2, 2, input, output));
        Assert.Equal((Ok, 0), h.CallResult("call_buffer_copy", input, 0L, output, 4L, 8L));
        Assert.Equal((Ok, 0), h.CallResult("call_buffer_destroy", output));
        h.Call("call_sync");
    }

    [Theory]
    [InlineData(2)]   // not an option<u32> discriminant
    [InlineData(-1)]
    public void ElementwiseRejectsABadOptionTag(int isSome)
    {
        using var h = Cpu();
        int a = Create(h, 16);
        Assert.Equal((Err, (int)GpuError.InvalidParams), h.CallResult("call_elementwise", 4, (int)ElementwiseOp.Add, a, isSome, a, a));
    }

    [Fact]
    public void FindSplitOutOfRangeRowIsInvalidParams()
    {
        using var h = Cpu();
        int data = Create(h, 16), labels = Create(h, 16), indices = Create(h, 8), thresholds = Create(h, 4), scores = Create(h, 4);
        h.Put(MemoryMarshal.AsBytes<uint>([1, 4]));
        Assert.Equal((Ok, 0), h.CallResult("call_buffer_write", indices, 0L, GpuHarness.InputArea, 8));
        Assert.Equal((Err, (int)GpuError.InvalidParams), h.CallResult("call_find_split", 2, 1, 0, 1, data, labels, indices, thresholds, scores));
    }

    [Fact]
    public void ErrorsCarryTheirCodes()
    {
        using var h = Cpu(limit: 64);
        Assert.Equal((Err, (int)GpuError.OutOfMemory), h.CallResult("call_buffer_create", 65L, Storage));
        Assert.Equal((Err, (int)GpuError.OutOfMemory), h.CallResult("call_buffer_create", -1L, Storage));
        Assert.Equal((Err, (int)GpuError.InvalidParams), h.CallResult("call_buffer_create", 4L, 1 << 6));
        Assert.Equal((Err, (int)GpuError.InvalidBuffer), h.CallResult("call_buffer_destroy", 77));
        Assert.Equal((Err, (int)GpuError.InvalidBuffer), h.CallResult("call_buffer_read", 77, 0L, 4));
        int id = Create(h, 8);
        Assert.Equal((Err, (int)GpuError.InvalidParams), h.CallResult("call_buffer_read", id, 4L, 5));
        Assert.Equal((Err, (int)GpuError.InvalidParams), h.CallResult("call_buffer_read", id, -1L, 1));
        Assert.Equal((Err, (int)GpuError.InvalidParams), h.CallResult("call_buffer_read", id, 0L, -1));
        Assert.Equal((Err, (int)GpuError.InvalidParams), h.CallResult("call_matmul", 2, 2, 2, 1, 1, 1f, 0f, id, id, id));
        Assert.Equal((Err, (int)GpuError.InvalidParams), h.CallResult("call_reduce", 2, 9, id, id));
        Assert.Equal((Err, (int)GpuError.InvalidParams), h.CallResult("call_batch_predict", 1, 1, 0, 1, id, id, id, id));
    }

    [Theory]
    [InlineData(-1, 8)]
    [InlineData(0, -1)]
    [InlineData(int.MaxValue, 8)]
    [InlineData(262140, 8)]      // crosses the end of the 4-page memory
    [InlineData(0, int.MaxValue)]
    public void HostileDataPointerIsInvalidParams(int ptr, int len)
    {
        using var h = Cpu();
        int id = Create(h, 8);
        Assert.Equal((Err, (int)GpuError.InvalidParams), h.CallResult("call_buffer_write", id, 0L, ptr, len));
        Assert.NotEmpty(h.Log);
    }

    [Theory]
    [InlineData(-8)]
    [InlineData(int.MaxValue)]
    [InlineData(262140)]         // only 4 of the 8 result bytes would fit
    [InlineData(262136 - 20)]    // device-info needs 36 bytes
    public void HostileRetptrRunsNothingAndWritesNothing(int retptr)
    {
        using var h = Cpu();
        byte[] before = h.Snapshot();
        h.Call("call_get_device_info", retptr);
        if (retptr != 262136 - 20)
        {
            h.Call("call_buffer_create", 16L, Storage, retptr);
            h.Call("call_buffer_read", 1, 0L, 4, retptr);
            h.Call("call_matmul", 1, 1, 1, 0, 0, 1f, 0f, 1, 2, 3, retptr);
        }
        Assert.True(before.AsSpan().SequenceEqual(h.Snapshot()), "guest memory changed");
        Assert.Equal(0, ((CpuBackend)h.Backend).BufferCount);
        Assert.NotEmpty(h.Log);
    }

    /// <summary>
    /// Issue 12 item 11: in a guest whose memory passes 2 GiB, a retptr, a data pointer and the guest allocator's blocks
    /// at or above 0x8000_0000 (negative as i32) are addresses like any other, and still range-checked.
    /// </summary>
    [Fact]
    public void PointersAtAndAbove2GiBAreAddresses()
    {
        const uint high = 0x8000_0000, heap = high + 0x1_0000;
        using var h = new GpuHarness(GpuGuest.Module(pages: 32770, heapStart: heap), new CpuBackend(new CpuBackendOptions { MemoryLimit = 1 << 20 }));
        int retptr = unchecked((int)high);
        int Tag()
        {
            int tag = BinaryPrimitives.ReadInt32LittleEndian(h.Memory.GetSpan(high, 4));
            Assert.NotEqual(unchecked((int)0xAAAAAAAA), tag); // nothing written
            return tag;
        }
        int Payload(int at = 4) => BinaryPrimitives.ReadInt32LittleEndian(h.Memory.GetSpan(high + (uint)at, 4));

        h.Memory.GetSpan(high, 12).Fill(0xAA);
        h.Call("call_buffer_create", 16L, Storage, retptr);
        Assert.Equal(Ok, Tag());
        int id = Payload();
        byte[] data = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
        data.CopyTo(h.Memory.GetSpan(high + 0x100, data.Length));
        h.Memory.GetSpan(high, 12).Fill(0xAA);
        h.Call("call_buffer_write", id, 0L, unchecked((int)(high + 0x100)), data.Length, retptr);
        Assert.Equal(Ok, Tag());
        h.Memory.GetSpan(high, 12).Fill(0xAA);
        h.Call("call_buffer_read", id, 0L, data.Length, retptr);
        Assert.Equal(Ok, Tag());
        uint list = (uint)Payload();
        Assert.True(list >= heap, $"list at {list:x}: not the guest's allocation");
        Assert.Equal(data.Length, Payload(8));
        Assert.Equal(data, h.Memory.GetSpan(list, data.Length).ToArray());
        Assert.DoesNotContain(h.Log, line => line.Contains("negative"));

        // Still range-checked: data running past the end of memory is refused.
        h.Memory.GetSpan(high, 12).Fill(0xAA);
        h.Call("call_buffer_write", id, 0L, unchecked((int)(32770u * 65536 - 8)), 16, retptr);
        Assert.Equal((Err, (int)GpuError.InvalidParams), (Tag(), Payload()));
    }

    [Fact]
    public void BufferReadWithoutCabiReallocIsAnErrorNotATrap()
    {
        using var h = Cpu(withRealloc: false);
        int id = Create(h, 8);
        Assert.Equal((Err, (int)GpuError.InvalidParams), h.CallResult("call_buffer_read", id, 0L, 4));
        Assert.Equal((Ok, 0), h.CallResult("call_buffer_read", id, 0L, 0) with { Payload = 0 }); // an empty list needs no allocation
        Assert.Contains(h.Log, l => l.Contains("no 'cabi_realloc'"));
        h.Call("call_get_device_info", GpuHarness.RetPtr); // strings come back empty
        Assert.Equal(0, h.ReadInt(GpuHarness.RetPtr + 4));
    }

    [Theory]
    [InlineData("(i32.const 0)")]
    [InlineData("(i32.const -8)")]
    [InlineData("(i32.const 262140)")]   // block would cross the end of memory
    public void BadAllocatorResultIsNeverWrittenThrough(string returned)
    {
        using var h = Cpu(reallocBody: returned);
        int id = Create(h, 8);
        h.Put([9, 9, 9, 9, 9, 9, 9, 9]);
        Assert.Equal((Ok, 0), h.CallResult("call_buffer_write", id, 0L, GpuHarness.InputArea, 8));
        byte[] before = h.Snapshot();
        Assert.Equal((Err, (int)GpuError.InvalidParams), h.CallResult("call_buffer_read", id, 0L, 8));
        byte[] after = h.Snapshot();
        after.AsSpan(GpuHarness.RetPtr, 16).Clear();
        before.AsSpan(GpuHarness.RetPtr, 16).Clear();
        Assert.True(before.AsSpan().SequenceEqual(after), "guest memory changed outside the result area");
        Assert.Contains(h.Log, l => l.Contains("cabi_realloc returned"));
    }

    [Fact]
    public void CreateBackendGivesTheWebGpuBackend()
    {
        using var gpu = GpuImports.CreateBackend(GpuBackendKind.WebGpu);
        Assert.Equal("webgpu-vulkan", gpu.DeviceInfo.Backend);
        Assert.True(gpu.DeviceInfo.TotalMemory > 0);
    }
}
