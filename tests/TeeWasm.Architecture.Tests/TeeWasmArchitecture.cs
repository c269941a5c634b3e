using ArchUnitNET.Domain;
using ArchUnitNET.Fluent;
using ArchUnitNET.Loader;
using static ArchUnitNET.Fluent.ArchRuleDefinition;

namespace TeeWasm.Architecture.Tests;

/// <summary>
/// The TeeWasm assemblies as ArchUnitNET reads them (from their IL, so a reference the compiler emits counts even
/// when no <c>using</c> names it), loaded once for every rule, and the layers the rules speak of.
/// </summary>
internal static class TeeWasmArchitecture
{
    public static readonly ArchUnitNET.Domain.Architecture AllAssemblies = new ArchLoader().LoadAssemblies(
        typeof(Attestation.Attester).Assembly,
        typeof(Attestation.Services.ServiceEvidence).Assembly,
        typeof(KeyBroker.KeyBrokerServer).Assembly,
        typeof(Runtime.Hosting.WasmRunner).Assembly,
        typeof(Gpu.Kernels.IGpuBackend).Assembly,
        typeof(Cli.TeeWasmCli).Assembly).Build();

    /// <summary>The attestation library alone, for the rules about its own namespaces.</summary>
    public static readonly ArchUnitNET.Domain.Architecture AttestationOnly =
        new ArchLoader().LoadAssemblies(typeof(Attestation.Attester).Assembly).Build();

    /// <summary>The attestation library and its service clients (TeeWasm.Attestation.Services, its own package).</summary>
    public static readonly ArchUnitNET.Domain.Architecture AttestationAndServices = new ArchLoader().LoadAssemblies(
        typeof(Attestation.Attester).Assembly,
        typeof(Attestation.Services.ServiceEvidence).Assembly).Build();

    /// <summary>The CLI alone.</summary>
    public static readonly ArchUnitNET.Domain.Architecture CliOnly =
        new ArchLoader().LoadAssemblies(typeof(Cli.TeeWasmCli).Assembly).Build();

    /// <summary>The key broker alone.</summary>
    public static readonly ArchUnitNET.Domain.Architecture KeyBrokerOnly =
        new ArchLoader().LoadAssemblies(typeof(KeyBroker.KeyBrokerServer).Assembly).Build();

    /// <summary>Every type in <paramref name="ns"/> or a namespace below it.</summary>
    public static IObjectProvider<IType> In(string ns) => Types().That().ResideInNamespaceOrBelow(ns).As(ns);

    /// <summary>Every type of the assembly that holds <paramref name="type"/>.</summary>
    public static IObjectProvider<IType> AssemblyOf(System.Type type) =>
        Types().That().ResideInAssembly(type.Assembly).As(type.Assembly.GetName().Name!);
}
