using System.Buffers.Binary;
using TeeWasm.Gpu.Cpu;
using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Gpu.Tests.Conformance;

/// <summary>Conformance tests every backend passes; the CPU backend runs them in Cpu/CpuConformanceTests.cs.</summary>
public abstract class BatchPredictTests
{
    /// <summary>A fresh backend under test whose buffers may hold <paramref name="memoryLimit"/> bytes in all.</summary>
    protected abstract IGpuBackend NewBackend(long memoryLimit = CpuBackendOptions.DefaultMemoryLimit);

    private readonly record struct Node(int Feature, float Value, int Left, int Right);

    /// <summary>Builds a random tree (children relative to its root) of at most <paramref name="depth"/> levels.</summary>
    private static void Grow(List<Node> tree, Random rng, int nFeatures, int depth)
    {
        int self = tree.Count;
        if (depth == 0 || rng.Next(4) == 0)
        {
            tree.Add(new Node(-1, rng.NextSingle() * 300, 0, 0));
            return;
        }
        tree.Add(default);
        int left = tree.Count;
        Grow(tree, rng, nFeatures, depth - 1);
        int right = tree.Count;
        Grow(tree, rng, nFeatures, depth - 1);
        tree[self] = new Node(rng.Next(nFeatures), rng.NextSingle() * 2 - 1, left, right);
    }

    private static byte[] Encode(IEnumerable<Node> nodes)
    {
        var list = nodes.ToList();
        var bytes = new byte[list.Count * TreeNodeLayout.NodeSize];
        for (int i = 0; i < list.Count; i++)
        {
            var w = bytes.AsSpan(i * 16, 16);
            BinaryPrimitives.WriteInt32LittleEndian(w, list[i].Feature);
            BinaryPrimitives.WriteSingleLittleEndian(w[4..], list[i].Value);
            BinaryPrimitives.WriteInt32LittleEndian(w[8..], list[i].Left);
            BinaryPrimitives.WriteInt32LittleEndian(w[12..], list[i].Right);
        }
        return bytes;
    }

    private static float PredictOne(List<Node> tree, float[] x, int offset)
    {
        var node = tree[0];
        while (node.Feature >= 0) node = tree[x[offset + node.Feature] <= node.Value ? node.Left : node.Right];
        return node.Value;
    }

    [Theory]
    [InlineData(1, 1, 1, 0)]
    [InlineData(89, 10, 200, 16)]   // the diabetes benchmark's shape (runs in parallel)
    [InlineData(7, 3, 5, 4)]
    public void MatchesScalarReference(int batch, int nFeatures, int nTrees, int maxDepth)
    {
        var rng = new Random(batch + nTrees);
        var trees = new List<List<Node>>();
        for (int t = 0; t < nTrees; t++)
        {
            var tree = new List<Node>();
            Grow(tree, rng, nFeatures, maxDepth);
            trees.Add(tree);
        }
        uint[] offsets = new uint[nTrees];
        for (int t = 1; t < nTrees; t++) offsets[t] = offsets[t - 1] + (uint)trees[t - 1].Count;
        float[] samples = TestData.Random(rng, batch * nFeatures);

        using var gpu = NewBackend();
        uint s = gpu.Upload(samples), n = gpu.Upload(Encode(trees.SelectMany(t => t))), o = gpu.Upload(offsets), output = gpu.Zeros(batch);
        gpu.BatchPredict(new BatchPredictParams((uint)batch, (uint)nFeatures, (uint)nTrees, (uint)maxDepth), s, n, o, output).Ok();
        float[] actual = gpu.Download<float>(output, batch);
        for (int i = 0; i < batch; i++)
        {
            double expected = trees.Average(t => (double)PredictOne(t, samples, i * nFeatures));
            TestData.Close(expected, actual[i], 1e-3, $"prediction[{i}]");
        }
    }

    [Fact]
    public void DocumentedLayoutExample()
    {
        // Tree 0: x0 <= 0.5 ? 10 : 20. Tree 1 (root at node 3): a single leaf 40.
        byte[] nodes = Encode([new Node(0, 0.5f, 1, 2), new Node(-1, 10, 0, 0), new Node(-1, 20, 0, 0), new Node(-1, 40, 0, 0)]);
        using var gpu = NewBackend();
        uint s = gpu.Upload(new[] { 0.2f, 0.9f, float.NaN }), n = gpu.Upload(nodes), o = gpu.Upload(new uint[] { 0, 3 }), output = gpu.Zeros(3);
        gpu.BatchPredict(new BatchPredictParams(3, 1, 2, 1), s, n, o, output).Ok();
        Assert.Equal(new[] { 25f, 30f, 30f }, gpu.Download<float>(output, 3));
    }

    [Fact]
    public void RejectsMalformedForests()
    {
        using var gpu = NewBackend();
        uint s = gpu.Upload(new[] { 0.2f }), output = gpu.Upload(new[] { 7f });
        void Expect(GpuError error, uint maxDepth, uint[] roots, params Node[] nodes)
        {
            uint n = gpu.Upload(Encode(nodes)), o = gpu.Upload(roots);
            gpu.BatchPredict(new BatchPredictParams(1, 1, (uint)roots.Length, maxDepth), s, n, o, output).Fails(error);
            Assert.Equal(7f, gpu.Download<float>(output, 1)[0]); // output untouched
        }
        Expect(GpuError.InvalidParams, 4, [0], new Node(0, 0.5f, 5, 1));                            // child outside the buffer
        Expect(GpuError.InvalidParams, 4, [0], new Node(0, 0.5f, -1, 1));                           // negative child
        Expect(GpuError.InvalidParams, 4, [0], new Node(3, 0.5f, 1, 1), new Node(-1, 1, 0, 0));    // feature >= n_features
        Expect(GpuError.InvalidParams, 1_000_000, [0], new Node(0, 0.5f, 0, 0));                    // a cycle
        Expect(GpuError.InvalidParams, 0, [0], new Node(0, 0.5f, 1, 1), new Node(-1, 1, 0, 0));    // deeper than max_depth
        Expect(GpuError.InvalidParams, 4, [9], new Node(-1, 1, 0, 0));                              // root outside
        Expect(GpuError.InvalidParams, 4, [], new Node(-1, 1, 0, 0));                               // no trees
    }
}
