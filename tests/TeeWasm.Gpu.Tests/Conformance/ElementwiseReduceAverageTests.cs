using TeeWasm.Gpu.Cpu;
using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Gpu.Tests.Conformance;

/// <summary>Conformance tests every backend passes; the CPU backend runs them in Cpu/CpuConformanceTests.cs.</summary>
public abstract class ElementwiseTests
{
    /// <summary>A fresh backend under test whose buffers may hold <paramref name="memoryLimit"/> bytes in all.</summary>
    protected abstract IGpuBackend NewBackend(long memoryLimit = CpuBackendOptions.DefaultMemoryLimit);

    private static double Reference(ElementwiseOp op, float a, float b) => op switch
    {
        ElementwiseOp.Relu => Math.Max(a, 0),
        ElementwiseOp.Sigmoid => 1 / (1 + Math.Exp(-a)),
        ElementwiseOp.Tanh => Math.Tanh(a),
        ElementwiseOp.Add => (double)a + b,
        ElementwiseOp.Mul => (double)a * b,
        ElementwiseOp.Sqrt => Math.Sqrt(a),
        ElementwiseOp.Exp => Math.Exp(a),
        ElementwiseOp.Log => Math.Log(a),
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    public static TheoryData<ElementwiseOp, int> Cases()
    {
        var data = new TheoryData<ElementwiseOp, int>();
        foreach (var op in Enum.GetValues<ElementwiseOp>())
        {
            foreach (int n in new[] { 1, 7, 1000, 200_003 }) data.Add(op, n);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesScalarReference(ElementwiseOp op, int n)
    {
        var rng = new Random(n + (int)op);
        bool positive = op is ElementwiseOp.Sqrt or ElementwiseOp.Log;
        float[] a = TestData.Random(rng, n, positive ? 0.001f : -5f, 5f), b = TestData.Random(rng, n, -5f, 5f);
        using var gpu = NewBackend();
        uint ia = gpu.Upload(a), ib = gpu.Upload(b), o = gpu.Zeros(n);
        gpu.Elementwise(new ElementwiseParams((uint)n, op), ia, ib, o).Ok();
        float[] actual = gpu.Download<float>(o, n);
        for (int i = 0; i < n; i++)
        {
            double expected = Reference(op, a[i], b[i]);
            TestData.Close(expected, actual[i], 1e-6 + 1e-5 * Math.Abs(expected), $"{op}[{i}]({a[i]}, {b[i]})");
        }
    }

    [Fact]
    public void InPlaceWorks()
    {
        using var gpu = NewBackend();
        uint a = gpu.Upload(new[] { -1f, 4f, 9f });
        gpu.Elementwise(new ElementwiseParams(3, ElementwiseOp.Relu), a, null, a).Ok();
        gpu.Elementwise(new ElementwiseParams(3, ElementwiseOp.Sqrt), a, null, a).Ok();
        gpu.Elementwise(new ElementwiseParams(3, ElementwiseOp.Add), a, a, a).Ok();
        Assert.Equal(new[] { 0f, 4f, 6f }, gpu.Download<float>(a, 3));
    }

    [Fact]
    public void RejectsBadParams()
    {
        using var gpu = NewBackend();
        uint a = gpu.Zeros(4), o = gpu.Zeros(4), small = gpu.Zeros(2);
        gpu.Elementwise(new ElementwiseParams(4, ElementwiseOp.Add), a, null, o).Fails(GpuError.InvalidParams);
        gpu.Elementwise(new ElementwiseParams(4, ElementwiseOp.Mul), a, null, o).Fails(GpuError.InvalidParams);
        gpu.Elementwise(new ElementwiseParams(4, (ElementwiseOp)8), a, null, o).Fails(GpuError.InvalidParams);
        gpu.Elementwise(new ElementwiseParams(4, (ElementwiseOp)(-1)), a, null, o).Fails(GpuError.InvalidParams);
        gpu.Elementwise(new ElementwiseParams(4, ElementwiseOp.Add), a, small, o).Fails(GpuError.InvalidParams);
        gpu.Elementwise(new ElementwiseParams(4, ElementwiseOp.Add), a, 1234, o).Fails(GpuError.InvalidBuffer);
        gpu.Elementwise(new ElementwiseParams(5, ElementwiseOp.Exp), a, null, o).Fails(GpuError.InvalidParams);
        gpu.Elementwise(new ElementwiseParams(4, ElementwiseOp.Exp), a, null, small).Fails(GpuError.InvalidParams);
    }
}

/// <summary>Conformance tests every backend passes; the CPU backend runs them in Cpu/CpuConformanceTests.cs.</summary>
public abstract class ReduceTests
{
    /// <summary>A fresh backend under test whose buffers may hold <paramref name="memoryLimit"/> bytes in all.</summary>
    protected abstract IGpuBackend NewBackend(long memoryLimit = CpuBackendOptions.DefaultMemoryLimit);

    [Theory]
    [InlineData(ReduceOp.Sum)]
    [InlineData(ReduceOp.Max)]
    [InlineData(ReduceOp.Min)]
    [InlineData(ReduceOp.Mean)]
    [InlineData(ReduceOp.Variance)]
    public void MatchesScalarReference(ReduceOp op)
    {
        foreach (int n in new[] { 1, 7, 100, 100_003 })
        {
            var rng = new Random(n);
            float[] x = TestData.Random(rng, n, -3f, 10f);
            double mean = x.Average(v => (double)v);
            double expected = op switch
            {
                ReduceOp.Sum => x.Sum(v => (double)v),
                ReduceOp.Max => x.Max(),
                ReduceOp.Min => x.Min(),
                ReduceOp.Mean => mean,
                _ => x.Sum(v => (v - mean) * (v - mean)) / n,
            };
            using var gpu = NewBackend();
            uint input = gpu.Upload(x), output = gpu.Upload(new[] { 0f, 123f });
            gpu.Reduce(new ReduceParams((uint)n, op), input, output).Ok();
            float[] actual = gpu.Download<float>(output, 2);
            TestData.Close(expected, actual[0], 1e-5 + 2e-6 * Math.Abs(expected) + (op == ReduceOp.Sum ? 1e-6 * n : 0), $"{op} of {n}");
            Assert.Equal(123f, actual[1]);
        }
    }

    [Fact]
    public void EmptyInput()
    {
        using var gpu = NewBackend();
        uint input = gpu.Zeros(0), output = gpu.Upload(new[] { 5f });
        gpu.Reduce(new ReduceParams(0, ReduceOp.Sum), input, output).Ok();
        Assert.Equal(0f, gpu.Download<float>(output, 1)[0]);
        foreach (var op in new[] { ReduceOp.Max, ReduceOp.Min, ReduceOp.Mean, ReduceOp.Variance })
            gpu.Reduce(new ReduceParams(0, op), input, output).Fails(GpuError.InvalidParams);
    }

    [Fact]
    public void RejectsBadParams()
    {
        using var gpu = NewBackend();
        uint input = gpu.Zeros(4), output = gpu.Zeros(1), none = gpu.Zeros(0);
        gpu.Reduce(new ReduceParams(4, (ReduceOp)5), input, output).Fails(GpuError.InvalidParams);
        gpu.Reduce(new ReduceParams(5, ReduceOp.Sum), input, output).Fails(GpuError.InvalidParams);
        gpu.Reduce(new ReduceParams(4, ReduceOp.Sum), input, none).Fails(GpuError.InvalidParams);
        gpu.Reduce(new ReduceParams(4, ReduceOp.Sum), 0, output).Fails(GpuError.InvalidBuffer);
    }
}

/// <summary>Conformance tests every backend passes; the CPU backend runs them in Cpu/CpuConformanceTests.cs.</summary>
public abstract class AverageTests
{
    /// <summary>A fresh backend under test whose buffers may hold <paramref name="memoryLimit"/> bytes in all.</summary>
    protected abstract IGpuBackend NewBackend(long memoryLimit = CpuBackendOptions.DefaultMemoryLimit);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(200, 89)]
    [InlineData(3, 1000)]
    public void MatchesScalarReference(int trees, int samples)
    {
        var rng = new Random(trees * samples);
        float[] x = TestData.Random(rng, trees * samples, 0, 300);
        using var gpu = NewBackend();
        uint input = gpu.Upload(x), output = gpu.Zeros(samples);
        gpu.Average(new AverageParams((uint)trees, (uint)samples), input, output).Ok();
        float[] actual = gpu.Download<float>(output, samples);
        for (int s = 0; s < samples; s++)
        {
            double expected = x.Skip(s * trees).Take(trees).Average(v => (double)v);
            TestData.Close(expected, actual[s], 1e-4, $"mean[{s}]");
        }
    }

    [Fact]
    public void RejectsBadParams()
    {
        using var gpu = NewBackend();
        uint input = gpu.Zeros(6), output = gpu.Zeros(2);
        gpu.Average(new AverageParams(0, 2), input, output).Fails(GpuError.InvalidParams);
        gpu.Average(new AverageParams(4, 2), input, output).Fails(GpuError.InvalidParams);
        gpu.Average(new AverageParams(3, 3), input, output).Fails(GpuError.InvalidParams);
        gpu.Average(new AverageParams(3, 2), input, 42).Fails(GpuError.InvalidBuffer);
        gpu.Average(new AverageParams(uint.MaxValue, uint.MaxValue), input, output).Fails(GpuError.InvalidParams);
    }
}
