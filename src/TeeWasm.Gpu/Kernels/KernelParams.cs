namespace TeeWasm.Gpu.Kernels;

/// <summary>Parameters of <c>kernel-bootstrap-sample</c>.</summary>
/// <param name="NSamples">How many indices to draw.</param>
/// <param name="Seed">Seed; the same seed gives the same indices on every backend.</param>
/// <param name="MaxIndex">Indices are drawn from [0, MaxIndex); must be greater than 0.</param>
public readonly record struct BootstrapParams(uint NSamples, uint Seed, uint MaxIndex);

/// <summary>Parameters of <c>kernel-find-split</c>.</summary>
/// <param name="NSamples">Number of row indices (the node's rows).</param>
/// <param name="NFeatures">Features per row of the row-major data.</param>
/// <param name="FeatureIdx">The feature to split on; less than <paramref name="NFeatures"/>.</param>
/// <param name="NThresholds">Number of thresholds to score.</param>
public readonly record struct FindSplitParams(uint NSamples, uint NFeatures, uint FeatureIdx, uint NThresholds);

/// <summary>Parameters of <c>kernel-average</c>.</summary>
/// <param name="NTrees">Predictions per sample; greater than 0.</param>
/// <param name="NSamples">Number of samples.</param>
public readonly record struct AverageParams(uint NTrees, uint NSamples);

/// <summary>Parameters of <c>kernel-matmul</c>: row-major <c>C = Alpha*op(A)*op(B) + Beta*C</c>, C is M×N.</summary>
/// <param name="M">Rows of op(A) and C.</param>
/// <param name="K">Columns of op(A), rows of op(B).</param>
/// <param name="N">Columns of op(B) and C.</param>
/// <param name="TransA">op(A) = Aᵀ: A is stored K×M.</param>
/// <param name="TransB">op(B) = Bᵀ: B is stored N×K.</param>
/// <param name="Alpha">Scale of the product.</param>
/// <param name="Beta">Scale of the old C; 0 means C is not read (NaN in it does not propagate).</param>
public readonly record struct MatmulParams(uint M, uint K, uint N, bool TransA, bool TransB, float Alpha, float Beta);

/// <summary>The <c>elementwise-op</c> enum of <c>wasi:gpu</c>.</summary>
public enum ElementwiseOp
{
    /// <summary>max(x, 0).</summary>
    Relu = 0,

    /// <summary>1 / (1 + e^-x).</summary>
    Sigmoid = 1,

    /// <summary>tanh(x).</summary>
    Tanh = 2,

    /// <summary>a + b (needs input b).</summary>
    Add = 3,

    /// <summary>a * b (needs input b).</summary>
    Mul = 4,

    /// <summary>√x.</summary>
    Sqrt = 5,

    /// <summary>e^x.</summary>
    Exp = 6,

    /// <summary>ln x.</summary>
    Log = 7,
}

/// <summary>Parameters of <c>kernel-elementwise</c>.</summary>
/// <param name="NElements">Number of f32 elements.</param>
/// <param name="Op">The operation; values outside the enum are rejected with InvalidParams.</param>
public readonly record struct ElementwiseParams(uint NElements, ElementwiseOp Op);

/// <summary>The <c>reduce-op</c> enum of <c>wasi:gpu</c>.</summary>
public enum ReduceOp
{
    /// <summary>Σx (0 for no elements).</summary>
    Sum = 0,

    /// <summary>Largest element.</summary>
    Max = 1,

    /// <summary>Smallest element.</summary>
    Min = 2,

    /// <summary>Arithmetic mean.</summary>
    Mean = 3,

    /// <summary>Population variance: Σ(x − mean)² / n.</summary>
    Variance = 4,
}

/// <summary>Parameters of <c>kernel-reduce</c>.</summary>
/// <param name="NElements">Number of f32 elements; 0 is allowed only for <see cref="ReduceOp.Sum"/>.</param>
/// <param name="Op">The operation; values outside the enum are rejected with InvalidParams.</param>
public readonly record struct ReduceParams(uint NElements, ReduceOp Op);

/// <summary>Parameters of <c>kernel-batch-predict</c> (node layout: see <see cref="TreeNodeLayout"/>).</summary>
/// <param name="BatchSize">Number of samples (rows of the row-major sample matrix).</param>
/// <param name="NFeatures">Features per sample.</param>
/// <param name="NTrees">Number of trees; greater than 0.</param>
/// <param name="MaxDepth">Most edges followed from a root to a leaf; a deeper (or cyclic) tree is InvalidParams.</param>
public readonly record struct BatchPredictParams(uint BatchSize, uint NFeatures, uint NTrees, uint MaxDepth);
