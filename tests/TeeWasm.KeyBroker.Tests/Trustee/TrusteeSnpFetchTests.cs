using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Services.Collateral;
using TeeWasm.Attestation.Services.Kbs;
using TeeWasm.Attestation.Services.Kbs.Trustee;
using TeeWasm.Attestation.Tests.Services;
using TeeWasm.KeyBroker.Appraisers;
using TeeWasm.KeyBroker.Trustee;
using TeeWasm.Tests.Shared;

namespace TeeWasm.KeyBroker.Tests.Trustee;

/// <summary>
/// Issue 18 item 8 in the broker (<c>kbs serve --fetch</c>): Trustee SNP evidence without a <c>cert_chain</c> goes to
/// the collateral fetcher (here one pointed at a loopback AMD KDS) only when the broker has one; without, the broker
/// says it does not fetch.
/// </summary>
public sealed class TrusteeSnpFetchTests : IDisposable
{
    private readonly FakeVendorServer _kds = new();
    private readonly string _cache = Directory.CreateTempSubdirectory("teewasm-kbs-fetch-").FullName;

    public void Dispose()
    {
        _kds.Dispose();
        Directory.Delete(_cache, true);
    }

    private static (JsonElement Attestation, TeePublicKey Key) Message(string nonce)
    {
        using RSA rsa = RSA.Create(2048);
        var p = rsa.ExportParameters(false);
        JsonObject jwk = TrusteeKbs.RsaPublicKey(JweEnvelope.RsaOaep256, Base64UrlEncoder.Encode(p.Modulus), Base64UrlEncoder.Encode(p.Exponent));
        var message = new JsonObject
        {
            ["runtime-data"] = TrusteeKbs.RuntimeData(nonce, jwk),
            ["tee-evidence"] = new JsonObject
            {
                ["primary_evidence"] = TrusteeSnpEvidence.Write(File.ReadAllBytes(RepoPaths.Vector("snp", "attestation.bin")), []),
                ["additional_evidence"] = "",
            },
        };
        using JsonDocument doc = JsonDocument.Parse(message.ToJsonString());
        using JsonDocument key = JsonDocument.Parse(jwk.ToJsonString());
        return (doc.RootElement.Clone(), TeePublicKey.FromJwk(key.RootElement));
    }

    [Fact]
    public void SnpEvidenceWithoutCertChain_GoesToTheFetcher_OnlyWhenTheBrokerFetches()
    {
        var (attestation, key) = Message("challenge");
        using (key)
        {
            var offline = Assert.Throws<AttestationException>(() => TrusteeEvidenceAppraiser.Appraise("snp", "challenge", attestation, key, new TrusteeAppraisalOptions()));
            Assert.Contains("no cert_chain and this broker does not fetch the VCEK from AMD's KDS (kbs serve --fetch)", offline.Message);

            // With a fetcher the broker asks it; go-sev-guest's report is version 2, which names no product (no CPUID
            // fields), so KDS cannot be asked, and the refusal says why without touching the network.
            using var fetcher = new CollateralFetcher(new CollateralFetcherOptions { KdsUrl = _kds.Url, CacheDirectory = _cache });
            var e = Assert.Throws<AttestationException>(() => TrusteeEvidenceAppraiser.Appraise("snp", "challenge", attestation, key, new TrusteeAppraisalOptions { CollateralFetcher = fetcher }));
            Assert.StartsWith("SNP evidence carries no VCEK and fetching it failed: ", e.Message);
            Assert.Contains("a version 2 SEV-SNP report does not name its product", e.Message);
            Assert.Equal(0, _kds.TotalHits);
        }
    }
}
