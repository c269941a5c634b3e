using ILGPU;
using ILGPU.Runtime;
using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Gpu.Cuda;

/// <summary>
/// The CUDA backend's kernels, written once in C#: ILGPU compiles these very methods to PTX for the GPU, and its CPU
/// accelerator runs the same methods when there is none (the tests). They follow the CPU backend's semantics; sizes and
/// indices are checked on the host before a launch. 1-D kernels loop with a grid stride, so any element count fits one
/// launch; sums are accumulated in double.
/// </summary>
internal static class CudaKernels
{
    /// <summary>Rows (and columns) of C one thread of the tiled matmul computes.</summary>
    public const int MatmulPerThread = 4;

    /// <summary>Reduce operations of <see cref="ReducePartials"/> and <see cref="ReduceDoubles"/>.</summary>
    public const int OpSum = 0, OpMax = 1, OpMin = 2, OpSquaredDeviation = 3;

    /// <summary>output[i] = the <see cref="BootstrapSampler"/> index for position i.</summary>
    public static void Bootstrap(Index1D index, ArrayView<uint> output, long n, uint seed, uint maxIndex, long stride)
    {
        for (long i = index; i < n; i += stride) output[i] = BootstrapSampler.Sample(seed, (uint)i, maxIndex);
    }

    /// <summary>scores[t] = SSE(left) + SSE(right) of the rows split at thresholds[t]; +∞ when a side is empty.</summary>
    public static void FindSplit(Index1D index, ArrayView<float> data, ArrayView<float> labels, ArrayView<uint> indices,
        ArrayView<float> thresholds, ArrayView<float> scores, FindSplitArgs a)
    {
        for (long t = index; t < a.NThresholds; t += a.Stride)
        {
            float threshold = thresholds[t];
            long left = 0;
            double leftSum = 0, leftSquares = 0, rightSum = 0, rightSquares = 0;
            for (long s = 0; s < a.NSamples; s++)
            {
                uint row = indices[s];
                float x = data[(row * a.NFeatures) + a.FeatureIdx];
                double y = labels[(long)row];
                if (x <= threshold) // NaN goes right, and a NaN threshold sends every row right
                {
                    left++;
                    leftSum += y;
                    leftSquares += y * y;
                }
                else
                {
                    rightSum += y;
                    rightSquares += y * y;
                }
            }
            long right = a.NSamples - left;
            scores[t] = left == 0 || right == 0
                ? float.PositiveInfinity
                : (float)(Sse(leftSquares, leftSum, left) + Sse(rightSquares, rightSum, right));
        }
    }

    /// <summary>output[s] = mean over trees of input[s*nTrees + tree].</summary>
    public static void Average(Index1D index, ArrayView<float> input, ArrayView<float> output, long nTrees, long nSamples, long stride)
    {
        for (long s = index; s < nSamples; s += stride)
        {
            double sum = 0;
            for (long t = 0; t < nTrees; t++) sum += input[(s * nTrees) + t];
            output[s] = (float)(sum / nTrees);
        }
    }

    /// <summary>c[i] = 0 when beta is 0 (C is not read), else beta·c[i]: the whole product when alpha or k is 0.</summary>
    public static void Scale(Index1D index, ArrayView<float> c, long n, float beta, long stride)
    {
        for (long i = index; i < n; i += stride) c[i] = beta == 0f ? 0f : beta * c[i];
    }

    /// <summary>
    /// Row-major <c>C = alpha·op(A)·op(B) + beta·C</c> in tiles: a group of T×T threads computes a (4T)×(4T) tile of C,
    /// each thread a 4×4 block, staging (4T)×(4T) tiles of op(A) and op(B) in dynamic shared memory. C must not be A or B.
    /// </summary>
    public static void Matmul(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, MatmulArgs p)
    {
        int threads = Group.DimX;
        int tile = threads * MatmulPerThread;
        int tileSize = tile * tile;
        var shared = SharedMemory.GetDynamic<float>();
        var aTile = shared.SubView(0, tileSize);              // aTile[r*tile + kk] = op(A)[row0 + r, k0 + kk]
        var bTile = shared.SubView(tileSize, tileSize);       // bTile[kk*tile + q] = op(B)[k0 + kk, col0 + q]
        var acc = LocalMemory.Allocate<float>(MatmulPerThread * MatmulPerThread);
        for (int e = 0; e < MatmulPerThread * MatmulPerThread; e++) acc[e] = 0f;

        int tx = Group.IdxX, ty = Group.IdxY;
        long row0 = (Grid.IdxY + p.RowTileOffset) * tile, col0 = (long)Grid.IdxX * tile;
        for (long k0 = 0; k0 < p.K; k0 += tile)
        {
            for (int e = (ty * threads) + tx; e < tileSize; e += threads * threads)
            {
                long i = row0 + (e / tile), ka = k0 + (e % tile);
                aTile[e] = i < p.M && ka < p.K ? a[p.TransA != 0 ? (ka * p.M) + i : (i * p.K) + ka] : 0f;
                long kb = k0 + (e / tile), j = col0 + (e % tile);
                bTile[e] = kb < p.K && j < p.N ? b[p.TransB != 0 ? (j * p.K) + kb : (kb * p.N) + j] : 0f;
            }
            Group.Barrier();
            for (int kk = 0; kk < tile; kk++)
            {
                for (int r = 0; r < MatmulPerThread; r++)
                {
                    float av = aTile[(((ty * MatmulPerThread) + r) * tile) + kk];
                    for (int q = 0; q < MatmulPerThread; q++)
                        acc[(r * MatmulPerThread) + q] += av * bTile[(kk * tile) + (tx * MatmulPerThread) + q];
                }
            }
            Group.Barrier();
        }
        for (int r = 0; r < MatmulPerThread; r++)
        {
            long i = row0 + (ty * MatmulPerThread) + r;
            for (int q = 0; q < MatmulPerThread; q++)
            {
                long j = col0 + (tx * MatmulPerThread) + q;
                if (i >= p.M || j >= p.N) continue;
                long at = (i * p.N) + j;
                float product = p.Alpha * acc[(r * MatmulPerThread) + q];
                c[at] = p.Beta == 0f ? product : product + (p.Beta * c[at]);
            }
        }
    }

    /// <summary>output[i] = op(a[i]) or op(a[i], b[i]) (op: <see cref="ElementwiseOp"/>).</summary>
    public static void Elementwise(Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> output, long n, int op, long stride)
    {
        for (long i = index; i < n; i += stride)
        {
            float x = a[i];
            output[i] = op switch
            {
                (int)ElementwiseOp.Relu => x > 0f || float.IsNaN(x) ? x : 0f, // max(x, +0), NaN stays NaN
                (int)ElementwiseOp.Sigmoid => 1f / (1f + MathF.Exp(-x)),
                (int)ElementwiseOp.Tanh => MathF.Tanh(x),
                (int)ElementwiseOp.Add => x + b[i],
                (int)ElementwiseOp.Mul => x * b[i],
                (int)ElementwiseOp.Sqrt => MathF.Sqrt(x),
                (int)ElementwiseOp.Exp => MathF.Exp(x),
                _ => MathF.Log(x),
            };
        }
    }

    /// <summary>
    /// First level of a reduction: partials[i] combines input[j] for j = i, i + P, i + 2P, … &lt; n, where P is the
    /// number of partials (at most n, so none is empty). <see cref="OpSquaredDeviation"/> sums (x − mean[0])².
    /// </summary>
    public static void ReducePartials(Index1D index, ArrayView<float> input, ArrayView<double> partials, long n, int op, ArrayView<double> mean)
    {
        long count = partials.Length;
        for (long i = index; i < count; i += count)
        {
            double center = op == OpSquaredDeviation ? mean[0] : 0;
            double value = Term(input[i], op, center);
            for (long j = i + count; j < n; j += count) value = Combine(value, Term(input[j], op, center), op);
            partials[i] = value;
        }
    }

    /// <summary>Further levels: output[i] combines input[j] for j = i, i + P, … &lt; n, P = output.Length (at most n).</summary>
    public static void ReduceDoubles(Index1D index, ArrayView<double> input, ArrayView<double> output, long n, int op)
    {
        long count = output.Length;
        for (long i = index; i < count; i += count)
        {
            double value = input[i];
            for (long j = i + count; j < n; j += count) value = Combine(value, input[j], op);
            output[i] = value;
        }
    }

    /// <summary>One thread: result = total[0] / divisor, written as f32 to output[0] and as f64 to mean[0].</summary>
    public static void ReduceFinish(Index1D index, ArrayView<double> total, ArrayView<float> output, ArrayView<double> mean, double divisor)
    {
        if (index != 0) return;
        double value = total[0] / divisor;
        mean[0] = value;
        output[0] = (float)value;
    }

    /// <summary>
    /// Random-forest inference on a forest <see cref="ForestChecker"/> accepted (every reachable node in range, no path
    /// longer than maxSteps): output[s] = mean over trees of the leaf sample s reaches.
    /// </summary>
    public static void BatchPredict(Index1D index, ArrayView<float> samples, ArrayView<int> nodes, ArrayView<uint> roots,
        ArrayView<float> output, BatchPredictArgs a)
    {
        for (long s = index; s < a.BatchSize; s += a.Stride)
        {
            double total = 0;
            for (long t = 0; t < a.NTrees; t++)
            {
                long root = roots[t], node = root;
                for (long step = 0; step <= a.MaxSteps; step++)
                {
                    long word = node * 4;
                    int feature = nodes[word];
                    float value = Interop.IntAsFloat((uint)nodes[word + 1]);
                    if (feature < 0)
                    {
                        total += value;
                        break;
                    }
                    float x = samples[(s * a.NFeatures) + feature];
                    node = root + (x <= value ? nodes[word + 2] : nodes[word + 3]); // NaN goes right
                }
            }
            output[s] = (float)(total / a.NTrees);
        }
    }

    private static double Sse(double squares, double sum, long count)
    {
        double sse = squares - (sum * sum / count);
        return sse > 0 ? sse : 0;
    }

    private static double Term(float x, int op, double center)
    {
        if (op != OpSquaredDeviation) return x;
        double d = x - center;
        return d * d;
    }

    /// <summary>Sum, or max/min where NaN wins and +0 is above −0 (as TensorPrimitives.Max/Min).</summary>
    private static double Combine(double a, double b, int op)
    {
        if (op == OpSum || op == OpSquaredDeviation) return a + b;
        if (double.IsNaN(a) || double.IsNaN(b)) return double.NaN;
        if (a == b) return (Interop.FloatAsInt(a) >> 63 != 0) == (op == OpMax) ? b : a;
        return (a > b) == (op == OpMax) ? a : b;
    }
}

/// <summary>Scalars of <see cref="CudaKernels.FindSplit"/>.</summary>
internal readonly record struct FindSplitArgs(long NSamples, long NFeatures, long FeatureIdx, long NThresholds, long Stride);

/// <summary>
/// Scalars of <see cref="CudaKernels.Matmul"/>: row-major <c>C = Alpha·op(A)·op(B) + Beta·C</c>, TransA/TransB 1 for a
/// transpose (kernel parameters must be blittable: no bool); grid row y is row tile y + RowTileOffset.
/// </summary>
internal readonly record struct MatmulArgs(long M, long K, long N, int TransA, int TransB, float Alpha, float Beta, long RowTileOffset);

/// <summary>Scalars of <see cref="CudaKernels.BatchPredict"/>.</summary>
internal readonly record struct BatchPredictArgs(long BatchSize, long NFeatures, long NTrees, long MaxSteps, long Stride);
