namespace TeeWasm.Gpu.Kernels;

/// <summary>
/// The node layout of <c>kernel-batch-predict</c> (ours to define; the original wrote zeros). Each node is
/// <see cref="NodeSize"/> = 16 bytes, four little-endian 32-bit words:
/// <list type="table">
/// <item><term>word 0, i32</term><description>feature index; −1 (any negative value) marks a leaf</description></item>
/// <item><term>word 1, f32</term><description>threshold of an internal node; the prediction of a leaf</description></item>
/// <item><term>word 2, i32</term><description>left child (taken when <c>x[feature] &lt;= threshold</c>)</description></item>
/// <item><term>word 3, i32</term><description>right child (taken otherwise, also when x is NaN)</description></item>
/// </list>
/// Child indices are relative to the tree's root: node <c>tree_offsets[t] + child</c> of the node buffer. The
/// <c>tree_offsets</c> buffer holds <c>n_trees</c> u32: the absolute index of each tree's root node. Leaves' child words
/// are ignored. The output for sample s is the mean of its n_trees leaf values.
/// </summary>
public static class TreeNodeLayout
{
    /// <summary>Bytes per node.</summary>
    public const int NodeSize = 16;

    /// <summary>The feature index that marks a leaf.</summary>
    public const int Leaf = -1;
}
