using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using TeeWasm.Gpu.Cpu;
using TeeWasm.Gpu.Cuda;
using TeeWasm.Gpu.Kernels;

namespace TeeWasm.Gpu.Tests.Cuda;

/// <summary>What only the CUDA backend promises, on ILGPU's CPU accelerator; and its kernels compile to PTX for sm_90.</summary>
[Collection(IlgpuCpu.Collection)]
public sealed class CudaBackendTests
{
    [Theory]
    [InlineData(70, 33, 65, false, false, 1f, 0f)]
    [InlineData(67, 129, 5, true, true, -0.5f, 2f)]
    public void TheGpuGroupGeometryComputesTheSameProducts(int m, int k, int n, bool transA, bool transB, float alpha, float beta)
    {
        // 16×16-thread groups (the GPU's), each computing a 64×64 tile of C.
        var rng = new Random(m + k + n);
        float[] a = TestData.Random(rng, m * k), b = TestData.Random(rng, k * n), c = TestData.Random(rng, m * n);
        using var gpu = IlgpuCpu.GpuGeometry(1 << 20);
        using var cpu = TestData.Cpu(1 << 20);
        var p = new MatmulParams((uint)m, (uint)k, (uint)n, transA, transB, alpha, beta);
        uint g = gpu.Upload(c), r = cpu.Upload(c);
        gpu.Matmul(p, gpu.Upload(a), gpu.Upload(b), g).Ok();
        cpu.Matmul(p, cpu.Upload(a), cpu.Upload(b), r).Ok();
        float[] expected = cpu.Download<float>(r, m * n), actual = gpu.Download<float>(g, m * n);
        for (int i = 0; i < expected.Length; i++) TestData.Close(expected[i], actual[i], 1e-4 * (1 + Math.Abs(expected[i])), $"C[{i}]");
    }

    [Fact]
    public void DeviceInfoSaysItIsNoGpu()
    {
        using var gpu = IlgpuCpu.Backend(12345);
        Assert.Equal("cuda-ilgpu-cpu", gpu.DeviceInfo.Backend);
        Assert.False(gpu.DeviceInfo.IsHardware);
        Assert.Equal(12345ul, gpu.DeviceInfo.TotalMemory);
        Assert.Equal("", gpu.DeviceInfo.ComputeCapability);
        Assert.False(gpu.UsesCublas);
        Assert.Contains("tiled kernel", gpu.CublasStatus);
    }

    [Fact]
    public void MemoryIsAccountedAsTheGuestSizedIt()
    {
        using var gpu = IlgpuCpu.Backend(1000);
        uint a = gpu.BufferCreate(601, BufferUsage.Storage).Value; // 604 bytes on the device, 601 counted
        Assert.True(gpu.BufferCreate(399, BufferUsage.Storage).IsOk);
        Assert.Equal(1000, gpu.MemoryUsed);
        Assert.Equal(601ul, gpu.BufferSize(a).Value);
        Assert.Equal(GpuResult<uint>.Fail(GpuError.OutOfMemory), gpu.BufferCreate(1, BufferUsage.Storage));
        gpu.BufferDestroy(a).Ok();
        Assert.Equal(399, gpu.MemoryUsed);
    }

    [Fact]
    public void OutputsMayAliasInputsInEveryKernel()
    {
        using var gpu = IlgpuCpu.Backend(1 << 20);
        uint x = gpu.Upload(new[] { 1f, 2f, 3f, 6f });
        gpu.Reduce(new ReduceParams(4, ReduceOp.Variance), x, x).Ok();
        Assert.Equal(new[] { 3.5f, 2f, 3f, 6f }, gpu.Download<float>(x, 4));
        gpu.Average(new AverageParams(2, 2), x, x).Ok();
        Assert.Equal(new[] { 2.75f, 4.5f, 3f, 6f }, gpu.Download<float>(x, 4));
        uint y = gpu.Upload(new[] { 1f, 2f, 3f, 4f });
        gpu.Matmul(new MatmulParams(2, 2, 2, false, false, 1f, 0f), y, y, y).Ok(); // Y = Y*Y
        Assert.Equal(new[] { 7f, 10f, 15f, 22f }, gpu.Download<float>(y, 4));
        // find-split scoring into its own thresholds buffer: every threshold is read before any score is written.
        uint d = gpu.Upload(new[] { 0f, 1f, 2f, 3f }), l = gpu.Upload(new[] { 0f, 0f, 10f, 10f }), i = gpu.Upload(new uint[] { 0, 1, 2, 3 });
        uint t = gpu.Upload(new[] { 1.5f, 0.5f });
        gpu.FindSplit(new FindSplitParams(4, 1, 0, 2), d, l, i, t, t).Ok();
        Assert.Equal(new[] { 0f, 66.666664f }, gpu.Download<float>(t, 2));
    }

    [Theory]
    [InlineData(10007u, 0u, 353u)]
    [InlineData(4099u, 123456789u, uint.MaxValue)]
    public void BootstrapIsBitIdenticalToTheCpuBackend(uint n, uint seed, uint maxIndex)
    {
        using var gpu = IlgpuCpu.Backend(1 << 20);
        using var cpu = TestData.Cpu(1 << 20);
        uint g = gpu.Zeros((int)n), c = cpu.Zeros((int)n);
        gpu.BootstrapSample(new BootstrapParams(n, seed, maxIndex), g).Ok();
        cpu.BootstrapSample(new BootstrapParams(n, seed, maxIndex), c).Ok();
        Assert.Equal(cpu.Download<uint>(c, (int)n), gpu.Download<uint>(g, (int)n));
    }

    [Fact]
    public void KernelResultsReplaceWhatTheHostKnew()
    {
        // find-split reads its indices back to check them; a kernel writing that buffer later must be seen.
        using var gpu = IlgpuCpu.Backend(1 << 20);
        uint d = gpu.Upload(new float[] { 0, 1, 2, 3 }), l = gpu.Upload(new float[] { 0, 10, 20, 30 });
        uint i = gpu.Upload(new uint[] { 0, 1 }), t = gpu.Upload(new[] { 0.5f }), o = gpu.Zeros(1);
        gpu.FindSplit(new FindSplitParams(2, 1, 0, 1), d, l, i, t, o).Ok();
        gpu.BootstrapSample(new BootstrapParams(2, 42, 9), i).Ok();
        Assert.Equal(new uint[] { BootstrapSampler.Sample(42, 0, 9), BootstrapSampler.Sample(42, 1, 9) }, gpu.Download<uint>(i, 2));
        Assert.Equal(GpuResult.Fail(GpuError.InvalidParams), gpu.FindSplit(new FindSplitParams(2, 1, 0, 1), d, l, i, t, o)); // rows ≥ 4 now
    }

    [Fact]
    public void LongVectorsLoopWithTheGridStride()
    {
        // 256 threads at most per launch here: each handles many elements.
        using var gpu = IlgpuCpu.Backend(1 << 22);
        var x = TestData.Random(new Random(7), 100_003);
        uint a = gpu.Upload(x), o = gpu.Zeros(x.Length), s = gpu.Zeros(1);
        gpu.Elementwise(new ElementwiseParams((uint)x.Length, ElementwiseOp.Relu), a, null, o).Ok();
        Assert.Equal(x.Select(v => Math.Max(v, 0f)).ToArray(), gpu.Download<float>(o, x.Length));
        gpu.Reduce(new ReduceParams((uint)x.Length, ReduceOp.Sum), a, s).Ok();
        TestData.Close(x.Sum(v => (double)v), gpu.Download<float>(s, 1)[0], 1e-3, "sum");
    }

    public static TheoryData<string, bool> Kernels => new()
    {
        { nameof(CudaKernels.Bootstrap), false }, { nameof(CudaKernels.FindSplit), false }, { nameof(CudaKernels.Average), false },
        { nameof(CudaKernels.Scale), false }, { nameof(CudaKernels.Matmul), true }, { nameof(CudaKernels.Elementwise), false },
        { nameof(CudaKernels.ReducePartials), false }, { nameof(CudaKernels.ReduceDoubles), false }, { nameof(CudaKernels.ReduceFinish), false },
        { nameof(CudaKernels.BatchPredict), false },
    };

    [Theory]
    [MemberData(nameof(Kernels))]
    public void EveryKernelCompilesToPtxForHopper(string kernel, bool explicitlyGrouped)
    {
        // ILGPU's PTX backend needs no GPU: this is the code the driver would load on an H100/H200 (sm_90).
        using var context = Context.Create(b => b.CPU().EnableAlgorithms());
        var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_90), CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null);
        var method = typeof(CudaKernels).GetMethod(kernel)!;
        var entry = explicitlyGrouped ? EntryPointDescription.FromExplicitlyGroupedKernel(method) : EntryPointDescription.FromImplicitlyGroupedKernel(method);
        var compiled = (PTXCompiledKernel)backend.Compile(entry, default);
        Assert.Contains(".visible .entry", compiled.PTXAssembly.ToString());
    }
}
