using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace TeeWasm.Gpu.Kernels;

/// <summary>
/// The host-side check of a forest before batch-predict runs on the GPU: from every root, every node a sample could
/// reach must be inside the node buffer, internal nodes must name a feature below n_features and non-negative
/// children, and no path may follow more than max_steps edges (which also rejects cycles). This is what the CPU
/// backend finds on the paths samples take; here every reachable node is checked, so a malformed node no sample
/// reaches is rejected too. O(nodes per tree) per tree.
/// </summary>
internal static class ForestChecker
{
    /// <summary>
    /// True when the forest of a batch-predict call is well formed: <paramref name="nodes"/> and <paramref name="offsets"/>
    /// are the contents of its node and offset buffers. Gives the node count and the step bound (the smaller of
    /// max_depth and the node count: no path needs more steps than there are nodes).
    /// </summary>
    public static bool IsValid(byte[] nodes, ReadOnlySpan<byte> offsets, in BatchPredictParams p, out int nodeCount, out uint maxSteps)
    {
        nodeCount = (int)Math.Min(nodes.Length / TreeNodeLayout.NodeSize, int.MaxValue);
        maxSteps = Math.Min(p.MaxDepth, (uint)nodeCount);
        return IsValid(nodes, nodeCount, MemoryMarshal.Cast<byte, uint>(offsets)[..(int)p.NTrees], p.NFeatures, maxSteps);
    }

    /// <summary>True when the forest is well formed.</summary>
    public static bool IsValid(byte[] nodes, int nodeCount, ReadOnlySpan<uint> roots, uint nFeatures, uint maxSteps)
    {
        // height[node] for the current tree: -1 unknown, -2 on the current path (a cycle if met again).
        var height = new Dictionary<int, int>();
        var stack = new Stack<(int Node, bool Expanded)>();
        foreach (uint root in roots)
        {
            if (root >= (uint)nodeCount) return false;
            height.Clear();
            stack.Push(((int)root, false));
            while (stack.Count > 0)
            {
                var (node, expanded) = stack.Pop();
                var word = nodes.AsSpan(node * TreeNodeLayout.NodeSize, TreeNodeLayout.NodeSize);
                int feature = BinaryPrimitives.ReadInt32LittleEndian(word);
                if (!expanded)
                {
                    if (height.TryGetValue(node, out int known))
                    {
                        if (known == -2) return false; // cycle
                        continue;
                    }
                    if (feature < 0)
                    {
                        height[node] = 0;
                        continue;
                    }
                    if ((uint)feature >= nFeatures) return false;
                    height[node] = -2;
                    stack.Push((node, true));
                    for (int side = 8; side <= 12; side += 4)
                    {
                        int child = BinaryPrimitives.ReadInt32LittleEndian(word[side..]);
                        long next = (long)root + child;
                        if (child < 0 || next >= nodeCount) return false;
                        if (height.TryGetValue((int)next, out int h) && h == -2) return false;
                        if (!height.ContainsKey((int)next)) stack.Push(((int)next, false));
                    }
                }
                else
                {
                    int hl = height[(int)(root + BinaryPrimitives.ReadInt32LittleEndian(word[8..]))];
                    int hr = height[(int)(root + BinaryPrimitives.ReadInt32LittleEndian(word[12..]))];
                    if (hl < 0 || hr < 0) return false;
                    int h = 1 + Math.Max(hl, hr);
                    if (h > maxSteps) return false;
                    height[node] = h;
                }
            }
        }
        return true;
    }
}
