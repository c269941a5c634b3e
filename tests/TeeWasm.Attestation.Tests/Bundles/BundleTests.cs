using System.Text.Json.Nodes;
using TeeWasm.Attestation.Bundles;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Policy;
using TeeWasm.Attestation.Services.Collateral;
using TeeWasm.Attestation.Tests.Services;
using TeeWasm.Attestation.Tests.Platforms.Tdx;
using TeeWasm.Attestation.Tokens;
using TeeWasm.Attestation.Verification;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Bundles;

/// <summary>The tests of this collection run alone: one of them watches the whole process for network use.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NoNetworkCollection
{
    public const string Name = "no network";
}

/// <summary>Offline bundles: made from what the host has, verified with nothing else, no socket opened, a changed piece rejected, stale collateral named.</summary>
[Collection(NoNetworkCollection.Name)]
public sealed class BundleTests
{
    private static readonly byte[] s_nonce = [7, 7, 7];

    private static VerifyOptions TrustSimulator => new() { TrustSimulator = true, SimulatorDirectory = TestSupport.SimulatorDirectory };

    private static (string Json, Attester Attester) CompositeBundle()
    {
        var options = TestSupport.Simulate() with { SimulatedGpuCount = 2 };
        var attester = new Attester(options);
        var r = attester.AttestAll(s_nonce);
        Assert.True(r.Success, r.Error);
        return (BundleCollector.Bundle(r, options, attester.HostKey), attester);
    }

    [Fact]
    public void ACompositeBundle_VerifiesOffline_WithoutOpeningASocket_AndReachesTheSameVerdict()
    {
        var (json, attester) = CompositeBundle();
        using (attester)
        {
            SignedBundle bundle = BundleDocument.Parse(System.Text.Encoding.UTF8.GetBytes(json));
            Assert.Equal(["amd-certificate", "amd-certificate", "amd-certificate", "nvidia-certificate-chain"],
                bundle.Bundle.Collateral.Items.Select(i => CollateralSet.KindName(i.Kind)));

            using var network = new NetworkWatch();
            network.ProveItSeesAConnection();
            BundleAppraisal a = BundleVerifier.Verify(bundle, TrustSimulator);
            Assert.Empty(network.Events);

            Assert.True(a.Valid, a.Failures);
            Assert.Equal(CheckStatus.Pass, a.Checks.Single(c => c.Name == BundleVerifier.SignerCheck).Status);
            Assert.Empty(a.Stale);
            // The same verifiers on the same evidence without the bundle: the same verdict.
            CompositeAppraisal direct = AttestationPlatforms.VerifyComposite(bundle.Bundle.Evidence, TrustSimulator);
            Assert.Equal(direct.Verdict, a.Composite!.Verdict);
        }
    }

    [Fact]
    public void AChangedPieceInside_IsRejected_NamingIt()
    {
        var (json, attester) = CompositeBundle();
        attester.Dispose();
        JsonNode node = JsonNode.Parse(json)!;
        JsonNode piece = node["bundle"]!["collateral"]![1]!;
        byte[] data = Convert.FromBase64String(piece["data"]!.GetValue<string>());
        data[200] ^= 0x01;
        piece["data"] = Convert.ToBase64String(data);

        BundleAppraisal a = BundleVerifier.Verify(BundleDocument.Parse(System.Text.Encoding.UTF8.GetBytes(node.ToJsonString())), TrustSimulator);
        Assert.False(a.Valid);
        Assert.Equal($"bundle signature: collateral amd-certificate '{piece["name"]!.GetValue<string>()}' was changed after the bundle was made (its SHA-256 is not the one recorded)",
            a.Failures);

        // Changed with its digest updated too: the signature no longer verifies.
        piece["sha256"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data));
        a = BundleVerifier.Verify(BundleDocument.Parse(System.Text.Encoding.UTF8.GetBytes(node.ToJsonString())), TrustSimulator);
        Assert.Equal("bundle signature: the signature does not verify: the bundle was changed after it was signed", a.Failures);
    }

    [Fact]
    public void ABundleSignedByAnotherKey_ThanTheOneTheEvidenceBinds_IsRejected()
    {
        var options = TestSupport.Simulate();
        using var attester = new Attester(options);
        var r = attester.AttestVm(s_nonce);
        using var other = HostAttestationKey.Create();
        string json = BundleCollector.Bundle(r, options, other);
        BundleAppraisal a = BundleVerifier.Verify(BundleDocument.Parse(System.Text.Encoding.UTF8.GetBytes(json)), TrustSimulator);
        Assert.Equal("signer: the bundle is signed by another key than the host key the evidence binds", a.Failures);
    }

    [Fact]
    public void TdxCollateral_InABundle_GivesTheVerdictOfTheCollateralFolder_AndItsStalenessIsNamed()
    {
        using var dir = new TempDir();
        foreach (string f in new[] { "sample_tcbInfo_response", "sample_qeIdentity_response", "pckcrl", "rootcrl.der" })
            File.Copy(TdxTestData.Path(f), dir.File(f.Replace("sample_tcbInfo_response", "tcbinfo.json").Replace("sample_qeIdentity_response", "qeidentity.json").Replace("rootcrl", "root-crl")));
        var evidence = EvidenceDocument.Parse(EvidenceDocument.WriteDocument(w =>
        {
            w.String("tee_type", "TDX");
            w.String("source", "configfs-tsm");
            w.Base64("report", TdxTestData.Quote(TdxTestData.SprV4));
        }));
        using var key = HostAttestationKey.Create();
        var collateral = BundleCollector.Collect([], new AttesterOptions { TdxCollateralDirectory = dir.Path });
        Assert.Equal(["intel-crl", "tdx-qe-identity", "intel-crl", "tdx-tcb-info"], collateral.Items.Select(i => CollateralSet.KindName(i.Kind)));
        string json = BundleDocument.Sign(new AttestationBundle { Created = TdxTestData.Jun2023, Evidence = evidence, Collateral = collateral }, key);
        SignedBundle bundle = BundleDocument.Parse(System.Text.Encoding.UTF8.GetBytes(json));

        foreach (DateTimeOffset at in new[] { TdxTestData.Jun2023, TdxTestData.Feb2026 })
        {
            var options = new VerifyOptions { Time = at, AllowUnsignedCollateral = true };
            BundleAppraisal a = BundleVerifier.Verify(bundle, options);
            FileAppraisal direct = AttestationPlatforms.VerifyFile(TdxTestData.Quote(TdxTestData.SprV4), options with { CollateralDirectory = dir.Path });
            Assert.Equal(direct.Valid, a.Valid);
            Assert.Equal(direct.Appraisals[0].Message, a.Evidence!.Appraisals[0].Message);
            Assert.Equal(CheckStatus.Skip, a.Checks.Single(c => c.Name == BundleVerifier.SignerCheck).Status); // no TeeWasm binding in a vendor quote
        }
        var stale = BundleVerifier.Verify(bundle, new VerifyOptions { Time = TdxTestData.Feb2026, AllowUnsignedCollateral = true }).Stale
            .Select(s => s.Item.Name).ToList();
        Assert.Contains("tcbinfo.json", stale);
        Assert.Contains("qeidentity.json", stale);
        Assert.DoesNotContain("tcbinfo.json", BundleVerifier.Verify(bundle, new VerifyOptions { Time = TdxTestData.Jun2023, AllowUnsignedCollateral = true }).Stale.Select(s => s.Item.Name));
        Assert.Matches(@"^tdx-tcb-info 'tcbinfo\.json' \(--tdx-collateral .*\): STALE, next update due 2023-07-18 08:42 UTC$",
            BundleVerifier.Verify(bundle, new VerifyOptions { Time = TdxTestData.Feb2026, AllowUnsignedCollateral = true }).Collateral
                .Single(c => c.Item.Name == "tcbinfo.json").Describe(TdxTestData.Feb2026));
    }

    [Fact]
    public void FetchedCollateral_GoesIntoTheBundle_WithItsUrl_AndIsReadBackByTheCollateralReader()
    {
        byte[] report = File.ReadAllBytes(RepoPaths.Vector("snp", "attestation.bin"));
        using var vendor = new FakeVendorServer();
        using var fetcher = new CollateralFetcher(new CollateralFetcherOptions { KdsUrl = vendor.Url, RetryDelay = TimeSpan.FromMilliseconds(10) });
        SnpCollateralFetch.For(fetcher, report, [], "Milan");
        CollateralSet collateral = BundleCollector.Collect([], new AttesterOptions { CollateralFetcher = fetcher });
        CollateralItem vcek = collateral.Of(CollateralKind.AmdVcek).Single();
        Assert.Equal($"{vendor.Url.AbsoluteUri.TrimEnd('/')}/vcek/v1/Milan/{FakeVendorServer.AttestationBinChipId}?{FakeVendorServer.AttestationBinTcbQuery}", vcek.Source);
        Assert.Equal(new DateTime(2029, 9, 24), vcek.NextUpdate!.Value.UtcDateTime.Date); // the VCEK's notAfter

        var evidence = EvidenceDocument.Parse(EvidenceDocument.WriteDocument(w =>
        {
            w.String("tee_type", "SNP");
            w.Base64("report", report);
        }));
        using var key = HostAttestationKey.Create();
        string json = BundleDocument.Sign(new AttestationBundle { Created = DateTimeOffset.Parse("2026-06-01T00:00:00Z"), Evidence = evidence, Collateral = collateral }, key);
        CollateralSet read = BundleDocument.Parse(System.Text.Encoding.UTF8.GetBytes(json)).Bundle.Collateral;
        Assert.Equal(collateral.Items.Select(i => (i.Kind, i.Source, i.NextUpdate)), read.Items.Select(i => (i.Kind, i.Source, i.NextUpdate)));

        // The bundle's pieces go through the reader --collateral uses: the report verifies with them and nothing else.
        var options = new VerifyOptions { Time = DateTimeOffset.Parse("2026-06-01T00:00:00Z"), Policy = new AttestationPolicy { AllowDebug = true, RequireReportDataBinding = false } };
        Appraisal a = Assert.Single(AttestationPlatforms.VerifyFile(report, options with { Collateral = read }).Appraisals);
        Assert.True(a.Valid, a.Failures);
        Assert.Contains("signed by VCEK (valid 2022-09-24 to 2029-09-24), chain to the AMD Milan ARK", a.Message);
        // Without the fetched VCEK the same report is not verified.
        var withoutVcek = new CollateralSet(read.Items.Where(i => i.Kind != CollateralKind.AmdVcek));
        Appraisal rejected = Assert.Single(AttestationPlatforms.VerifyFile(report, options with { Collateral = withoutVcek }).Appraisals);
        Assert.False(rejected.Valid);
        Assert.Equal("no VCEK certificate was supplied", rejected.Checks.Single(c => c.Name == "signature and chain").Reason);
    }

    [Fact]
    public void PathInputs_DoNotApplyToABundle()
    {
        var (json, attester) = CompositeBundle();
        attester.Dispose();
        var e = Assert.Throws<VerificationInputException>(() =>
            BundleVerifier.Verify(BundleDocument.Parse(System.Text.Encoding.UTF8.GetBytes(json)), TrustSimulator with { CollateralDirectory = "/tmp" }));
        Assert.StartsWith("--collateral: a bundle carries its own collateral", e.Message);
    }
}
