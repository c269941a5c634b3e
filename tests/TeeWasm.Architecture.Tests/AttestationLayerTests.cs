using ArchUnitNET.Fluent.Slices;
using ArchUnitNET.xUnit;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Services;
using TeeWasm.Attestation.Verification;
using static ArchUnitNET.Fluent.ArchRuleDefinition;
using static TeeWasm.Architecture.Tests.TeeWasmArchitecture;

namespace TeeWasm.Architecture.Tests;

/// <summary>The layer rules of the attestation library (docs/architecture.md, "Layers").</summary>
public sealed class AttestationLayerTests
{
    private const string Platforms = "TeeWasm.Attestation.Platforms";

    /// <summary>
    /// The attestation library and its service clients sit under the hosts that use them (the type names its assembly:
    /// TeeWasm.Attestation, TeeWasm.Attestation.Services).
    /// </summary>
    [Theory]
    [InlineData(typeof(Attester))]
    [InlineData(typeof(ServiceEvidence))]
    public void Library_DependsOnNeitherRuntimeNorKeyBrokerNorCli(Type library) =>
        Types().That().Are(AssemblyOf(library))
            .Should().NotDependOnAny(In("TeeWasm.Runtime"))
            .AndShould().NotDependOnAny(In("TeeWasm.KeyBroker"))
            .AndShould().NotDependOnAny(In("TeeWasm.Cli"))
            .Check(AllAssemblies);

    /// <summary>
    /// The platforms other than <paramref name="platform"/> it may use: none, except that Azure vTPM evidence wraps an
    /// SNP report or a TDX quote (and is verified with their verifiers), and the simulator signs SNP reports and NVIDIA
    /// GPU reports. Everything else a platform shares with another goes through X509/ and the Evidence/Verification
    /// abstractions.
    /// </summary>
    public static TheoryData<string, string[]> PlatformEdges => new()
    {
        { "Snp", [] },
        { "Tdx", [] },
        { "Nvidia", [] },
        { "AzureVtpm", ["Snp", "Tdx"] },
        { "Simulator", ["Snp", "Nvidia"] },
    };

    private static readonly string[] s_platforms = ["Snp", "Tdx", "Nvidia", "AzureVtpm", "Simulator"];

    [Theory]
    [MemberData(nameof(PlatformEdges))]
    public void Platform_ReferencesNoOtherPlatform(string platform, string[] allowed)
    {
        foreach (string other in s_platforms.Where(p => p != platform && !allowed.Contains(p)))
        {
            Types().That().Are(In($"{Platforms}.{platform}"))
                .Should().NotDependOnAny(In($"{Platforms}.{other}"))
                .Check(AttestationOnly);
        }
    }

    [Fact]
    public void EveryPlatformFolderIsCoveredByTheRules()
    {
        var folders = AttestationOnly.Namespaces
            .Select(n => n.FullName)
            .Where(n => n.StartsWith(Platforms + ".", StringComparison.Ordinal))
            .Select(n => n[(Platforms.Length + 1)..].Split('.')[0])
            .Distinct()
            .Order();
        Assert.Equal(s_platforms.Order(), folders);
    }

    /// <summary>
    /// A platform is its folder: it uses the shared layers below it (Evidence, Verification, Policy, Tokens, X509, Linux,
    /// Tpm, Http) but neither the composition root (Attester, AttesterOptions, AttestationPlatforms) nor the client
    /// protocols (Services), which sit above it.
    /// </summary>
    [Fact]
    public void Platforms_DependOnNeitherTheRootNorTheServices() =>
        Types().That().Are(In(Platforms))
            .Should().NotDependOnAny(Types().That().ResideInNamespace("TeeWasm.Attestation").As("TeeWasm.Attestation (root)"))
            .AndShould().NotDependOnAny(In("TeeWasm.Attestation.Services"))
            .Check(AttestationAndServices);

    /// <summary>
    /// Offline verification has no network client: the TeeWasm.Attestation package does not depend on the service
    /// clients' package (TeeWasm.Attestation.Services); it reaches a service only through interfaces of its own that the
    /// host sets (<c>IVmTokenService</c>, <c>IRemoteGpuVerifier</c>, <c>ICollateralFetcher</c>).
    /// </summary>
    [Fact]
    public void Attestation_DoesNotDependOnServices() =>
        Types().That().Are(AssemblyOf(typeof(Attester)))
            .Should().NotDependOnAny(AssemblyOf(typeof(ServiceEvidence)))
            .AndShould().NotDependOnAny(In("TeeWasm.Attestation.Services"))
            .Check(AllAssemblies);

    /// <summary>
    /// One verifier shape: every public verifier of a platform is an <see cref="IEvidenceVerifier"/> that returns an
    /// appraisal; the engines behind them (report, quote and chain checks) are internal.
    /// </summary>
    [Fact]
    public void PublicPlatformVerifiers_AreEvidenceVerifiers() =>
        Classes().That().Are(In(Platforms)).And().ArePublic().And().HaveNameEndingWith("Verifier")
            .Should().ImplementInterface(typeof(IEvidenceVerifier))
            .Check(AttestationOnly);

    /// <summary>
    /// No two namespaces of the library and its service clients depend on each other, directly or round a longer loop.
    /// </summary>
    [Fact]
    public void Attestation_NamespacesAreFreeOfCycles() =>
        SliceRuleDefinition.Slices().Matching("TeeWasm.(**)").Should().BeFreeOfCycles().Check(AttestationAndServices);
}
