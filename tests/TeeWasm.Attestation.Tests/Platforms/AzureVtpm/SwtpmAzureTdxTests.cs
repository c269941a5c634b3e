using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Http;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Services;
using TeeWasm.Attestation.Services.Maa;
using TeeWasm.Attestation.Tests.Services.Maa;
using TeeWasm.Attestation.Tpm;

namespace TeeWasm.Attestation.Tests.Platforms.AzureVtpm;

/// <summary>
/// The Azure TDX CVM path end to end against a real swtpm: TDX HCL report in NV, TPM2_Quote by the AK, TD quote for the
/// TDREPORT from a loopback IMDS, pairing, then the evidence JSON as an Azure Attestation TdxVm request.
/// </summary>
public sealed class SwtpmAzureTdxTests : IClassFixture<SwtpmAzureTdxFixture>
{
    private static readonly ServiceCallOptions s_fast = new() { Timeout = TimeSpan.FromSeconds(30), MaxAttempts = 2, RetryDelay = TimeSpan.FromMilliseconds(10) };
    private readonly SwtpmAzureTdxFixture _f;

    public SwtpmAzureTdxTests(SwtpmAzureTdxFixture f) => _f = f;

    private AzureVtpmEvidenceSource Source(Uri imds, bool fetch = true, bool writeUserData = false, Func<ITpmTransport>? tpm = null) =>
        new(tpm ?? (() => _f.Tpm.Connect()), TeeType.IntelTdx, new AzureVtpmOptions
    {
        FetchTdQuoteFromImds = fetch,
        WriteHclUserData = writeUserData,
        TdQuoteBaseUri = imds,
        TdQuoteCalls = s_fast,
        TdxTrustedRootOverride = _f.Factory.Root,
    });

    private static byte[] Binding(byte nonce) => ReportDataBinding.Compute(new byte[32], new byte[65], [nonce]);

    [Fact]
    public void FullPath_TdQuoteFromImds_Paired_ThenTdxVmRequest()
    {
        _f.ProvisionTdx(out byte[] claims, out byte[] td);
        using var imds = new FakeImds(_f.Factory);
        byte[] binding = Binding(1);

        var evidence = Source(imds.Uri).Attest(binding, [1], new byte[32]);

        Assert.Equal(td, imds.LastReport);
        Assert.Equal("Intel TDX", evidence.Verified.Platform);
        Assert.Equal(td.AsSpan(512 + 16, 48).ToArray(), evidence.Verified.Measurement);
        Assert.Contains("the quote carries the TDREPORT's fields", evidence.Verified.VerifierNote);
        Assert.Contains("TPM quote signed by HCLAkPub", evidence.Verified.VerifierNote);
        var json = JsonNode.Parse(evidence.EvidenceJson)!.AsObject();
        byte[] tdQuote = Convert.FromBase64String(json["td_quote"]!.GetValue<string>());
        Assert.Equal(td.AsSpan(128, 64).ToArray(), TdxQuote.Parse(tdQuote).Body.ReportData.ToArray());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(binding)), json["tpm_quote"]!["nonce"]!.GetValue<string>());

        // The evidence JSON (with the binding the Attester adds) becomes a TdxVm request: quote + HCL claims.
        json["binding"] = JsonNode.Parse(EvidenceDocument.BindingJson(VmBinding.TeeWasm(new byte[32], [0x04], [0x01])));
        var service = ServiceEvidence.From(AttestationPlatforms.ReadEvidence(json.ToJsonString()));
        using var maa = new FakeMaa();
        using var client = new MaaClient(new MaaOptions { Endpoint = maa.Uri, KeyRefreshInterval = TimeSpan.Zero });
        client.Attest(service);
        JsonElement sent = maa.LastRequest;
        Assert.Equal(tdQuote, Base64UrlEncoder.DecodeBytes(sent.GetProperty("quote").GetString()!));
        Assert.Equal(claims, Base64UrlEncoder.DecodeBytes(sent.GetProperty("runtimeData").GetProperty("data").GetString()!));
    }

    [Fact]
    public void WithoutOptIn_NoImdsCall_AndAClearError()
    {
        _f.ProvisionTdx(out _, out _);
        using var imds = new FakeImds(_f.Factory);
        var e = Assert.Throws<AttestationException>(() => Source(imds.Uri, fetch: false).Attest(Binding(2), [2], new byte[32]));
        Assert.Contains("TD quote is needed", e.Message);
        Assert.Contains("--imds-tdquote", e.Message);
        Assert.Equal(0, imds.Requests);
    }

    [Theory]
    [InlineData(128 + 40, "report_data")]
    [InlineData(512 + 16 + 5, "MRTD")]
    [InlineData(512 + 208 + 96, "RTMR2")]
    public void ImdsQuoteForAnotherTdReport_IsRejected_NamingTheField(int offset, string field)
    {
        _f.ProvisionTdx(out _, out _);
        using var imds = new FakeImds(_f.Factory) { Tamper = r => r[offset] ^= 1 };
        var e = Assert.Throws<AttestationException>(() => Source(imds.Uri).Attest(Binding(3), [3], new byte[32]));
        Assert.Equal($"Azure vTPM evidence rejected: TD quote is not for this TDREPORT: {field} differs", e.Message);
    }

    [Fact]
    public void ImdsFailure_NamesTheService()
    {
        _f.ProvisionTdx(out _, out _);
        using var imds = new FakeImds(_f.Factory) { Mode = FakeImds.Behaviour.Error500 };
        var e = Assert.Throws<RemoteServiceException>(() => Source(imds.Uri).Attest(Binding(4), [4], new byte[32]));
        Assert.Contains("Azure IMDS TD quote service at http://127.0.0.1:", e.Message);
        Assert.Contains("HTTP 500", e.Message);
    }

    [Fact]
    public void ItaScheme_WritesReportDataToTheUserDataIndex_AndTheRefreshedHclMustCarryIt()
    {
        _f.ProvisionForUserData();
        using var imds = new FakeImds(_f.Factory);
        byte[] binding = Binding(5);
        FakeParavisor? paravisor = null;
        var source = Source(imds.Uri, writeUserData: true, tpm: () => paravisor = new FakeParavisor(_f.Tpm.Connect(), _f.HclFor));

        var evidence = source.Attest(binding, [5], new byte[32]);

        Assert.Equal(1, paravisor!.Refreshes);
        using (var tpm = new Tpm2Client(_f.Tpm.Connect()))
            Assert.Equal(binding, tpm.ReadNv(AzureVtpmEvidenceSource.UserDataNvIndex));
        var hcl = HclReport.Parse(Convert.FromBase64String(JsonNode.Parse(evidence.EvidenceJson)!["report"]!.GetValue<string>()));
        Assert.Equal(Convert.ToHexString(binding), RuntimeClaims.Parse(hcl.RuntimeClaimsBytes.Span).UserData);
        Assert.EndsWith("and the HCL user-data", evidence.Verified.VerifierNote);
    }

    [Fact]
    public void ItaScheme_WithoutAParavisorRefresh_IsRejected()
    {
        // swtpm alone keeps the old HCL report: its user-data does not carry what was written.
        _f.ProvisionForUserData();
        using var imds = new FakeImds(_f.Factory);
        var e = Assert.Throws<AttestationException>(() => Source(imds.Uri, writeUserData: true).Attest(Binding(6), [6], new byte[32]));
        Assert.Equal($"Azure vTPM evidence rejected: the HCL report's user-data is {new string('0', 128)}, not the report_data written to NV index 0x01400002 "
            + "(the paravisor did not refresh the HCL report with it)", e.Message);
    }

    [Fact]
    public void WriteNv_DefinesOnce_RewritesInPlace_AndRefusesAnotherSize()
    {
        const uint index = 0x01400003;
        using var tpm = new Tpm2Client(_f.Tpm.Connect());
        tpm.WriteNv(index, Enumerable.Repeat((byte)1, 64).ToArray());
        tpm.WriteNv(index, Enumerable.Repeat((byte)2, 64).ToArray());
        Assert.Equal(Enumerable.Repeat((byte)2, 64), tpm.ReadNv(index));
        var e = Assert.Throws<TpmException>(() => tpm.WriteNv(index, new byte[32]));
        Assert.Equal("NV index 0x01400003 holds 64 bytes, not 32", e.Message);
    }
}
