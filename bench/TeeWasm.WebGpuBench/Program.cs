// WGSL matmul on the Dawn engine, driven by the host directly and by a guest through wasi:webgpu, so the cost of
// crossing the WASM boundary is visible. Each round: write A and B → dispatch → copy → map and read C (the same
// steps on both sides). Wall-clock medians; lavapipe is slow, so rounds are few. Then the per-call cost: 2000 4-byte
// queue writes from the host and from the guest (each guest write is two host calls: the write and get-last-error).
//
// Usage: dotnet run -c Release --project bench/TeeWasm.WebGpuBench -- [N...] [--rounds R] [--guest PATH]
//   default N = 256 512, R = 5, guest = artifacts/guests/webgpu_bench_rust.wasm (scripts/build-guests.sh)
using System.Diagnostics;
using System.Runtime.InteropServices;
using TeeWasm.Gpu.Dawn;
using TeeWasm.Runtime.Hosting;

const string Matmul = """
    struct Dims { n: u32 }
    @group(0) @binding(0) var<storage, read> a: array<f32>;
    @group(0) @binding(1) var<storage, read> b: array<f32>;
    @group(0) @binding(2) var<storage, read_write> c: array<f32>;
    @group(0) @binding(3) var<uniform> dims: Dims;

    @compute @workgroup_size(8, 8)
    fn matmul(@builtin(global_invocation_id) id: vec3<u32>) {
        let n = dims.n;
        if (id.y >= n || id.x >= n) { return; }
        var sum = 0.0;
        for (var k = 0u; k < n; k = k + 1u) {
            sum = sum + a[id.y * n + k] * b[k * n + id.x];
        }
        c[id.y * n + id.x] = sum;
    }
    """;

var sizes = new List<uint>();
int rounds = 5;
string guest = Path.Combine(FindRoot(), "artifacts", "guests", "webgpu_bench_rust.wasm");
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--rounds") rounds = int.Parse(args[++i]);
    else if (args[i] == "--guest") guest = args[++i];
    else sizes.Add(uint.Parse(args[i]));
}
if (sizes.Count == 0) sizes = [256, 512];

var sw = Stopwatch.StartNew();
using (var device = WebGpuDevice.Create())
{
    Console.WriteLine($"adapter: {device.AdapterInfo}");
    Console.WriteLine($"start-up: instance {device.Timings.InstanceMs:0.0} ms, adapter {device.Timings.AdapterMs:0.0} ms, device {device.Timings.DeviceMs:0.0} ms");
    foreach (uint n in sizes) HostRun(device, n, rounds);
    HostSmallWrites(device);
}
if (!File.Exists(guest))
{
    Console.WriteLine($"guest module {guest} not found: run scripts/build-guests.sh");
    return 1;
}
foreach (uint n in sizes.Append(0u)) // 0: the guest's small-write timing
{
    var result = WasmRunner.Run(guest, new RunOptions { Arguments = [n.ToString(), rounds.ToString()], CacheDirectory = null });
    if (result.ExitCode != 0) Console.WriteLine($"guest n={n} failed: {result.Error}");
}
Console.WriteLine($"total {sw.Elapsed.TotalSeconds:0.0} s");
return 0;

static void HostRun(WebGpuDevice device, uint n, int rounds)
{
    int count = checked((int)(n * n));
    ulong bytes = (ulong)count * 4;
    float[] a = Enumerable.Range(0, count).Select(i => i % 7 * 0.5f).ToArray();
    float[] b = Enumerable.Range(0, count).Select(i => i % 5 * 0.25f).ToArray();
    using var ba = device.CreateBuffer(bytes, WebGpuBufferUsage.Storage | WebGpuBufferUsage.CopyDst);
    using var bb = device.CreateBuffer(bytes, WebGpuBufferUsage.Storage | WebGpuBufferUsage.CopyDst);
    using var bc = device.CreateBuffer(bytes, WebGpuBufferUsage.Storage | WebGpuBufferUsage.CopySrc);
    using var dims = device.CreateBuffer(16, WebGpuBufferUsage.Uniform | WebGpuBufferUsage.CopyDst);
    using var readback = device.CreateBuffer(bytes, WebGpuBufferUsage.MapRead | WebGpuBufferUsage.CopyDst);
    device.WriteBuffer(dims, 0, MemoryMarshal.AsBytes<uint>([n, 0, 0, 0]));
    var compile = Stopwatch.StartNew();
    using var module = device.CreateShaderModule(Matmul);
    using var pipeline = device.CreateComputePipeline(module, "matmul");
    Console.WriteLine($"host  n={n} shader+pipeline_ms={compile.Elapsed.TotalMilliseconds:0.0}");
    using var layout = pipeline.GetBindGroupLayout(0);
    using var group = device.CreateBindGroup(layout, [ba, bb, bc, dims]);
    var times = new List<double>();
    float[] c = new float[count];
    for (int round = 0; round <= rounds; round++)
    {
        var sw = Stopwatch.StartNew();
        device.WriteBuffer(ba, 0, MemoryMarshal.AsBytes(a.AsSpan()));
        device.WriteBuffer(bb, 0, MemoryMarshal.AsBytes(b.AsSpan()));
        var encoder = device.CreateCommandEncoder();
        encoder.Dispatch(pipeline, group, (n + 7) / 8, (n + 7) / 8);
        encoder.CopyBufferToBuffer(bc, 0, readback, 0, bytes);
        device.Submit(encoder);
        readback.Map(WebGpuMapMode.Read, 0, bytes);
        readback.GetMappedRange(0, bytes).CopyTo(MemoryMarshal.AsBytes(c.AsSpan()));
        readback.Unmap();
        if (round == 0) Console.WriteLine($"host  n={n} first_round_ms={sw.Elapsed.TotalMilliseconds:0.0}");
        else times.Add(sw.Elapsed.TotalMilliseconds);
    }
    times.Sort();
    double median = times[times.Count / 2];
    Console.WriteLine($"host  n={n} median_ms={median:0.00} gflops={2.0 * n * n * (double)n / (median / 1000) / 1e9:0.00} checksum={c[^1]}");
}

// The host side of the per-call comparison: 2000 4-byte queue writes.
static void HostSmallWrites(WebGpuDevice device)
{
    using var buffer = device.CreateBuffer(256, WebGpuBufferUsage.Storage | WebGpuBufferUsage.CopyDst);
    byte[] data = [1, 2, 3, 4];
    for (int i = 0; i < 200; i++) device.WriteBuffer(buffer, 0, data);
    const int calls = 2000;
    var sw = Stopwatch.StartNew();
    for (int i = 0; i < calls; i++) device.WriteBuffer(buffer, 0, data);
    Console.WriteLine($"host  write4_us={sw.Elapsed.TotalMilliseconds * 1000 / calls:0.00} (WebGpuDevice.WriteBuffer)");
}

static string FindRoot()
{
    for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
    {
        if (File.Exists(Path.Combine(d.FullName, "TeeWasm.sln"))) return d.FullName;
    }
    return Directory.GetCurrentDirectory();
}
