using System.Diagnostics;
using System.Runtime.InteropServices;
using TeeWasm.Gpu;
using TeeWasm.Gpu.Cpu;
using TeeWasm.Gpu.Cuda;
using TeeWasm.Gpu.Kernels;
using TeeWasm.Gpu.WebGpu;

namespace TeeWasm.DeviceCheck;

/// <summary>One matmul arm: a backend at one size, or why it did not run.</summary>
public sealed record MatmulResult(string Backend, int N, string Device, double? Gflops, double? MedianMs, int Runs, double? MaxRelativeError, string? Skipped);

/// <summary>
/// C = A·B (n×n, FP32) through <see cref="IGpuBackend"/> as a guest would call it: inputs uploaded once, then the
/// median of timed runs of Matmul + Sync; GFLOP/s = 2n³ / time. 64 entries of C are checked against a double-precision
/// reference.
/// </summary>
public static class MatmulMeasurement
{
    public static readonly string[] Backends = ["cuda", "cuda-tiled", "webgpu", "cpu"];

    public static IEnumerable<MatmulResult> Run(IReadOnlyList<int> sizes, Func<bool> withinBudget, Action<string> log)
    {
        foreach (string name in Backends)
        {
            IGpuBackend? created = null;
            string? unavailable = null;
            try
            {
                created = Create(name);
            }
            catch (Exception e) when (e is NotSupportedException or CudaUnavailableException)
            {
                unavailable = e.Message;
            }
            if (created is not { } backend)
            {
                foreach (int n in sizes) yield return new MatmulResult(name, n, "", null, null, 0, null, unavailable);
                continue;
            }
            using (backend)
            {
                foreach (int n in sizes)
                {
                    if (!withinBudget()) { yield return new MatmulResult(name, n, backend.DeviceInfo.Name, null, null, 0, null, "time budget spent"); continue; }
                    if (!backend.DeviceInfo.IsHardware && name != "cpu" && n > 1024)
                    {
                        yield return new MatmulResult(name, n, backend.DeviceInfo.Name, null, null, 0, null, "software adapter: only n ≤ 1024");
                        continue;
                    }
                    log($"matmul {name} n={n}");
                    yield return Measure(name, backend, n);
                }
            }
        }
    }

    private static IGpuBackend Create(string name)
    {
        const long limit = 1L << 30; // 3 × 4096² floats = 192 MiB fit
        return name switch
        {
            "cuda" => GpuBackendSelector.Create(GpuBackendKind.Cuda, cudaOptions: new CudaBackendOptions { MemoryLimit = limit }),
            "cuda-tiled" => GpuBackendSelector.Create(GpuBackendKind.Cuda, cudaOptions: new CudaBackendOptions { MemoryLimit = limit, UseCublas = false }),
            "webgpu" => GpuBackendSelector.Create(GpuBackendKind.WebGpu, webGpuOptions: new WebGpuBackendOptions { MemoryLimit = limit }),
            _ => new CpuBackend(new CpuBackendOptions { MemoryLimit = limit }),
        };
    }

    private static MatmulResult Measure(string name, IGpuBackend gpu, int n)
    {
        var rng = new Random(n);
        float[] a = Random(rng, n * n), b = Random(rng, n * n);
        uint ia = Upload(gpu, a), ib = Upload(gpu, b), ic = Upload(gpu, new float[n * n]);
        var p = new MatmulParams((uint)n, (uint)n, (uint)n, false, false, 1f, 0f);
        try
        {
            Check(gpu.Matmul(p, ia, ib, ic)); // warm-up: kernel compilation, cuBLAS heuristics
            gpu.Sync();
            double flop = 2.0 * n * n * n;
            int runs = flop > 1e11 ? 3 : 7;
            var times = new List<double>();
            for (int r = 0; r < runs; r++)
            {
                long start = Stopwatch.GetTimestamp();
                Check(gpu.Matmul(p, ia, ib, ic));
                gpu.Sync();
                times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
            times.Sort();
            double median = times[times.Count / 2];
            var c = new float[n * n];
            Check(gpu.BufferRead(ic, 0, MemoryMarshal.AsBytes(c.AsSpan())));
            double worst = 0;
            for (int s = 0; s < 64; s++)
            {
                int i = rng.Next(n), j = rng.Next(n);
                double sum = 0, magnitude = 0;
                for (int k = 0; k < n; k++)
                {
                    double term = (double)a[(i * n) + k] * b[(k * n) + j];
                    sum += term;
                    magnitude += Math.Abs(term);
                }
                worst = Math.Max(worst, Math.Abs(c[(i * n) + j] - sum) / Math.Max(magnitude, 1e-30));
            }
            return new MatmulResult(name, n, gpu.DeviceInfo.Name, flop / (median * 1e6), median, runs, worst, null);
        }
        finally
        {
            gpu.BufferDestroy(ia);
            gpu.BufferDestroy(ib);
            gpu.BufferDestroy(ic);
        }
    }

    private static float[] Random(Random rng, int n)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (rng.NextSingle() * 2) - 1;
        return x;
    }

    private static uint Upload(IGpuBackend gpu, float[] values)
    {
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        var id = gpu.BufferCreate((ulong)bytes.Length, BufferUsage.Storage | BufferUsage.CopyDst | BufferUsage.CopySrc);
        if (!id.IsOk) throw new InvalidOperationException($"buffer-create: {id.Error}");
        Check(gpu.BufferWrite(id.Value, 0, bytes));
        return id.Value;
    }

    private static void Check(GpuResult result)
    {
        if (!result.IsOk) throw new InvalidOperationException($"wasi:gpu call failed: {result.Error}");
    }
}
