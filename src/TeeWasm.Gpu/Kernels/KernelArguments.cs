namespace TeeWasm.Gpu.Kernels;

/// <summary>
/// The argument checks of each kernel, the same on every backend and in the same order (so a call with several faults
/// gets the same error everywhere): every buffer exists (else InvalidBuffer) and holds the elements the shape needs, and
/// every parameter is in range (else InvalidParams). Each returns null when the kernel may run, with the buffers found.
/// </summary>
internal static class KernelArguments
{
    /// <summary>bootstrap-sample: the output holds n_samples; max_index &gt; 0.</summary>
    public static GpuError? Bootstrap<T>(GpuBufferTable<T> buffers, in BootstrapParams p, uint output, out GpuBufferTable<T>.Entry dst) where T : class
    {
        if (buffers.Elements(output, p.NSamples, out dst) is { } error) return error;
        return p.MaxIndex == 0 ? GpuError.InvalidParams : null;
    }

    /// <summary>find-split: indices hold n_samples, thresholds and scores n_thresholds; feature_idx &lt; n_features. Row indices are checked by <see cref="RowsInRange"/>.</summary>
    public static GpuError? FindSplit<T>(GpuBufferTable<T> buffers, in FindSplitParams p, uint data, uint labels, uint indices, uint thresholds,
        uint scores, out FindSplitBuffers<T> found) where T : class
    {
        found = default;
        if (buffers.Elements(data, 0, out var x) is { } e1) return e1;
        if (buffers.Elements(labels, 0, out var y) is { } e2) return e2;
        if (buffers.Elements(indices, p.NSamples, out var idx) is { } e3) return e3;
        if (buffers.Elements(thresholds, p.NThresholds, out var t) is { } e4) return e4;
        if (buffers.Elements(scores, p.NThresholds, out var o) is { } e5) return e5;
        if (p.NFeatures == 0 || p.FeatureIdx >= p.NFeatures) return GpuError.InvalidParams;
        found = new(x, y, idx, t, o);
        return null;
    }

    /// <summary>True when every row index is a whole row of the data (<paramref name="dataBytes"/>) and has a label.</summary>
    public static bool RowsInRange(ReadOnlySpan<uint> rows, ulong dataBytes, uint nFeatures, ulong labelBytes)
    {
        ulong dataRows = dataBytes / 4 / nFeatures, labelCount = labelBytes / 4;
        foreach (uint row in rows)
        {
            if (row >= dataRows || row >= labelCount) return false;
        }
        return true;
    }

    /// <summary>average: the predictions hold n_trees·n_samples, the output n_samples; n_trees &gt; 0.</summary>
    public static GpuError? Average<T>(GpuBufferTable<T> buffers, in AverageParams p, uint predictions, uint output,
        out GpuBufferTable<T>.Entry input, out GpuBufferTable<T>.Entry dst) where T : class
    {
        dst = null!;
        if (buffers.Elements(predictions, (ulong)p.NTrees * p.NSamples, out input) is { } e1) return e1;
        if (buffers.Elements(output, p.NSamples, out dst) is { } e2) return e2;
        return p.NTrees == 0 ? GpuError.InvalidParams : null;
    }

    /// <summary>matmul: A holds m·k, B k·n, C m·n elements.</summary>
    public static GpuError? Matmul<T>(GpuBufferTable<T> buffers, in MatmulParams p, uint a, uint b, uint c,
        out GpuBufferTable<T>.Entry aBuffer, out GpuBufferTable<T>.Entry bBuffer, out GpuBufferTable<T>.Entry cBuffer) where T : class
    {
        bBuffer = cBuffer = null!;
        if (buffers.Elements(a, (ulong)p.M * p.K, out aBuffer) is { } e1) return e1;
        if (buffers.Elements(b, (ulong)p.K * p.N, out bBuffer) is { } e2) return e2;
        return buffers.Elements(c, (ulong)p.M * p.N, out cBuffer);
    }

    /// <summary>
    /// element-wise: input A and the output hold n_elements, the op is defined, and add and mul have an input B of
    /// n_elements (<paramref name="bBuffer"/> is A for the other ops).
    /// </summary>
    public static GpuError? Elementwise<T>(GpuBufferTable<T> buffers, in ElementwiseParams p, uint inputA, uint? inputB, uint output,
        out GpuBufferTable<T>.Entry aBuffer, out GpuBufferTable<T>.Entry bBuffer, out GpuBufferTable<T>.Entry dst) where T : class
    {
        bBuffer = dst = null!;
        if (buffers.Elements(inputA, p.NElements, out aBuffer) is { } e1) return e1;
        if (buffers.Elements(output, p.NElements, out dst) is { } e2) return e2;
        if (!Enum.IsDefined(p.Op)) return GpuError.InvalidParams;
        bBuffer = aBuffer;
        if (p.Op is not (ElementwiseOp.Add or ElementwiseOp.Mul)) return null;
        if (inputB is not uint bId) return GpuError.InvalidParams;
        return buffers.Elements(bId, p.NElements, out bBuffer);
    }

    /// <summary>reduce: the input holds n_elements, the output one; the op is defined; no elements only for sum.</summary>
    public static GpuError? Reduce<T>(GpuBufferTable<T> buffers, in ReduceParams p, uint input, uint output,
        out GpuBufferTable<T>.Entry x, out GpuBufferTable<T>.Entry dst) where T : class
    {
        dst = null!;
        if (buffers.Elements(input, p.NElements, out x) is { } e1) return e1;
        if (buffers.Elements(output, 1, out dst) is { } e2) return e2;
        return !Enum.IsDefined(p.Op) || (p.NElements == 0 && p.Op != ReduceOp.Sum) ? GpuError.InvalidParams : null;
    }

    /// <summary>batch-predict: samples hold batch_size·n_features, offsets n_trees, the output batch_size; n_trees &gt; 0. The forest is checked by <see cref="ForestChecker"/>.</summary>
    public static GpuError? BatchPredict<T>(GpuBufferTable<T> buffers, in BatchPredictParams p, uint samples, uint treeNodes, uint treeOffsets,
        uint output, out BatchPredictBuffers<T> found) where T : class
    {
        found = default;
        if (buffers.Elements(samples, (ulong)p.BatchSize * p.NFeatures, out var x) is { } e1) return e1;
        if (buffers.Elements(treeNodes, 0, out var nodes) is { } e2) return e2;
        if (buffers.Elements(treeOffsets, p.NTrees, out var offsets) is { } e3) return e3;
        if (buffers.Elements(output, p.BatchSize, out var dst) is { } e4) return e4;
        if (p.NTrees == 0) return GpuError.InvalidParams;
        found = new(x, nodes, offsets, dst);
        return null;
    }
}

/// <summary>The buffers of a find-split call.</summary>
internal readonly record struct FindSplitBuffers<T>(GpuBufferTable<T>.Entry Data, GpuBufferTable<T>.Entry Labels, GpuBufferTable<T>.Entry Indices,
    GpuBufferTable<T>.Entry Thresholds, GpuBufferTable<T>.Entry Scores) where T : class;

/// <summary>The buffers of a batch-predict call.</summary>
internal readonly record struct BatchPredictBuffers<T>(GpuBufferTable<T>.Entry Samples, GpuBufferTable<T>.Entry Nodes,
    GpuBufferTable<T>.Entry Offsets, GpuBufferTable<T>.Entry Output) where T : class;
