using TeeWasm.Gpu;
using TeeWasm.Gpu.Cpu;
using TeeWasm.Gpu.Kernels;
using Wasmtime;

namespace TeeWasm.Runtime.Tests.Interfaces.Gpu;

/// <summary>Every wasi:gpu import called with many combinations of hostile values: Err or nothing, never a host exception.</summary>
public sealed class GpuImportsFuzzTests
{
    private static readonly int[] s_ints = [0, 1, 2, 3, 4, 5, -1, -8, 7, 16, 64, 4096, 262136, 262140, int.MaxValue, int.MinValue, GpuHarness.RetPtr];
    private static readonly long[] s_longs = [0, 1, 4, 8, -1, long.MaxValue, long.MinValue, 1L << 32, 1L << 20];
    private static readonly float[] s_floats = [0f, 1f, -1f, float.NaN, float.PositiveInfinity];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomCallsNeverThrow(int seed)
    {
        var rng = new Random(seed);
        var backend = new CpuBackend(new CpuBackendOptions { MemoryLimit = 1 << 20 });
        using var h = new GpuHarness(GpuGuest.Module(), backend);
        for (int i = 0; i < 4; i++) h.Call("call_buffer_create", 64L, 44, GpuHarness.RetPtr); // ids 1..4 exist
        for (int call = 0; call < 3000; call++)
        {
            var (export, kinds) = GpuGuest.Functions[rng.Next(GpuGuest.Functions.Length)];
            var args = kinds.Select(k => k switch
            {
                'l' => (ValueBox)s_longs[rng.Next(s_longs.Length)],
                'f' => (ValueBox)s_floats[rng.Next(s_floats.Length)],
                'r' => (ValueBox)(rng.Next(4) == 0 ? s_ints[rng.Next(s_ints.Length)] : GpuHarness.RetPtr),
                _ => (ValueBox)(rng.Next(2) == 0 ? rng.Next(6) : s_ints[rng.Next(s_ints.Length)]),
            }).ToArray();
            h.Call(export, args);
            Assert.InRange(backend.MemoryUsed, 0, 1 << 20);
        }
    }
}
