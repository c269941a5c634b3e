using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Gpu.Cpu;

/// <summary>Element-wise operations with <see cref="TensorPrimitives"/>, in parallel chunks for large inputs.</summary>
internal static class CpuElementwise
{
    private const int Chunk = 1 << 16;

    /// <summary>
    /// output[0..n) = op(a) or op(a, b). Arrays hold f32 as bytes; <paramref name="output"/> may be the same array as
    /// an input (the spans then start at the same element, which <see cref="TensorPrimitives"/> allows).
    /// </summary>
    public static void Apply(ElementwiseOp op, int n, byte[] a, byte[]? b, byte[] output, int maxDegreeOfParallelism)
    {
        int chunks = (n + Chunk - 1) / Chunk;
        if (chunks <= 1 || maxDegreeOfParallelism <= 1)
        {
            Run(op, 0, n, a, b, output);
            return;
        }
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
            i => Run(op, i * Chunk, Math.Min(Chunk, n - (i * Chunk)), a, b, output));
    }

    private static void Run(ElementwiseOp op, int start, int length, byte[] a, byte[]? b, byte[] output)
    {
        ReadOnlySpan<float> x = MemoryMarshal.Cast<byte, float>(a.AsSpan()).Slice(start, length);
        Span<float> d = MemoryMarshal.Cast<byte, float>(output.AsSpan()).Slice(start, length);
        switch (op)
        {
            case ElementwiseOp.Relu: TensorPrimitives.Max(x, 0f, d); break;
            case ElementwiseOp.Sigmoid: TensorPrimitives.Sigmoid(x, d); break;
            case ElementwiseOp.Tanh: TensorPrimitives.Tanh(x, d); break;
            case ElementwiseOp.Add: TensorPrimitives.Add(x, Second(b, start, length), d); break;
            case ElementwiseOp.Mul: TensorPrimitives.Multiply(x, Second(b, start, length), d); break;
            case ElementwiseOp.Sqrt: TensorPrimitives.Sqrt(x, d); break;
            case ElementwiseOp.Exp: TensorPrimitives.Exp(x, d); break;
            case ElementwiseOp.Log: TensorPrimitives.Log(x, d); break;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "unknown element-wise operation");
        }
    }

    private static ReadOnlySpan<float> Second(byte[]? b, int start, int length) =>
        MemoryMarshal.Cast<byte, float>(b!.AsSpan()).Slice(start, length);
}
