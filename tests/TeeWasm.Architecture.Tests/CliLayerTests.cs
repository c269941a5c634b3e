using ArchUnitNET.Fluent.Slices;
using ArchUnitNET.xUnit;
using TeeWasm.Cli;
using static ArchUnitNET.Fluent.ArchRuleDefinition;
using static TeeWasm.Architecture.Tests.TeeWasmArchitecture;

namespace TeeWasm.Architecture.Tests;

/// <summary>The CLI parses and renders; what evidence means lives in the attestation library.</summary>
public sealed class CliLayerTests
{
    [Fact]
    public void Cli_ReferencesNoPlatformNamespace() =>
        Types().That().Are(AssemblyOf(typeof(TeeWasmCli)))
            .Should().NotDependOnAny(In("TeeWasm.Attestation.Platforms"))
            .Check(AllAssemblies);

    /// <summary>
    /// TeeWasm.Cli (the entry: the command tree) → TeeWasm.Cli.Commands (one file per command) → TeeWasm.Cli.CommandLine
    /// (what every command goes through: exit codes, errors, suggestions, shared options): no namespace of the CLI
    /// depends on another round a loop.
    /// </summary>
    [Fact]
    public void Cli_NamespacesAreFreeOfCycles() =>
        SliceRuleDefinition.Slices().Matching("TeeWasm.(**)").Should().BeFreeOfCycles().Check(CliOnly);

    /// <summary>The machinery every command goes through knows no command.</summary>
    [Fact]
    public void CliCommandLine_DependsOnNoCommand() =>
        Types().That().ResideInNamespaceOrBelow("TeeWasm.Cli.CommandLine")
            .Should().NotDependOnAny(In("TeeWasm.Cli.Commands"))
            .Check(CliOnly);
}
