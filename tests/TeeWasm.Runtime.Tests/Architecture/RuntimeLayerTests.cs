using ArchUnitNET.Domain;
using ArchUnitNET.Fluent;
using ArchUnitNET.Loader;
using ArchUnitNET.xUnit;
using TeeWasm.Runtime.Hosting;
using static ArchUnitNET.Fluent.ArchRuleDefinition;

namespace TeeWasm.Runtime.Tests.Architecture;

/// <summary>
/// The layers of TeeWasm.Runtime: Hosting (the runner) on top of Interfaces (one folder per host interface, none
/// using another's) on top of Guest (guest memory and the allocator protocol). Each rule is also run the other way
/// round where a dependency really exists, so a rule whose namespaces match nothing cannot pass.
/// </summary>
public sealed class RuntimeLayerTests
{
    private const string Hosting = "TeeWasm.Runtime.Hosting";
    private const string Interfaces = "TeeWasm.Runtime.Interfaces";
    private const string Guest = "TeeWasm.Runtime.Guest";
    private static readonly string[] s_interfaceFolders = ["Attestation", "Gpu", "WebGpu"];

    private static readonly ArchUnitNET.Domain.Architecture s_runtime = new ArchLoader().LoadAssemblies(typeof(WasmRunner).Assembly).Build();

    private static IObjectProvider<IType> In(string ns) => Types().That().ResideInNamespaceOrBelow(ns);

    private static IArchRule MayNotUse(string from, string to) => Types().That().Are(In(from)).Should().NotDependOnAny(In(to));

    [Fact]
    public void Interfaces_do_not_depend_on_hosting() => MayNotUse(Interfaces, Hosting).Check(s_runtime);

    [Fact]
    public void Guest_access_depends_on_neither_interfaces_nor_hosting()
    {
        MayNotUse(Guest, Interfaces).Check(s_runtime);
        MayNotUse(Guest, Hosting).Check(s_runtime);
    }

    [Fact]
    public void No_interface_folder_uses_another()
    {
        foreach (string from in s_interfaceFolders)
        {
            foreach (string to in s_interfaceFolders.Where(f => f != from))
                MayNotUse($"{Interfaces}.{from}", $"{Interfaces}.{to}").Check(s_runtime);
        }
    }

    [Fact]
    public void The_rules_see_real_dependencies()
    {
        // The same rule shape, pointed at dependencies that exist, must fail.
        Assert.False(MayNotUse(Hosting, Interfaces).HasNoViolations(s_runtime), "Hosting uses Interfaces");
        foreach (string folder in s_interfaceFolders)
            Assert.False(MayNotUse($"{Interfaces}.{folder}", Guest).HasNoViolations(s_runtime), $"Interfaces.{folder} uses Guest");
    }
}
