using System.Buffers.Binary;
using System.Runtime.InteropServices;
using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Gpu.Cpu;

/// <summary>Random-forest inference over the <see cref="TreeNodeLayout"/> node format, samples in parallel.</summary>
internal static class CpuBatchPredict
{
    // Sample·tree pairs below which one thread is faster: ~40 ns a pair, so 2^18 pairs is ~10 ms of work; below that,
    // starting pool threads (first use in a short-lived host, on loaded cores) costs more than it saves.
    private const long ParallelThreshold = 1 << 18;

    /// <summary>
    /// Writes the mean leaf value over trees for each sample. A root or child outside the node buffer, a feature index
    /// not below nFeatures, or a path longer than maxDepth (also a cycle) gives InvalidParams and leaves
    /// <paramref name="output"/> unchanged (results are staged, so the output may also be an input buffer).
    /// </summary>
    public static GpuResult Predict(in BatchPredictParams p, byte[] samples, byte[] nodes, int nodeCount, uint[] roots,
        byte[] output, int maxDegreeOfParallelism)
    {
        int batch = (int)p.BatchSize, nFeatures = (int)p.NFeatures;
        // A path never needs more steps than there are nodes: this bounds the work even for a cyclic "tree".
        int maxSteps = (int)Math.Min(p.MaxDepth, (uint)nodeCount);
        foreach (uint root in roots)
        {
            if (root >= (uint)nodeCount) return GpuError.InvalidParams;
        }
        int failed = 0;
        float[] results = new float[batch];
        void One(int s)
        {
            ReadOnlySpan<float> x = MemoryMarshal.Cast<byte, float>(samples.AsSpan()).Slice(s * nFeatures, nFeatures);
            ReadOnlySpan<byte> all = nodes.AsSpan(0, nodeCount * TreeNodeLayout.NodeSize);
            double total = 0;
            foreach (uint root in roots)
            {
                int node = (int)root;
                for (int step = 0; ; step++)
                {
                    var word = all.Slice(node * TreeNodeLayout.NodeSize, TreeNodeLayout.NodeSize);
                    int feature = BinaryPrimitives.ReadInt32LittleEndian(word);
                    float value = BinaryPrimitives.ReadSingleLittleEndian(word[4..]);
                    if (feature < 0)
                    {
                        total += value;
                        break;
                    }
                    if (feature >= nFeatures || step >= maxSteps)
                    {
                        Volatile.Write(ref failed, 1);
                        return;
                    }
                    int child = BinaryPrimitives.ReadInt32LittleEndian(word[(x[feature] <= value ? 8 : 12)..]);
                    long next = (long)root + child;
                    if (child < 0 || next >= nodeCount)
                    {
                        Volatile.Write(ref failed, 1);
                        return;
                    }
                    node = (int)next;
                }
            }
            results[s] = (float)(total / roots.Length);
        }

        if ((long)batch * roots.Length < ParallelThreshold || maxDegreeOfParallelism <= 1)
        {
            for (int s = 0; s < batch && failed == 0; s++) One(s);
        }
        else
        {
            Parallel.For(0, batch, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, (s, state) =>
            {
                One(s);
                if (Volatile.Read(ref failed) != 0) state.Stop();
            });
        }
        if (failed != 0) return GpuError.InvalidParams;
        results.AsSpan().CopyTo(MemoryMarshal.Cast<byte, float>(output.AsSpan()));
        return GpuResult.Ok;
    }
}
