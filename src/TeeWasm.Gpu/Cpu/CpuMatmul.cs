using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Gpu.Cpu;

/// <summary>
/// Row-major SGEMM <c>C = alpha*op(A)*op(B) + beta*C</c>: alpha*op(A) is packed into 6-row panels and op(B) into
/// 16-column panels (zero-padded, k-major), then a 6×16 register-blocked Vector256 FMA micro-kernel runs over
/// 256-deep k blocks, with row panels split across threads. Transposes cost only the packing.
/// </summary>
internal static class CpuMatmul
{
    private const int MR = 6;
    private const int NR = 16;
    private const int KC = 256;
    private const int ChunksPerWorker = 4;
    private const long ParallelThreshold = 1L << 21; // multiply-adds below which one thread is faster

    /// <summary>
    /// Runs the product; <paramref name="a"/>, <paramref name="b"/> hold at least m*k and k*n floats and
    /// <paramref name="c"/> at least m*n floats (as little-endian bytes); C must not be the array of A or B. Returns OutOfMemory when the packed copies cannot be made.
    /// </summary>
    public static GpuResult Multiply(in MatmulParams p, byte[] a, byte[] b, byte[] c, int maxDegreeOfParallelism)
    {
        if (p.M == 0 || p.N == 0) return GpuResult.Ok;
        int m = checked((int)p.M), n = checked((int)p.N), k = checked((int)p.K);
        var cSpan = MemoryMarshal.Cast<byte, float>(c.AsSpan())[..(m * n)];
        if (p.Beta == 0f) cSpan.Clear();
        else if (p.Beta != 1f) TensorPrimitives.Multiply(cSpan, p.Beta, cSpan);
        if (k == 0 || p.Alpha == 0f) return GpuResult.Ok;

        int rowPanels = (m + MR - 1) / MR, colPanels = (n + NR - 1) / NR;
        long aPackedLength = (long)rowPanels * MR * k, bPackedLength = (long)colPanels * NR * k;
        if (aPackedLength > Array.MaxLength || bPackedLength > Array.MaxLength) return GpuError.OutOfMemory;

        float[]? aPacked = null, bPacked = null;
        try
        {
            aPacked = ArrayPool<float>.Shared.Rent((int)aPackedLength);
            bPacked = ArrayPool<float>.Shared.Rent((int)bPackedLength);
            long work = (long)m * n * k;
            int workers = work < ParallelThreshold ? 1 : Math.Clamp(maxDegreeOfParallelism, 1, rowPanels);
            var job = new Job(p, a, b, c, aPacked, bPacked, m, n, k, colPanels);
            if (workers == 1)
            {
                job.PackB(0, k);
                job.Run(0, rowPanels);
            }
            else
            {
                var options = new ParallelOptions { MaxDegreeOfParallelism = workers };
                int kChunk = (k + workers - 1) / workers;
                Parallel.For(0, workers, options, w => job.PackB(w * kChunk, Math.Min(k, (w + 1) * kChunk)));
                // Several chunks per worker, scheduled dynamically: a worker whose core is busy elsewhere holds up less.
                int chunk = Math.Max(1, (rowPanels + (workers * ChunksPerWorker) - 1) / (workers * ChunksPerWorker));
                int chunks = (rowPanels + chunk - 1) / chunk;
                Parallel.For(0, chunks, options, w => job.Run(w * chunk, Math.Min(rowPanels, (w + 1) * chunk)));
            }
            return GpuResult.Ok;
        }
        catch (OutOfMemoryException)
        {
            return GpuError.OutOfMemory;
        }
        finally
        {
            if (aPacked is not null) ArrayPool<float>.Shared.Return(aPacked);
            if (bPacked is not null) ArrayPool<float>.Shared.Return(bPacked);
        }
    }

    private sealed class Job(MatmulParams p, byte[] aBytes, byte[] bBytes, byte[] c, float[] aPacked, float[] bPacked,
        int m, int n, int k, int colPanels)
    {
        /// <summary>Packs rows [p0, p1) of op(B) into the column panels: bPacked[(jp*k + p)*NR + j%NR].</summary>
        public void PackB(int p0, int p1)
        {
            ReadOnlySpan<float> b = MemoryMarshal.Cast<byte, float>(bBytes.AsSpan());
            for (int jp = 0; jp < colPanels; jp++)
            {
                int j0 = jp * NR, cols = Math.Min(NR, n - j0);
                for (int pp = p0; pp < p1; pp++)
                {
                    var dst = bPacked.AsSpan(((jp * k) + pp) * NR, NR);
                    if (p.TransB)
                    {
                        for (int j = 0; j < cols; j++) dst[j] = b[((j0 + j) * k) + pp];
                    }
                    else
                    {
                        b.Slice((pp * n) + j0, cols).CopyTo(dst);
                    }
                    dst[cols..].Clear();
                }
            }
        }

        /// <summary>Packs row panels [ip0, ip1) of alpha*op(A) (aPacked[(ip*k + p)*MR + i%MR]) and computes their C rows.</summary>
        public void Run(int ip0, int ip1)
        {
            PackA(ip0, ip1);
            var cAll = MemoryMarshal.Cast<byte, float>(c.AsSpan());
            Span<float> tile = stackalloc float[MR * NR];
            for (int pc = 0; pc < k; pc += KC)
            {
                int kc = Math.Min(KC, k - pc);
                for (int jp = 0; jp < colPanels; jp++)
                {
                    int j0 = jp * NR, cols = Math.Min(NR, n - j0);
                    ref float bPanel = ref bPacked[((jp * k) + pc) * NR];
                    for (int ip = ip0; ip < ip1; ip++)
                    {
                        int i0 = ip * MR, rows = Math.Min(MR, m - i0);
                        ref float aPanel = ref aPacked[((ip * k) + pc) * MR];
                        if (rows == MR && cols == NR)
                        {
                            Kernel(ref aPanel, ref bPanel, kc, ref cAll[(i0 * n) + j0], (nuint)n);
                        }
                        else
                        {
                            tile.Clear();
                            for (int r = 0; r < rows; r++) cAll.Slice(((i0 + r) * n) + j0, cols).CopyTo(tile.Slice(r * NR, cols));
                            Kernel(ref aPanel, ref bPanel, kc, ref MemoryMarshal.GetReference(tile), NR);
                            for (int r = 0; r < rows; r++) tile.Slice(r * NR, cols).CopyTo(cAll.Slice(((i0 + r) * n) + j0, cols));
                        }
                    }
                }
            }
        }

        private void PackA(int ip0, int ip1)
        {
            ReadOnlySpan<float> a = MemoryMarshal.Cast<byte, float>(aBytes.AsSpan());
            float alpha = p.Alpha;
            for (int ip = ip0; ip < ip1; ip++)
            {
                int i0 = ip * MR, rows = Math.Min(MR, m - i0);
                var dst = aPacked.AsSpan(ip * k * MR, k * MR);
                if (rows < MR) dst.Clear();
                for (int r = 0; r < rows; r++)
                {
                    int i = i0 + r;
                    if (p.TransA)
                    {
                        for (int pp = 0; pp < k; pp++) dst[(pp * MR) + r] = alpha * a[(pp * m) + i];
                    }
                    else
                    {
                        var row = a.Slice(i * k, k);
                        for (int pp = 0; pp < k; pp++) dst[(pp * MR) + r] = alpha * row[pp];
                    }
                }
            }
        }
    }

    /// <summary>C[0..6, 0..16) (row stride <paramref name="ldc"/>) += Apanel(6×kc) · Bpanel(kc×16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel(ref float a, ref float b, int kc, ref float c, nuint ldc)
    {
        ref float c1 = ref Unsafe.Add(ref c, ldc);
        ref float c2 = ref Unsafe.Add(ref c1, ldc);
        ref float c3 = ref Unsafe.Add(ref c2, ldc);
        ref float c4 = ref Unsafe.Add(ref c3, ldc);
        ref float c5 = ref Unsafe.Add(ref c4, ldc);
        var c00 = Vector256.LoadUnsafe(ref c); var c01 = Vector256.LoadUnsafe(ref c, 8);
        var c10 = Vector256.LoadUnsafe(ref c1); var c11 = Vector256.LoadUnsafe(ref c1, 8);
        var c20 = Vector256.LoadUnsafe(ref c2); var c21 = Vector256.LoadUnsafe(ref c2, 8);
        var c30 = Vector256.LoadUnsafe(ref c3); var c31 = Vector256.LoadUnsafe(ref c3, 8);
        var c40 = Vector256.LoadUnsafe(ref c4); var c41 = Vector256.LoadUnsafe(ref c4, 8);
        var c50 = Vector256.LoadUnsafe(ref c5); var c51 = Vector256.LoadUnsafe(ref c5, 8);
        for (int pp = 0; pp < kc; pp++)
        {
            var b0 = Vector256.LoadUnsafe(ref b);
            var b1 = Vector256.LoadUnsafe(ref b, 8);
            var av = Vector256.Create(a);
            c00 = Vector256.MultiplyAddEstimate(av, b0, c00); c01 = Vector256.MultiplyAddEstimate(av, b1, c01);
            av = Vector256.Create(Unsafe.Add(ref a, 1));
            c10 = Vector256.MultiplyAddEstimate(av, b0, c10); c11 = Vector256.MultiplyAddEstimate(av, b1, c11);
            av = Vector256.Create(Unsafe.Add(ref a, 2));
            c20 = Vector256.MultiplyAddEstimate(av, b0, c20); c21 = Vector256.MultiplyAddEstimate(av, b1, c21);
            av = Vector256.Create(Unsafe.Add(ref a, 3));
            c30 = Vector256.MultiplyAddEstimate(av, b0, c30); c31 = Vector256.MultiplyAddEstimate(av, b1, c31);
            av = Vector256.Create(Unsafe.Add(ref a, 4));
            c40 = Vector256.MultiplyAddEstimate(av, b0, c40); c41 = Vector256.MultiplyAddEstimate(av, b1, c41);
            av = Vector256.Create(Unsafe.Add(ref a, 5));
            c50 = Vector256.MultiplyAddEstimate(av, b0, c50); c51 = Vector256.MultiplyAddEstimate(av, b1, c51);
            a = ref Unsafe.Add(ref a, MR);
            b = ref Unsafe.Add(ref b, NR);
        }
        c00.StoreUnsafe(ref c); c01.StoreUnsafe(ref c, 8);
        c10.StoreUnsafe(ref c1); c11.StoreUnsafe(ref c1, 8);
        c20.StoreUnsafe(ref c2); c21.StoreUnsafe(ref c2, 8);
        c30.StoreUnsafe(ref c3); c31.StoreUnsafe(ref c3, 8);
        c40.StoreUnsafe(ref c4); c41.StoreUnsafe(ref c4, 8);
        c50.StoreUnsafe(ref c5); c51.StoreUnsafe(ref c5, 8);
    }
}
