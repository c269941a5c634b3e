using ArchUnitNET.Domain;
using ArchUnitNET.Fluent;
using ArchUnitNET.Loader;
using ArchUnitNET.xUnit;
using TeeWasm.Gpu.Kernels;
using static ArchUnitNET.Fluent.ArchRuleDefinition;

namespace TeeWasm.Gpu.Tests.Architecture;

/// <summary>
/// The layers of TeeWasm.Gpu: Kernels/ (the backend-neutral wasi:gpu contract) under every backend, Dawn/ (the
/// WebGPU engine) knowing nothing of wasi:gpu, and backends that do not reach into one another. Each rule is also run
/// the other way round where a dependency really exists, so a rule whose namespaces match nothing cannot pass.
/// </summary>
public sealed class GpuLayerTests
{
    private const string Root = "TeeWasm.Gpu";
    private const string Kernels = Root + ".Kernels";
    private const string Dawn = Root + ".Dawn";
    private const string WebGpu = Root + ".WebGpu";
    private const string Cpu = Root + ".Cpu";
    private const string Cuda = Root + ".Cuda";

    private static readonly ArchUnitNET.Domain.Architecture s_gpu =
        new ArchLoader().LoadAssemblies(typeof(IGpuBackend).Assembly, typeof(ILGPU.Context).Assembly).Build();

    /// <summary>Types in <paramref name="ns"/> or below it.</summary>
    private static IObjectProvider<IType> In(string ns) => Types().That().ResideInNamespaceOrBelow(ns);

    /// <summary>The types of the project root (the backend selector), not of its folders.</summary>
    private static IObjectProvider<IType> InRootOnly => Types().That().ResideInNamespace(Root);

    private static IArchRule MayNotUse(IObjectProvider<IType> from, IObjectProvider<IType> to) => Types().That().Are(from).Should().NotDependOnAny(to);

    [Fact]
    public void The_dawn_engine_knows_nothing_of_wasi_gpu() =>
        MayNotUse(In(Dawn), Types().That().ResideInNamespaceOrBelow(Kernels).Or().ResideInNamespaceOrBelow(WebGpu)
            .Or().ResideInNamespaceOrBelow(Cpu).Or().ResideInNamespaceOrBelow(Cuda).Or().ResideInNamespace(Root)).Check(s_gpu);

    [Fact]
    public void Kernels_depend_on_no_backend() =>
        MayNotUse(In(Kernels), Types().That().ResideInNamespaceOrBelow(Dawn).Or().ResideInNamespaceOrBelow(WebGpu)
            .Or().ResideInNamespaceOrBelow(Cpu).Or().ResideInNamespaceOrBelow(Cuda).Or().ResideInNamespace(Root)).Check(s_gpu);

    [Fact]
    public void Backends_do_not_use_one_another()
    {
        MayNotUse(In(Cpu), Types().That().ResideInNamespaceOrBelow(WebGpu).Or().ResideInNamespaceOrBelow(Dawn)
            .Or().ResideInNamespaceOrBelow(Cuda).Or().ResideInNamespace(Root)).Check(s_gpu);
        MayNotUse(In(WebGpu), Types().That().ResideInNamespaceOrBelow(Cpu).Or().ResideInNamespaceOrBelow(Cuda).Or().ResideInNamespace(Root)).Check(s_gpu);
        MayNotUse(In(Cuda), Types().That().ResideInNamespaceOrBelow(Cpu).Or().ResideInNamespaceOrBelow(WebGpu)
            .Or().ResideInNamespaceOrBelow(Dawn).Or().ResideInNamespace(Root)).Check(s_gpu);
    }

    [Fact]
    public void The_cuda_backend_uses_no_pinned_host_memory()
    {
        // Confidential-computing mode forbids pinned (page-locked) host memory; ILGPU allocates it only through these
        // types, and host allocation or registration through its raw driver API (CudaAPI).
        MayNotUse(In(Cuda), PinnedMemory).Check(s_gpu);
        Assert.NotEmpty(PinnedMemory.GetObjects(s_gpu));
    }

    private static IObjectProvider<IType> PinnedMemory => Types().That().HaveNameContaining("PageLock").Or().HaveFullName("ILGPU.Runtime.Cuda.CudaAPI");

    [Fact]
    public void The_rules_see_real_dependencies()
    {
        // The same rule shapes, pointed at dependencies that exist, must fail.
        Assert.False(MayNotUse(In(WebGpu), In(Dawn)).HasNoViolations(s_gpu), "WebGpu uses Dawn");
        Assert.False(MayNotUse(In(Cpu), In(Kernels)).HasNoViolations(s_gpu), "Cpu uses Kernels");
        Assert.False(MayNotUse(InRootOnly, In(WebGpu)).HasNoViolations(s_gpu), "the selector uses WebGpu");
        Assert.False(MayNotUse(In(WebGpu), In(Kernels)).HasNoViolations(s_gpu), "WebGpu uses Kernels");
        Assert.False(MayNotUse(In(Cuda), In(Kernels)).HasNoViolations(s_gpu), "Cuda uses Kernels");
    }
}
