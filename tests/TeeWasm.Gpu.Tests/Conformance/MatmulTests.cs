using TeeWasm.Gpu.Cpu;
using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Gpu.Tests.Conformance;

/// <summary>Conformance tests every backend passes; the CPU backend runs them in Cpu/CpuConformanceTests.cs.</summary>
public abstract class MatmulTests
{
    /// <summary>A fresh backend under test whose buffers may hold <paramref name="memoryLimit"/> bytes in all.</summary>
    protected abstract IGpuBackend NewBackend(long memoryLimit = CpuBackendOptions.DefaultMemoryLimit);

    [Theory]
    [InlineData(1, 1, 1, false, false, 1f, 0f)]
    [InlineData(7, 5, 3, false, false, 1f, 0f)]
    [InlineData(6, 16, 16, false, false, 2f, 0f)]
    [InlineData(13, 17, 19, true, false, 1f, 0.5f)]
    [InlineData(33, 65, 31, false, true, -0.5f, 1f)]
    [InlineData(64, 300, 40, true, true, 1.5f, -2f)]
    [InlineData(100, 257, 50, false, false, 1f, 1f)]
    [InlineData(130, 130, 130, false, false, 1f, 0f)]   // large enough to run in parallel
    [InlineData(131, 129, 133, true, true, 0.75f, 0.25f)]
    [InlineData(1, 513, 1, true, false, 1f, 0f)]
    [InlineData(5, 0, 4, false, false, 1f, 3f)]           // k = 0: C = beta*C
    public void MatchesScalarReference(int m, int k, int n, bool transA, bool transB, float alpha, float beta)
    {
        var rng = new Random(m * 1000 + k * 10 + n);
        float[] a = TestData.Random(rng, m * k), b = TestData.Random(rng, k * n), c = TestData.Random(rng, m * n);
        using var gpu = NewBackend();
        uint ia = gpu.Upload(a), ib = gpu.Upload(b), ic = gpu.Upload(c);
        gpu.Matmul(new MatmulParams((uint)m, (uint)k, (uint)n, transA, transB, alpha, beta), ia, ib, ic).Ok();
        float[] actual = gpu.Download<float>(ic, m * n);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    double term = (double)(transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
                    sum += term;
                    magnitude += Math.Abs(term);
                }
                double expected = alpha * sum + (beta == 0 ? 0 : beta * (double)c[i * n + j]);
                double tolerance = 1e-6 + 4e-7 * (k + 2) * (Math.Abs(alpha) * magnitude + Math.Abs(beta * c[i * n + j]));
                TestData.Close(expected, actual[i * n + j], tolerance, $"C[{i},{j}]");
            }
        }
    }

    [Fact]
    public void BetaZeroDoesNotReadC()
    {
        using var gpu = NewBackend();
        uint a = gpu.Upload(new float[] { 1, 2, 3, 4 }), b = gpu.Upload(new float[] { 1, 0, 0, 1 });
        uint c = gpu.Upload(new[] { float.NaN, float.NaN, float.NaN, float.NaN });
        gpu.Matmul(new MatmulParams(2, 2, 2, false, false, 1f, 0f), a, b, c).Ok();
        Assert.Equal(new float[] { 1, 2, 3, 4 }, gpu.Download<float>(c, 4));
    }

    [Fact]
    public void OutputMayAliasAnInput()
    {
        using var gpu = NewBackend();
        uint a = gpu.Upload(new float[] { 1, 2, 3, 4 }), b = gpu.Upload(new float[] { 2, 0, 0, 2 });
        gpu.Matmul(new MatmulParams(2, 2, 2, false, false, 1f, 1f), a, b, a).Ok(); // A = A*B + A = 3A
        Assert.Equal(new float[] { 3, 6, 9, 12 }, gpu.Download<float>(a, 4));
    }

    [Fact]
    public void RejectsBadBuffersAndShapes()
    {
        using var gpu = NewBackend();
        uint a = gpu.Zeros(6), b = gpu.Zeros(6), c = gpu.Zeros(4);
        gpu.Matmul(new MatmulParams(2, 3, 2, false, false, 1, 0), a, b, c).Ok();
        gpu.Matmul(new MatmulParams(2, 4, 2, false, false, 1, 0), a, b, c).Fails(GpuError.InvalidParams);
        gpu.Matmul(new MatmulParams(3, 3, 2, false, false, 1, 0), a, b, c).Fails(GpuError.InvalidParams);
        gpu.Matmul(new MatmulParams(2, 3, 2, false, false, 1, 0), a, 999, c).Fails(GpuError.InvalidBuffer);
        gpu.Matmul(new MatmulParams(uint.MaxValue, uint.MaxValue, uint.MaxValue, false, false, 1, 0), a, b, c).Fails(GpuError.InvalidParams);
        gpu.Matmul(new MatmulParams(uint.MaxValue, 0, 0, false, false, 1, 0), a, b, c).Ok(); // empty C
    }
}
