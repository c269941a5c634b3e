using TeeWasm.Gpu.Cpu;
using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Gpu.Tests.Conformance;

/// <summary>Conformance tests every backend passes; the CPU backend runs them in Cpu/CpuConformanceTests.cs.</summary>
public abstract class BootstrapTests
{
    /// <summary>A fresh backend under test whose buffers may hold <paramref name="memoryLimit"/> bytes in all.</summary>
    protected abstract IGpuBackend NewBackend(long memoryLimit = CpuBackendOptions.DefaultMemoryLimit);

    [Fact]
    public void FollowsTheWgslShaderFormula()
    {
        using var gpu = NewBackend();
        uint output = gpu.Zeros(8);
        gpu.BootstrapSample(new BootstrapParams(8, 42, 353), output).Ok();
        // Computed independently (Python) from state = seed + i*747796405 + 2891336453, xorshift(13,17,5) twice.
        Assert.Equal(new uint[] { 136, 284, 170, 179, 26, 137, 166, 292 }, gpu.Download<uint>(output, 8));
        gpu.BootstrapSample(new BootstrapParams(4, 0, 1000), output).Ok();
        Assert.Equal(new uint[] { 573, 720, 894, 539 }, gpu.Download<uint>(output, 4));
    }

    [Fact]
    public void IsDeterministicInRangeAndSeedDependent()
    {
        using var gpu = NewBackend();
        uint o1 = gpu.Zeros(1001), o2 = gpu.Zeros(1001);
        gpu.BootstrapSample(new BootstrapParams(1001, 7, 13), o1).Ok();
        gpu.BootstrapSample(new BootstrapParams(1001, 7, 13), o2).Ok();
        uint[] x = gpu.Download<uint>(o1, 1001);
        Assert.Equal(x, gpu.Download<uint>(o2, 1001));
        Assert.All(x, v => Assert.InRange(v, 0u, 12u));
        Assert.Equal(13, x.Distinct().Count());
        gpu.BootstrapSample(new BootstrapParams(1001, 8, 13), o2).Ok();
        Assert.NotEqual(x, gpu.Download<uint>(o2, 1001));
    }

    [Fact]
    public void RejectsBadParams()
    {
        using var gpu = NewBackend();
        uint output = gpu.Zeros(4);
        gpu.BootstrapSample(new BootstrapParams(4, 1, 0), output).Fails(GpuError.InvalidParams);
        gpu.BootstrapSample(new BootstrapParams(5, 1, 10), output).Fails(GpuError.InvalidParams);
        gpu.BootstrapSample(new BootstrapParams(4, 1, 10), 77).Fails(GpuError.InvalidBuffer);
    }
}

/// <summary>Conformance tests every backend passes; the CPU backend runs them in Cpu/CpuConformanceTests.cs.</summary>
public abstract class FindSplitTests
{
    /// <summary>A fresh backend under test whose buffers may hold <paramref name="memoryLimit"/> bytes in all.</summary>
    protected abstract IGpuBackend NewBackend(long memoryLimit = CpuBackendOptions.DefaultMemoryLimit);

    private static double[] Reference(float[] data, int nFeatures, int feature, float[] labels, uint[] indices, float[] thresholds)
    {
        var scores = new double[thresholds.Length];
        for (int t = 0; t < thresholds.Length; t++)
        {
            var left = indices.Where(r => data[r * nFeatures + feature] <= thresholds[t]).Select(r => (double)labels[r]).ToArray();
            var right = indices.Where(r => !(data[r * nFeatures + feature] <= thresholds[t])).Select(r => (double)labels[r]).ToArray();
            if (left.Length == 0 || right.Length == 0)
            {
                scores[t] = double.PositiveInfinity;
                continue;
            }
            double ml = left.Average(), mr = right.Average();
            scores[t] = left.Sum(y => (y - ml) * (y - ml)) + right.Sum(y => (y - mr) * (y - mr));
        }
        return scores;
    }

    [Theory]
    [InlineData(50, 5, 0, 50)]
    [InlineData(353, 10, 3, 353)]
    [InlineData(353, 10, 9, 17)]   // a node: 17 indices anywhere in the full data set
    [InlineData(7, 1, 0, 1)]
    public void MatchesScalarReference(int rows, int nFeatures, int feature, int nIndices)
    {
        var rng = new Random(rows + nIndices);
        float[] data = TestData.Random(rng, rows * nFeatures);
        data[nFeatures + feature] = float.NaN; // a NaN value never goes left
        float[] labels = TestData.Random(rng, rows, 25, 346);
        uint[] indices = Enumerable.Range(0, nIndices).Select(_ => (uint)rng.Next(rows)).ToArray();
        var values = indices.Select(r => data[r * nFeatures + feature]).Where(v => !float.IsNaN(v)).Distinct().Order().ToArray();
        var thresholds = values.Zip(values.Skip(1), (x, y) => (x + y) / 2)
            .Concat([-2f, 2f, float.NaN, float.PositiveInfinity, values[0]]).ToArray();

        using var gpu = NewBackend();
        uint d = gpu.Upload(data), l = gpu.Upload(labels), i = gpu.Upload(indices), t = gpu.Upload(thresholds), o = gpu.Zeros(thresholds.Length);
        gpu.FindSplit(new FindSplitParams((uint)nIndices, (uint)nFeatures, (uint)feature, (uint)thresholds.Length), d, l, i, t, o).Ok();
        float[] actual = gpu.Download<float>(o, thresholds.Length);
        double[] expected = Reference(data, nFeatures, feature, labels, indices, thresholds);
        for (int k = 0; k < expected.Length; k++)
            TestData.Close(expected[k], actual[k], 1e-3 + 1e-5 * Math.Abs(expected[k]), $"score[{k}] (t = {thresholds[k]})");
    }

    [Fact]
    public void IndexesTheFullDataSetByRow()
    {
        // The original read only the first n_samples rows: rows 3..5 of a 6-row set were out of its reach.
        float[] data = [0, 0, 0, 1, 2, 3];
        float[] labels = [0, 0, 0, 10, 20, 100];
        using var gpu = NewBackend();
        uint d = gpu.Upload(data), l = gpu.Upload(labels), i = gpu.Upload(new uint[] { 3, 4, 5 }), t = gpu.Upload(new[] { 2.5f }), o = gpu.Zeros(1);
        gpu.FindSplit(new FindSplitParams(3, 1, 0, 1), d, l, i, t, o).Ok();
        Assert.Equal(50f, gpu.Download<float>(o, 1)[0]); // left {10, 20}: SSE 50; right {100}: 0
    }

    [Fact]
    public void OutputMayBeTheThresholdBuffer()
    {
        float[] data = [0, 0, 0, 1, 2, 3];
        float[] labels = [0, 0, 0, 10, 20, 100];
        using var gpu = NewBackend();
        uint d = gpu.Upload(data), l = gpu.Upload(labels), i = gpu.Upload(new uint[] { 3, 4, 5 }), t = gpu.Upload(new[] { 2.5f, 0.5f });
        gpu.FindSplit(new FindSplitParams(3, 1, 0, 2), d, l, i, t, t).Ok();
        Assert.Equal(new[] { 50f, float.PositiveInfinity }, gpu.Download<float>(t, 2));
    }

    [Theory]
    [InlineData(6u)]
    [InlineData(uint.MaxValue)]
    public void RejectsRowIndicesOutsideTheData(uint badRow)
    {
        using var gpu = NewBackend();
        uint d = gpu.Upload(new float[12]), l = gpu.Upload(new float[6]), i = gpu.Upload(new uint[] { 0, badRow }), t = gpu.Upload(new[] { 0.5f });
        uint o = gpu.Upload(new[] { 42f });
        gpu.FindSplit(new FindSplitParams(2, 2, 1, 1), d, l, i, t, o).Fails(GpuError.InvalidParams);
        Assert.Equal(42f, gpu.Download<float>(o, 1)[0]); // nothing written
    }

    [Fact]
    public void RejectsBadShapes()
    {
        using var gpu = NewBackend();
        uint d = gpu.Upload(new float[12]), l = gpu.Upload(new float[3]), i = gpu.Upload(new uint[] { 0, 5 }), t = gpu.Upload(new[] { 0.5f }), o = gpu.Zeros(1);
        gpu.FindSplit(new FindSplitParams(2, 2, 2, 1), d, l, i, t, o).Fails(GpuError.InvalidParams);  // feature >= n_features
        gpu.FindSplit(new FindSplitParams(2, 0, 0, 1), d, l, i, t, o).Fails(GpuError.InvalidParams);  // no features
        gpu.FindSplit(new FindSplitParams(3, 2, 0, 1), d, l, i, t, o).Fails(GpuError.InvalidParams);  // indices too short
        gpu.FindSplit(new FindSplitParams(2, 2, 0, 2), d, l, i, t, o).Fails(GpuError.InvalidParams);  // thresholds too short
        gpu.FindSplit(new FindSplitParams(2, 2, 0, 1), d, l, i, t, o).Fails(GpuError.InvalidParams);  // row 5 has no label
        gpu.FindSplit(new FindSplitParams(2, 2, 0, 1), d, 99, i, t, o).Fails(GpuError.InvalidBuffer);
    }

    [Fact]
    public void EmptyNodeScoresInfinity()
    {
        using var gpu = NewBackend();
        uint d = gpu.Zeros(4), l = gpu.Zeros(4), i = gpu.Zeros(0), t = gpu.Upload(new[] { 0f, 1f }), o = gpu.Zeros(2);
        gpu.FindSplit(new FindSplitParams(0, 1, 0, 2), d, l, i, t, o).Ok();
        Assert.All(gpu.Download<float>(o, 2), s => Assert.Equal(float.PositiveInfinity, s));
    }
}
