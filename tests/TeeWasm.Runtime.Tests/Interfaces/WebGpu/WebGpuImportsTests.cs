using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using TeeWasm.Runtime.Interfaces.WebGpu;

namespace TeeWasm.Runtime.Tests.Interfaces.WebGpu;

/// <summary>wasi:webgpu through a real guest instance on real Dawn (lavapipe on machines without a GPU).</summary>
public sealed class WebGpuImportsTests
{
    private const int MapRead = 0x1, CopySrc = 0x4, CopyDst = 0x8, Uniform = 0x40, Storage = 0x80;

    private const string Doubler = """
        @group(0) @binding(0) var<storage, read_write> data: array<f32>;
        @compute @workgroup_size(64)
        fn main(@builtin(global_invocation_id) id: vec3<u32>) {
            if (id.x < arrayLength(&data)) { data[id.x] = data[id.x] * 2.0; }
        }
        """;

    private const string AddScaled = """
        struct Params { scale: f32, count: u32 }
        @group(0) @binding(0) var<storage, read> a: array<f32>;
        @group(0) @binding(1) var<storage, read> b: array<f32>;
        @group(0) @binding(2) var<storage, read_write> out: array<f32>;
        @group(0) @binding(3) var<uniform> p: Params;
        @compute @workgroup_size(32)
        fn add_scaled(@builtin(global_invocation_id) id: vec3<u32>) {
            if (id.x < p.count) { out[id.x] = a[id.x] + p.scale * b[id.x]; }
        }
        """;

    private static byte[] Floats(float[] v) => MemoryMarshal.AsBytes(v.AsSpan()).ToArray();

    private static float[] ToFloats(byte[] b) => MemoryMarshal.Cast<byte, float>(b).ToArray();

    [Fact]
    public void Guest_doubles_a_buffer_with_an_auto_layout_and_a_bind_group_from_a_real_id_array()
    {
        using var h = new WebGpuHarness().Setup();
        float[] input = Enumerable.Range(0, 100).Select(i => i - 50.5f).ToArray();
        int bytes = input.Length * 4;
        int readback = h.Call("create-buffer", h.Device, (long)bytes, MapRead | CopyDst);
        int decoy = h.Call("create-buffer", h.Device, 64L, Storage); // ids are not consecutive on purpose
        int data = h.Call("create-buffer", h.Device, (long)bytes, Storage | CopySrc | CopyDst);
        Assert.All(new[] { readback, decoy, data }, id => Assert.NotEqual(0, id));
        var (p, l) = h.Put(Floats(input));
        h.Call("queue-write-buffer", h.Queue, data, 0L, p, l);

        int shader = h.Shader(Doubler);
        int autoLayout = h.Call("create-bind-group-layout", h.Device, 0, 0); // entries_ptr 0 = the pipeline's auto layout
        int pipeline = h.Pipeline(shader, "main", autoLayout);
        int group = h.BindGroup(autoLayout, data);
        int groupViaPipeline = h.BindGroup(pipeline, data); // a pipeline id also names its group-0 layout
        Assert.True(shader != 0 && pipeline != 0 && group != 0 && groupViaPipeline != 0, h.LastError());

        int encoder = h.Call("create-command-encoder", h.Device);
        h.Call("dispatch-compute", encoder, pipeline, group, 2, 1, 1);
        h.Call("copy-buffer-to-buffer", encoder, data, 0L, readback, 0L, (long)bytes);
        h.Call("submit-commands", h.Queue, encoder);
        Assert.Null(h.LastError());
        Assert.Equal(input.Select(x => x * 2), ToFloats(h.ReadBuffer(readback, bytes)));
        Assert.Null(h.LastError());
    }

    /// <summary>
    /// The AddScaled inputs: buffers a, b, out and the uniforms, created one after the other (consecutive ids, as
    /// original-era guests made them), then a readback buffer; a and b written with <c>a[i] = i</c>, <c>b[i] = 100 - i</c>.
    /// </summary>
    private static (int A, int B, int Out, int Uniforms, int Readback, float[] AValues, float[] BValues) AddScaledBuffers(WebGpuHarness h)
    {
        const int n = 40;
        float[] a = Enumerable.Range(0, n).Select(i => (float)i).ToArray();
        float[] b = Enumerable.Range(0, n).Select(i => 100f - i).ToArray();
        int ba = h.Call("create-buffer", h.Device, n * 4L, Storage | CopyDst);
        int bb = h.Call("create-buffer", h.Device, n * 4L, Storage | CopyDst);
        int bo = h.Call("create-buffer", h.Device, n * 4L, Storage | CopySrc);
        int bu = h.Call("create-buffer", h.Device, 16L, Uniform | CopyDst);
        int rb = h.Call("create-buffer", h.Device, n * 4L, MapRead | CopyDst);
        var (pa, la) = h.Put(Floats(a));
        var (pb, lb) = h.Put(Floats(b));
        h.Call("queue-write-buffer", h.Queue, ba, 0L, pa, la);
        h.Call("queue-write-buffer", h.Queue, bb, 0L, pb, lb);
        var uniforms = new byte[16];
        BitConverter.TryWriteBytes(uniforms.AsSpan(0), 0.5f);
        BitConverter.TryWriteBytes(uniforms.AsSpan(4), n);
        var (pu, lu) = h.Put(uniforms);
        h.Call("queue-write-buffer", h.Queue, bu, 0L, pu, lu);
        return (ba, bb, bo, bu, rb, a, b);
    }

    /// <summary><see cref="AddScaledBuffers"/> and the AddScaled pipeline on an automatic layout.</summary>
    private static (int First, int Layout, int Pipeline, int Readback, float[] A, float[] B) AddScaledSetup(WebGpuHarness h)
    {
        var (ba, bb, bo, bu, rb, a, b) = AddScaledBuffers(h);
        Assert.Equal([ba + 1, ba + 2, ba + 3], new[] { bb, bo, bu });
        int layout = h.Call("create-bind-group-layout", h.Device, 0, 0);
        int pipeline = h.Pipeline(h.Shader(AddScaled), "add_scaled", layout);
        Assert.True(pipeline != 0, h.LastError());
        return (ba, layout, pipeline, rb, a, b);
    }

    [Fact]
    public void An_original_era_guest_may_pass_the_first_buffer_id_and_gets_the_consecutive_buffers()
    {
        using var h = new WebGpuHarness(originalEra: true).Setup();
        var (first, layout, pipeline, rb, a, b) = AddScaledSetup(h);
        int group = h.Call("create-bind-group", h.Device, layout, 4, first); // the id where the ABI has a pointer
        Assert.True(group != 0, h.LastError());
        Assert.NotEqual(0, h.Call("create-bind-group", h.Device, layout, 4, first));
        int encoder = h.Call("create-command-encoder", h.Device);
        h.Call("dispatch-compute", encoder, pipeline, group, 2, 1, 1);
        h.Call("copy-buffer-to-buffer", encoder, first + 2, 0L, rb, 0L, 160L);
        h.Call("submit-commands", h.Queue, encoder);
        Assert.Null(h.LastError());
        Assert.Equal(a.Zip(b, (x, y) => x + 0.5f * y), ToFloats(h.ReadBuffer(rb, 160)));
        Assert.Equal(
            $"wasi:webgpu create-bind-group: buffer_ids_ptr {first} taken as the first buffer id (the original host's convention: binding i = buffer {first}+i) for this guest, which imports only the original functions",
            Assert.Single(h.Log, l => l.Contains("first buffer id", StringComparison.Ordinal)));

        // A real id array still means what it says (b and a swapped).
        int swapped = h.BindGroup(layout, first + 1, first, first + 2, first + 3);
        Assert.True(swapped != 0, h.LastError());
    }

    [Fact]
    public void The_first_buffer_id_must_start_a_run_of_live_buffers()
    {
        using var h = new WebGpuHarness(originalEra: true).Setup();
        var (_, layout, _, rb, _, _) = AddScaledSetup(h);
        Assert.Equal(0, h.Call("create-bind-group", h.Device, layout, 2, rb)); // rb + 1 is the layout, not a buffer
        Assert.Equal("create-bind-group: binding 0: id 0 is not a live buffer", h.LastError());
    }

    [Fact]
    public void Other_guests_passing_a_first_buffer_id_get_an_error_naming_the_convention_not_zeros()
    {
        using var h = new WebGpuHarness().Setup();
        var (first, layout, _, _, _, _) = AddScaledSetup(h);
        Assert.Equal(0, h.Call("create-bind-group", h.Device, layout, 4, first));
        Assert.Equal(
            $"create-bind-group: binding 0: id 0 is not a live buffer (buffer_ids_ptr {first} is itself a buffer id, the original host's convention: "
            + "it is accepted only from guests that import none of get-last-error, destroy-buffer, release-*; pass a pointer to the ids)",
            h.LastError());
    }

    [Fact]
    public void Explicit_layout_entries_are_read_from_guest_memory()
    {
        using var h = new WebGpuHarness().Setup();
        var (ba, bb, bo, bu, rb, a, b) = AddScaledBuffers(h);
        int bytes = a.Length * 4;

        // {binding, type (0 storage rw, 1 storage read-only, 2 uniform), min size}
        var (entries, _) = h.PutU32(0, 1, 0, 1, 1, 0, 2, 0, 0, 3, 2, 8);
        int layout = h.Call("create-bind-group-layout", h.Device, 4, entries);
        Assert.True(layout != 0, h.LastError());
        int pipeline = h.Pipeline(h.Shader(AddScaled), "add_scaled", layout);
        int group = h.BindGroup(layout, ba, bb, bo, bu);
        Assert.True(pipeline != 0 && group != 0, h.LastError());
        int encoder = h.Call("create-command-encoder", h.Device);
        h.Call("dispatch-compute", encoder, pipeline, group, 2, 1, 1);
        h.Call("copy-buffer-to-buffer", encoder, bo, 0L, rb, 0L, (long)bytes);
        h.Call("submit-commands", h.Queue, encoder);
        Assert.Null(h.LastError());
        Assert.Equal(a.Zip(b, (x, y) => x + 0.5f * y), ToFloats(h.ReadBuffer(rb, bytes)));

        // Released layout: its id is gone, but the pipeline (and a bind group made through the pipeline id) still work.
        Assert.Equal(1, h.Call("release-bind-group-layout", layout));
        Assert.Equal(0, h.Call("release-bind-group-layout", layout));
        Assert.Contains("not a live bind group layout", h.LastError());
        Assert.Equal(0, h.BindGroup(layout, ba, bb, bo, bu));
        Assert.Contains("not a live", h.LastError());
        Assert.Equal(1, h.Call("release-bind-group", group));
        int group2 = h.BindGroup(pipeline, bb, ba, bo, bu); // a and b swapped
        Assert.True(group2 != 0, h.LastError());
        int encoder2 = h.Call("create-command-encoder", h.Device);
        h.Call("dispatch-compute", encoder2, pipeline, group2, 2, 1, 1);
        h.Call("copy-buffer-to-buffer", encoder2, bo, 0L, rb, 0L, (long)bytes);
        h.Call("submit-commands", h.Queue, encoder2);
        Assert.Null(h.LastError());
        Assert.Equal(b.Zip(a, (x, y) => x + 0.5f * y), ToFloats(h.ReadBuffer(rb, bytes)));
        Assert.Equal(1, h.Call("release-compute-pipeline", pipeline));
        Assert.Equal(0, h.Call("release-compute-pipeline", pipeline));
        h.LastError();

        // A layout whose kinds do not match the shader is refused with Dawn's reason.
        var (wrong, _) = h.PutU32(0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 0, 0);
        int wrongLayout = h.Call("create-bind-group-layout", h.Device, 4, wrong);
        Assert.Equal(0, h.Pipeline(h.Shader(AddScaled), "add_scaled", wrongLayout));
        Assert.Contains("create-compute-pipeline", h.LastError());
        var (badType, _) = h.PutU32(0, 7, 0);
        Assert.Equal(0, h.Call("create-bind-group-layout", h.Device, 1, badType));
        Assert.Contains("type 7", h.LastError());
    }

    [Fact]
    public void Wgsl_compilation_error_reaches_the_guest_with_line_and_column()
    {
        using var h = new WebGpuHarness().Setup();
        Assert.Equal(0, h.Shader("@compute @workgroup_size(1)\nfn main() {\n  let x = 1u +;\n}\n"));
        string? error = h.LastError();
        Assert.NotNull(error);
        Assert.StartsWith("create-shader-module: WGSL compilation failed: 3:", error);
        Assert.Matches(@"3:\d+: error: ", error);
        Assert.Null(h.LastError()); // reading clears it

        var (bad, _) = h.Put([0x66, 0x6e, 0xff, 0xfe]);
        Assert.Equal(0, h.Call("create-shader-module", h.Device, bad, 4));
        Assert.Contains("not valid UTF-8", h.LastError());
    }

    [Fact]
    public void Hostile_ids_offsets_and_pointers_give_0_and_an_error_never_a_crash()
    {
        using var h = new WebGpuHarness().Setup();
        int buf = h.Call("create-buffer", h.Device, 256L, Storage | CopySrc | CopyDst);
        int rb = h.Call("create-buffer", h.Device, 256L, MapRead | CopyDst);
        int shader = h.Shader(Doubler);
        int pipeline = h.Pipeline(shader, "main");
        int encoder = h.Call("create-command-encoder", h.Device);
        int memSize = WebGpuHarness.MemoryPages * 65536;

        foreach (int bad in new[] { 0, -1, 9999, int.MaxValue, int.MinValue })
        {
            Assert.Equal(0, h.Call("request-adapter", bad, 0));
            Assert.Equal(0, h.Call("request-device", bad));
            Assert.Equal(0, h.Call("get-queue", bad));
            Assert.Equal(0, h.Call("create-buffer", bad, 64L, Storage));
            Assert.Equal(0, h.Call("create-command-encoder", bad));
            Assert.Equal(0, h.Call("destroy-buffer", bad));
            Assert.Equal(0, h.Call("release-bind-group", bad));
            h.Call("buffer-unmap", bad);
            h.Call("dispatch-compute", bad, pipeline, 0, 1, 1, 1);
            h.Call("submit-commands", bad, encoder);
            Assert.NotNull(h.LastError());
        }
        // Right number, wrong kind: a buffer id used as a device, a shader as a buffer, the queue as a pipeline.
        Assert.Equal(0, h.Call("create-buffer", buf, 64L, Storage));
        Assert.Contains($"id {buf} is a buffer, not a device", h.LastError());
        h.Call("queue-write-buffer", h.Queue, shader, 0L, 1024, 4);
        Assert.Contains("not a buffer", h.LastError());
        h.Call("dispatch-compute", encoder, h.Queue, 0, 1, 1, 1);
        Assert.Contains("not a compute pipeline", h.LastError());

        // Offsets and sizes outside the buffer; negative ones.
        foreach (var (off, len) in new[] { (250L, 16), (-8L, 4), (long.MaxValue, 4), (256L, 4) })
        {
            h.Call("queue-write-buffer", h.Queue, buf, off, 1024, len);
            Assert.Matches("outside the buffer|negative offset", h.LastError() ?? "");
        }
        h.Call("copy-buffer-to-buffer", encoder, buf, 128L, rb, 0L, 256L);
        Assert.Contains("outside the buffer", h.LastError());
        h.Call("copy-buffer-to-buffer", encoder, buf, 0L, rb, long.MaxValue, 8L);
        Assert.Contains("outside the buffer", h.LastError());
        h.Call("buffer-map-async", rb, 1, 0L, 512L, 0, 0);
        Assert.Contains("outside the buffer", h.LastError());

        // Guest pointers outside guest memory (pointers are unsigned: -1 is 4 GiB - 1).
        foreach (int ptr in new[] { memSize - 2, -1, int.MaxValue, int.MinValue })
        {
            h.Call("queue-write-buffer", h.Queue, buf, 0L, ptr, 16);
            Assert.Contains("outside guest memory", h.LastError());
            Assert.Equal(0, h.Call("create-shader-module", h.Device, ptr, 16));
            Assert.Contains("outside guest memory", h.LastError());
            Assert.Equal(0, h.Call("create-bind-group", h.Device, pipeline, 1, ptr));
            Assert.Contains("outside guest memory", h.LastError());
        }
        Assert.Equal(0, h.Call("create-shader-module", h.Device, 1024, -5));
        Assert.NotNull(h.LastError());
        Assert.Equal(0, h.Call("create-bind-group-layout", h.Device, int.MaxValue, 1024));
        Assert.Contains("entry count", h.LastError());
        Assert.Equal(0, h.Call("create-bind-group", h.Device, pipeline, -1, 1024));
        Assert.Contains("buffer count", h.LastError());
        Assert.Equal(0, h.Call("create-compute-pipeline", h.Device, shader, 1024, 1 << 30, 0));
        Assert.Contains("entry point name length", h.LastError());

        // Mapped range: into guest memory only, only while mapped, only inside the mapped range.
        h.Call("buffer-get-mapped-range", rb, 0L, 16L, 1024);
        Assert.Contains("not mapped", h.LastError());
        h.Call("buffer-map-async", rb, 1, 0L, 64L, 0, 0);
        Assert.Null(h.LastError());
        h.Call("buffer-get-mapped-range", rb, 0L, 64L, memSize - 32);
        Assert.Contains("outside guest memory", h.LastError());
        h.Call("buffer-get-mapped-range", rb, 64L, 64L, 1024);
        Assert.Contains("not mapped", h.LastError());
        h.Call("buffer-get-mapped-range", rb, 0L, 64L, 1024);
        Assert.Null(h.LastError());
        h.Call("buffer-unmap", rb);

        // A bind group whose ids include a non-buffer, or a released buffer.
        Assert.Equal(0, h.BindGroup(pipeline, shader));
        Assert.Contains("is not a live buffer", h.LastError());
        int gone = h.Call("create-buffer", h.Device, 64L, Storage);
        Assert.Equal(1, h.Call("destroy-buffer", gone));
        Assert.Equal(0, h.BindGroup(pipeline, gone));
        Assert.Contains("is not a live buffer", h.LastError());

        // Absurd workgroup counts are refused before Dawn sees them; a consumed encoder is gone.
        h.Call("dispatch-compute", encoder, pipeline, 0, -1, 1, 1);
        Assert.Contains("workgroup count", h.LastError());
        h.Call("submit-commands", h.Queue, encoder);
        h.LastError(); // whatever Dawn said about an encoder with no bind group
        h.Call("submit-commands", h.Queue, encoder);
        Assert.Contains("not a live command encoder", h.LastError());

        // After all that the device still works.
        var (p, l) = h.Put(Floats([1, 2, 3, 4]));
        h.Call("queue-write-buffer", h.Queue, buf, 0L, p, l);
        int group = h.BindGroup(pipeline, buf);
        int enc2 = h.Call("create-command-encoder", h.Device);
        h.Call("dispatch-compute", enc2, pipeline, group, 1, 1, 1);
        h.Call("copy-buffer-to-buffer", enc2, buf, 0L, rb, 0L, 16L);
        h.Call("submit-commands", h.Queue, enc2);
        Assert.Null(h.LastError());
        Assert.Equal(new float[] { 2, 4, 6, 8 }, ToFloats(h.ReadBuffer(rb, 16)));
    }

    /// <summary>
    /// Issue 12 item 11: in a guest whose memory passes 2 GiB, source and destination pointers at or above 0x8000_0000
    /// and the guest allocator's blocks there (get-last-error's message) are used as addresses.
    /// </summary>
    [Fact]
    public void Pointers_at_and_above_2_GiB_are_addresses()
    {
        const uint high = 0x8000_0000, heap = high + 0x1_0000;
        using var h = new WebGpuHarness(pages: 32770, heapStart: heap).Setup();
        Assert.Equal(0, h.Call("create-buffer", h.Device, 0L, Storage));
        int error = h.Call("get-last-error");
        Assert.True((uint)error >= heap, $"message at {(uint)error:x}: not the guest's allocation");
        Assert.Equal("create-buffer: size 0 must be positive", System.Text.Encoding.UTF8.GetString(h.Memory.GetSpan((uint)error + 4L, System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(h.Memory.GetSpan((uint)error, 4)))));

        float[] input = [1, 2, 3, 4];
        Floats(input).CopyTo(h.Memory.GetSpan(high + 0x100, 16));
        int readback = h.Call("create-buffer", h.Device, 16L, MapRead | CopyDst);
        int data = h.Call("create-buffer", h.Device, 16L, Storage | CopySrc | CopyDst);
        h.Call("queue-write-buffer", h.Queue, data, 0L, unchecked((int)(high + 0x100)), 16);
        int encoder = h.Call("create-command-encoder", h.Device);
        h.Call("copy-buffer-to-buffer", encoder, data, 0L, readback, 0L, 16L);
        h.Call("submit-commands", h.Queue, encoder);
        h.Call("buffer-map-async", readback, 1, 0L, 16L, 0, 0);
        h.Call("buffer-get-mapped-range", readback, 0L, 16L, unchecked((int)(high + 0x200)));
        Assert.Null(h.LastError());
        Assert.Equal(input, ToFloats(h.Memory.GetSpan(high + 0x200, 16).ToArray()));
    }

    [Fact]
    public void Map_and_unmap_in_the_wrong_state_fail_cleanly()
    {
        using var h = new WebGpuHarness().Setup();
        int rb = h.Call("create-buffer", h.Device, 64L, MapRead | CopyDst);
        h.Call("buffer-unmap", rb); // not mapped: Dawn accepts it (no-op) or reports it; never a crash
        h.LastError();
        h.Call("buffer-map-async", rb, 1, 0L, 64L, 0, 0);
        Assert.Null(h.LastError());
        h.Call("buffer-map-async", rb, 1, 0L, 64L, 0, 0); // already mapped
        Assert.Contains("buffer-map-async", h.LastError());
        h.Call("buffer-map-async", rb, 2, 0L, 64L, 0, 0); // map for writing without MAP_WRITE
        Assert.NotNull(h.LastError());
        h.Call("buffer-unmap", rb);
        Assert.Null(h.LastError());
        int storage = h.Call("create-buffer", h.Device, 64L, Storage);
        h.Call("buffer-map-async", storage, 1, 0L, 64L, 0, 0); // not mappable
        Assert.Contains("buffer-map-async", h.LastError());
        Assert.Equal(1, h.Call("destroy-buffer", rb));
        h.Call("buffer-get-mapped-range", rb, 0L, 4L, 1024);
        Assert.Contains("not a live buffer", h.LastError());
    }

    [Fact]
    public void Without_cabi_realloc_get_last_error_comes_in_the_hosts_result_area()
    {
        using var h = new WebGpuHarness(exportRealloc: false);
        long size = h.Memory.GetLength();
        byte[] before = h.Memory.GetSpan(0, (int)size).ToArray();
        Assert.Equal(0, h.Call("create-buffer", 12345, 64L, Storage));
        int ptr = h.Call("get-last-error");
        Assert.Equal(size, ptr); // past the guest's memory
        int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(h.Memory.GetSpan(ptr, 4));
        Assert.StartsWith("create-buffer: ", Encoding.UTF8.GetString(h.Memory.GetSpan(ptr + 4, len)));
        Assert.True(before.AsSpan().SequenceEqual(h.Memory.GetSpan(0, (int)size)), "guest memory changed");
    }

    [Fact]
    public void Oversized_dispatches_are_refused()
    {
        using var h = new WebGpuHarness(new WebGpuGuestLimits { MaxWorkgroupsPerDispatch = 1000 }).Setup();
        int pipeline = h.Pipeline(h.Shader(Doubler), "main");
        int encoder = h.Call("create-command-encoder", h.Device);
        h.Call("dispatch-compute", encoder, pipeline, 0, 100, 100, 1);
        Assert.Contains("exceeds the limit of 1000 per dispatch", h.LastError());
        h.Call("dispatch-compute", encoder, pipeline, 0, 65535, 65535, 65535);
        Assert.Contains("per dispatch", h.LastError());
    }

    [Fact]
    public void Resource_bounds_are_enforced_per_guest()
    {
        using var h = new WebGpuHarness(new WebGpuGuestLimits { MaxResources = 10, MaxTotalBufferBytes = 4096 }).Setup();
        int a = h.Call("create-buffer", h.Device, 2048L, Storage);
        int b = h.Call("create-buffer", h.Device, 2048L, Storage);
        Assert.True(a != 0 && b != 0, h.LastError());
        Assert.Equal(0, h.Call("create-buffer", h.Device, 4L, Storage));
        Assert.Contains("buffer memory limit", h.LastError());
        Assert.Equal(1, h.Call("destroy-buffer", a));
        Assert.Equal(0, h.Call("destroy-buffer", a)); // already gone
        int c = h.Call("create-buffer", h.Device, 2048L, Storage);
        Assert.NotEqual(0, c);
        Assert.Equal(4096, h.Session.LiveBufferBytes);
        Assert.Equal(0, h.Call("create-buffer", h.Device, long.MaxValue, Storage));
        Assert.Contains("maxBufferSize", h.LastError());

        // 4 (instance, adapter, device, queue) + 2 buffers live: 4 more objects reach the limit of 10.
        for (int i = 0; i < 4; i++) Assert.NotEqual(0, h.Call("create-command-encoder", h.Device));
        Assert.Equal(0, h.Call("create-command-encoder", h.Device));
        Assert.Contains("resource limit reached: 10", h.LastError());
        Assert.Equal(10, h.Session.LiveResources);
    }
}
