using TeeWasm.Attestation;
using TeeWasm.Gpu;
using TeeWasm.Runtime.Hosting;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Runtime.Tests.Hosting;

/// <summary>
/// Issue 12 item 4: one memory budget per guest (<c>--max-memory</c>). A guest that imports a GPU interface gets a
/// share of it for GPU buffers (<c>--max-gpu-memory</c>, by default a quarter, at most 1 GiB), which its wasi:gpu
/// backend and its wasi:webgpu session draw from together, and its linear memory gets the rest. Before, linear
/// memory, wasi:gpu and wasi:webgpu each had their own limit (4 GiB, 1 GiB, 1 GiB: about 6 GiB per guest).
/// </summary>
public sealed class GuestMemoryBudgetTests : IDisposable
{
    private const int GpuOk = 1, WebGpuOk = 2, GrowOk = 4, TotalIsTheShare = 8;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// A guest that makes a wasi:gpu buffer and a wasi:webgpu buffer (in the order given), grows its memory by
    /// <paramref name="growPages"/> and reads device-info's total_memory; it exits with a bit mask of what worked.
    /// </summary>
    private static string Probe(long gpuBytes, long webGpuBytes, int growPages, long expectedTotal, bool webGpuFirst = false) => $$"""
        (module
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (import "wasi:gpu/compute@0.1.0" "get-device-info" (func $info (param i32)))
          (import "wasi:gpu/compute@0.1.0" "buffer-create" (func $gpu_create (param i64 i32 i32)))
          (import "wasi:webgpu" "create-instance" (func $instance (result i32)))
          (import "wasi:webgpu" "request-adapter" (func $adapter (param i32 i32) (result i32)))
          (import "wasi:webgpu" "request-device" (func $device (param i32) (result i32)))
          (import "wasi:webgpu" "create-buffer" (func $wgpu_create (param i32 i64 i32) (result i32)))
          (memory (export "memory") 1)
          (global $heap (mut i32) (i32.const 4096))
          (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
            (local $p i32) (local.set $p (global.get $heap)) (global.set $heap (i32.add (global.get $heap) (i32.add (local.get 3) (i32.const 8)))) (local.get $p))
          (func $gpu (result i32)
            (call $gpu_create (i64.const {{gpuBytes}}) (i32.const 44) (i32.const 256))
            (if (result i32) (i32.eqz (i32.load (i32.const 256))) (then (i32.const {{GpuOk}})) (else (i32.const 0))))
          (func $webgpu (result i32)
            (if (result i32) (call $wgpu_create (call $device (call $adapter (call $instance) (i32.const 0))) (i64.const {{webGpuBytes}}) (i32.const 0x88))
              (then (i32.const {{WebGpuOk}})) (else (i32.const 0))))
          (func (export "_start")
            (local $mask i32)
            (local.set $mask {{(webGpuFirst ? "(i32.or (call $webgpu) (call $gpu))" : "(i32.or (call $gpu) (call $webgpu))")}})
            (if (i32.ne (memory.grow (i32.const {{growPages}})) (i32.const -1)) (then (local.set $mask (i32.or (local.get $mask) (i32.const {{GrowOk}})))))
            (call $info (i32.const 512))
            (if (i64.eq (i64.load (i32.const 528)) (i64.const {{expectedTotal}})) (then (local.set $mask (i32.or (local.get $mask) (i32.const {{TotalIsTheShare}})))))
            (call $exit (local.get $mask))))
        """;

    private int Run(string wat, RunOptions options)
    {
        var result = WasmRunner.Run(GuestModules.WriteTemp(wat, _dir), options with
        {
            CacheDirectory = null,
            Attestation = new AttesterOptions { Mode = AttestationMode.None },
            Gpu = GpuBackendKind.Cpu,
        });
        Assert.Null(result.Error);
        return result.ExitCode;
    }

    [Fact]
    public void WasiGpu_and_WasiWebGpu_share_a_quarter_of_the_budget_and_linear_memory_gets_the_rest()
    {
        // --max-memory 64 MiB: GPU buffers 16 MiB (both interfaces), linear memory 48 MiB.
        var options = new RunOptions { MaxMemoryBytes = 64L << 20 };
        // 12 MiB on wasi:gpu leaves 4 MiB: an 8 MiB wasi:webgpu buffer is refused; growing to 56 MiB of linear memory too.
        Assert.Equal(GpuOk | TotalIsTheShare, Run(Probe(12L << 20, 8L << 20, 895, 16L << 20), options));
        // The other way round: wasi:webgpu's 12 MiB leave no room for wasi:gpu's 8 MiB. Linear memory to 40 MiB is fine.
        Assert.Equal(WebGpuOk | GrowOk | TotalIsTheShare, Run(Probe(8L << 20, 12L << 20, 639, 16L << 20, webGpuFirst: true), options));
        // Both fit together.
        Assert.Equal(GpuOk | WebGpuOk | GrowOk | TotalIsTheShare, Run(Probe(8L << 20, 8L << 20, 639, 16L << 20), options));
    }

    [Fact]
    public void The_gpu_share_can_be_set()
    {
        var options = new RunOptions { MaxMemoryBytes = 64L << 20, MaxGpuMemoryBytes = 32L << 20 };
        Assert.Equal(GpuOk | WebGpuOk | TotalIsTheShare, Run(Probe(16L << 20, 16L << 20, 512, 32L << 20), options)); // 513 pages of linear memory do not fit in 32 MiB
        Assert.Throws<WasmRuntimeException>(() => WasmRunner.Run(GuestModules.WriteTemp(Probe(1, 1, 0, 0), _dir),
            options with { MaxGpuMemoryBytes = 64L << 20, CacheDirectory = null, Attestation = new AttesterOptions { Mode = AttestationMode.None } }));
    }

    [Fact]
    public void A_guest_without_gpu_imports_may_use_the_whole_budget_as_linear_memory()
    {
        const string grow = """
            (module
              (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
              (memory (export "memory") 1)
              (func (export "_start") (call $exit (i32.ne (memory.grow (i32.const 1000)) (i32.const -1)))))
            """; // 1001 pages: 62.6 MiB
        Assert.Equal(1, Run(grow, new RunOptions { MaxMemoryBytes = 64L << 20 }));
        Assert.Equal(0, Run(grow, new RunOptions { MaxMemoryBytes = 32L << 20 }));
    }

    [Fact]
    public void By_default_a_gpu_guest_has_4_GiB_in_all_and_1_GiB_of_it_for_gpu_buffers()
    {
        Assert.Equal(4L << 30, new RunOptions().MaxMemoryBytes);
        Assert.Equal(1L << 30, new RunOptions().GpuMemoryBytes);
        Assert.Equal(3L << 30, new RunOptions().LinearMemoryLimit(importsGpu: true));
        Assert.Equal(4L << 30, new RunOptions().LinearMemoryLimit(importsGpu: false));
        Assert.Equal(TotalIsTheShare | GpuOk | WebGpuOk, Run(Probe(1024, 1024, 0x10000, 1L << 30), new RunOptions()) & ~GrowOk);
    }
}
