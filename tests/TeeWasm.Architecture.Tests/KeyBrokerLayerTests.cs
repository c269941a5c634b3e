using ArchUnitNET.Fluent.Slices;
using ArchUnitNET.xUnit;
using TeeWasm.KeyBroker;
using static ArchUnitNET.Fluent.ArchRuleDefinition;
using static TeeWasm.Architecture.Tests.TeeWasmArchitecture;

namespace TeeWasm.Architecture.Tests;

/// <summary>The key broker sits on the attestation library and under nothing but the CLI.</summary>
public sealed class KeyBrokerLayerTests
{
    [Fact]
    public void KeyBroker_DependsOnNeitherRuntimeNorCli() =>
        Types().That().Are(AssemblyOf(typeof(KeyBrokerServer)))
            .Should().NotDependOnAny(In("TeeWasm.Runtime"))
            .AndShould().NotDependOnAny(In("TeeWasm.Cli"))
            .Check(AllAssemblies);

    /// <summary>
    /// TeeWasm evidence is appraised through the platform registration, so a new platform needs nothing in the broker;
    /// only Trustee's protocol, which names its TEEs (snp, tdx, az-snp-vtpm, az-tdx-vtpm), names their platforms.
    /// </summary>
    [Fact]
    public void KeyBroker_NamesPlatformsOnlyForTrusteeEvidence() =>
        Types().That().Are(AssemblyOf(typeof(KeyBrokerServer)))
            .And().DoNotResideInNamespaceOrBelow("TeeWasm.KeyBroker.Trustee")
            .Should().NotDependOnAny(In("TeeWasm.Attestation.Platforms"))
            .Check(AllAssemblies);

    [Fact]
    public void KeyBroker_NamespacesAreFreeOfCycles() =>
        SliceRuleDefinition.Slices().Matching("TeeWasm.(**)").Should().BeFreeOfCycles().Check(KeyBrokerOnly);
}
