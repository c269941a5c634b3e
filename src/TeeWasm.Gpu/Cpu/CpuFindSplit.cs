using System.Buffers;
using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Gpu.Cpu;

/// <summary>
/// Split scoring: the node's rows are sorted once by the feature value, with prefix sums of label and label² (in
/// double), so each threshold costs one binary search: SSE(side) = Σy² − (Σy)²/n. O((rows + thresholds)·log rows).
/// </summary>
internal static class CpuFindSplit
{
    private const int StackLimit = 256; // rows whose scratch (24 bytes each) lives on the stack

    /// <summary>
    /// Scores every threshold. <paramref name="data"/> is the full row-major matrix (whole rows only);
    /// a row index outside it or outside <paramref name="labels"/> gives InvalidParams and writes nothing (all rows are
    /// checked before the first score is written, so <paramref name="scores"/> may be a view of the output buffer).
    /// </summary>
    public static GpuResult Score(ReadOnlySpan<float> data, int nFeatures, int featureIdx, ReadOnlySpan<float> labels,
        ReadOnlySpan<uint> indices, ReadOnlySpan<float> thresholds, Span<float> scores)
    {
        int n = indices.Length;
        if (n <= StackLimit)
        {
            return Score(data, nFeatures, featureIdx, labels, indices, thresholds, scores,
                stackalloc float[n], stackalloc float[n], stackalloc double[n + 1], stackalloc double[n + 1]);
        }
        float[] xs = ArrayPool<float>.Shared.Rent(n);
        float[] ys = ArrayPool<float>.Shared.Rent(n);
        double[] sums = ArrayPool<double>.Shared.Rent(n + 1);
        double[] squares = ArrayPool<double>.Shared.Rent(n + 1);
        try
        {
            return Score(data, nFeatures, featureIdx, labels, indices, thresholds, scores, xs, ys, sums, squares);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(xs);
            ArrayPool<float>.Shared.Return(ys);
            ArrayPool<double>.Shared.Return(sums);
            ArrayPool<double>.Shared.Return(squares);
        }
    }

    private static GpuResult Score(ReadOnlySpan<float> data, int nFeatures, int featureIdx, ReadOnlySpan<float> labels,
        ReadOnlySpan<uint> indices, ReadOnlySpan<float> thresholds, Span<float> scores,
        Span<float> xs, Span<float> ys, Span<double> sums, Span<double> squares)
    {
        int n = indices.Length;
        long rows = data.Length / nFeatures;
        int ordered = 0;
        double nanSum = 0, nanSquares = 0; // rows whose value is NaN never go left
        foreach (uint row in indices)
        {
            if (row >= rows || row >= (uint)labels.Length) return GpuError.InvalidParams;
            float x = data[(int)((row * nFeatures) + featureIdx)];
            float y = labels[(int)row];
            if (float.IsNaN(x))
            {
                nanSum += y;
                nanSquares += (double)y * y;
            }
            else
            {
                xs[ordered] = x;
                ys[ordered] = y;
                ordered++;
            }
        }
        xs = xs[..ordered];
        xs.Sort(ys[..ordered]);
        sums[0] = 0;
        squares[0] = 0;
        for (int i = 0; i < ordered; i++)
        {
            sums[i + 1] = sums[i] + ys[i];
            squares[i + 1] = squares[i] + ((double)ys[i] * ys[i]);
        }
        double totalSum = sums[ordered] + nanSum, totalSquares = squares[ordered] + nanSquares;
        for (int t = 0; t < thresholds.Length; t++)
        {
            int left = CountAtMost(xs, thresholds[t]);
            int right = n - left;
            if (left == 0 || right == 0)
            {
                scores[t] = float.PositiveInfinity;
                continue;
            }
            double sl = sums[left], sr = totalSum - sl;
            scores[t] = (float)(Sse(squares[left], sl, left) + Sse(totalSquares - squares[left], sr, right));
        }
        return GpuResult.Ok;
    }

    private static double Sse(double squares, double sum, int count) => Math.Max(0, squares - (sum * sum / count));

    /// <summary>How many sorted values are <c>&lt;= t</c> (none when t is NaN).</summary>
    private static int CountAtMost(ReadOnlySpan<float> sorted, float t)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            if (sorted[mid] <= t) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
