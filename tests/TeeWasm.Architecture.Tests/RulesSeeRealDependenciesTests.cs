using static ArchUnitNET.Fluent.ArchRuleDefinition;
using static TeeWasm.Architecture.Tests.TeeWasmArchitecture;

namespace TeeWasm.Architecture.Tests;

/// <summary>
/// The rules' shapes pointed at dependencies that exist must fail, so a rule whose namespaces match nothing (a typo, a
/// renamed folder) cannot pass unnoticed.
/// </summary>
public sealed class RulesSeeRealDependenciesTests
{
    [Theory]
    [InlineData("TeeWasm.Attestation.Platforms.AzureVtpm", "TeeWasm.Attestation.Platforms.Snp")] // the HCL report holds an SNP report
    [InlineData("TeeWasm.Attestation.Platforms.Simulator", "TeeWasm.Attestation.Platforms.Nvidia")] // it signs GPU reports
    [InlineData("TeeWasm.Attestation.Platforms.Nvidia", "TeeWasm.Attestation.X509")]
    [InlineData("TeeWasm.Attestation.Services", "TeeWasm.Attestation.Platforms")]
    [InlineData("TeeWasm.Cli", "TeeWasm.Attestation.Verification")]
    [InlineData("TeeWasm.KeyBroker", "TeeWasm.Attestation.Platforms.Snp")]
    [InlineData("TeeWasm.KeyBroker.Trustee", "TeeWasm.Attestation.Platforms.Tdx")] // Trustee names its TEEs
    [InlineData("TeeWasm.KeyBroker.Appraisers", "TeeWasm.Attestation.Verification")] // through the registration
    [InlineData("TeeWasm.Runtime", "TeeWasm.Attestation")]
    public void ExistingDependency_FailsTheRuleShape(string from, string to) =>
        Assert.False(Types().That().Are(In(from)).Should().NotDependOnAny(In(to)).HasNoViolations(AllAssemblies), $"{from} uses {to}");

    [Fact]
    public void TheRootNamespaceProvider_MatchesTheRootTypes() =>
        Assert.False(Types().That().Are(In("TeeWasm.Attestation.Services.Kbs"))
            .Should().NotDependOnAny(Types().That().ResideInNamespace("TeeWasm.Attestation"))
            .HasNoViolations(AttestationAndServices), "the KBS client takes the Attester");

    /// <summary>The assembly-wide shape of the package rules sees the real edge between the two packages.</summary>
    [Fact]
    public void TheAssemblyProviders_SeeTheServicesOnTheAttestationLibrary() =>
        Assert.False(Types().That().Are(AssemblyOf(typeof(Attestation.Services.ServiceEvidence)))
            .Should().NotDependOnAny(AssemblyOf(typeof(Attestation.Attester)))
            .HasNoViolations(AllAssemblies), "the service clients use the attestation library");

    [Fact]
    public void TheServicesProvider_SeesTheirUsers() =>
        Assert.False(Types().That().Are(AssemblyOf(typeof(Runtime.Hosting.WasmRunner)))
            .Should().NotDependOnAny(AssemblyOf(typeof(Attestation.Services.ServiceEvidence)))
            .HasNoViolations(AllAssemblies), "the runtime's get_secret uses the KBS client");
}
