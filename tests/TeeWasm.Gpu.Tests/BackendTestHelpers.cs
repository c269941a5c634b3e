using System.Runtime.InteropServices;
using TeeWasm.Gpu.Cpu;
using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Gpu.Tests;

/// <summary>Helpers that move typed arrays in and out of a backend's buffers, asserting success.</summary>
internal static class BackendExtensions
{
    public static uint Upload<T>(this IGpuBackend gpu, T[] values) where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        var id = gpu.BufferCreate((ulong)bytes.Length, BufferUsage.Storage | BufferUsage.CopyDst | BufferUsage.CopySrc);
        Assert.True(id.IsOk, id.ToString());
        Assert.True(gpu.BufferWrite(id.Value, 0, bytes).IsOk);
        return id.Value;
    }

    public static uint Zeros(this IGpuBackend gpu, int floats) => gpu.Upload(new float[floats]);

    public static T[] Download<T>(this IGpuBackend gpu, uint buffer, int count) where T : unmanaged
    {
        var values = new T[count];
        var result = gpu.BufferRead(buffer, 0, MemoryMarshal.AsBytes(values.AsSpan()));
        Assert.True(result.IsOk, result.ToString());
        return values;
    }

    public static void Ok(this GpuResult result) => Assert.True(result.IsOk, result.ToString());

    public static void Fails(this GpuResult result, GpuError error) => Assert.Equal(GpuResult.Fail(error), result);
}

/// <summary>Random inputs and float comparisons for the kernel tests.</summary>
internal static class TestData
{
    public static float[] Random(Random rng, int n, float lo = -1f, float hi = 1f)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = lo + ((hi - lo) * rng.NextSingle());
        return x;
    }

    public static void Close(double expected, float actual, double tolerance, string what)
    {
        if (double.IsNaN(expected)) Assert.True(float.IsNaN(actual), $"{what}: expected NaN, got {actual}");
        else if (double.IsInfinity(expected)) Assert.True(actual == expected, $"{what}: expected {expected}, got {actual}");
        else Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what}: expected {expected}, got {actual} (tolerance {tolerance})");
    }

    public static CpuBackend Cpu(long limit = CpuBackendOptions.DefaultMemoryLimit) => new(new CpuBackendOptions { MemoryLimit = limit });
}
