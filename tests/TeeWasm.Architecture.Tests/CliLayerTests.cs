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
}
