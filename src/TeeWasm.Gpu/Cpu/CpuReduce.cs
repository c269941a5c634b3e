using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Gpu.Cpu;

/// <summary>
/// Reductions. Sums run in f32 SIMD over 64 Ki-element chunks whose partial results add up in double, so large inputs
/// keep about double accuracy between chunks; variance is two-pass (mean, then Σ(x − mean)²).
/// </summary>
internal static class CpuReduce
{
    private const int Chunk = 1 << 16;

    /// <summary>Reduces a non-empty input (or any input for <see cref="ReduceOp.Sum"/>).</summary>
    public static float Apply(ReduceOp op, ReadOnlySpan<float> x) => op switch
    {
        ReduceOp.Sum => (float)Sum(x),
        ReduceOp.Max => TensorPrimitives.Max(x),
        ReduceOp.Min => TensorPrimitives.Min(x),
        ReduceOp.Mean => (float)(Sum(x) / x.Length),
        ReduceOp.Variance => (float)Variance(x),
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown reduction"),
    };

    private static double Sum(ReadOnlySpan<float> x)
    {
        double total = 0;
        for (int i = 0; i < x.Length; i += Chunk) total += TensorPrimitives.Sum(x.Slice(i, Math.Min(Chunk, x.Length - i)));
        return total;
    }

    private static double Variance(ReadOnlySpan<float> x)
    {
        double mean = Sum(x) / x.Length;
        double total = 0;
        for (int i = 0; i < x.Length; i += Chunk) total += SquaredDeviations(x.Slice(i, Math.Min(Chunk, x.Length - i)), (float)mean);
        return total / x.Length;
    }

    private static float SquaredDeviations(ReadOnlySpan<float> x, float mean)
    {
        ref float start = ref MemoryMarshal.GetReference(x);
        var meanV = Vector256.Create(mean);
        var acc = Vector256<float>.Zero;
        int i = 0;
        for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            var d = Vector256.LoadUnsafe(ref start, (nuint)i) - meanV;
            acc = Vector256.MultiplyAddEstimate(d, d, acc);
        }
        float total = Vector256.Sum(acc);
        for (; i < x.Length; i++)
        {
            float d = Unsafe.Add(ref start, i) - mean;
            total += d * d;
        }
        return total;
    }
}
