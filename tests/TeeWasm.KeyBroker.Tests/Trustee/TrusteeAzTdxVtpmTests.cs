using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Http;
using TeeWasm.Attestation.Linux;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Services.Kbs;
using TeeWasm.Attestation.Services.Kbs.Trustee;
using TeeWasm.Attestation.Tests.Platforms.AzureVtpm;
using TeeWasm.Attestation.Tests.Services;
using TeeWasm.Attestation.Tpm;

using TeeWasm.KeyBroker.Appraisers;
using TeeWasm.KeyBroker.Trustee;

namespace TeeWasm.KeyBroker.Tests.Trustee;

/// <summary>
/// Trustee <c>az-tdx-vtpm</c> evidence on a swtpm "Azure TDX CVM": a fake paravisor refreshes the HCL report (the real
/// TDREPORT with report_data = SHA-256(claims)) with the written user-data, a loopback IMDS quotes it with a test
/// quoting enclave (test root trusted through the internal override hook); a loopback broker appraises the client's
/// message with <see cref="TrusteeAzVtpmAppraiser"/> against a runtime-data hash written by hand.
/// </summary>
public sealed class TrusteeAzTdxVtpmTests : IClassFixture<SwtpmAzureTdxFixture>
{
    private static readonly ServiceCallOptions s_fast = new() { Timeout = TimeSpan.FromSeconds(30), MaxAttempts = 1, RetryDelay = TimeSpan.FromMilliseconds(10) };
    private readonly SwtpmAzureTdxFixture _f;

    public TrusteeAzTdxVtpmTests(SwtpmAzureTdxFixture f) => _f = f;

    private TrusteeAppraisalOptions Appraisal => new() { Tdx = new TdxVerifierOptions { TrustedRootOverride = _f.Factory.Root } };

    private Attester AzureTdxAttester(FakeImds imds)
    {
        _f.ProvisionForUserData();
        var source = new AzureVtpmEvidenceSource(() => new FakeParavisor(_f.Tpm.Connect(), _f.HclFor), TeeType.IntelTdx, new AzureVtpmOptions
        {
            FetchTdQuoteFromImds = true, TdQuoteBaseUri = imds.Uri, TdQuoteCalls = s_fast, TdxTrustedRootOverride = _f.Factory.Root,
        });
        var options = new AttesterOptions
        {
            Probe = new TeeProbeOptions
            {
                TpmSocket = _f.Tpm.SocketPath,
                TsmReportRoot = "/nonexistent", SevGuestDevice = "/nonexistent", TdxGuestDevices = [], SevFirmwareDirectory = "/nonexistent",
            },
        };
        return new Attester(options, null, _ => source, null) { ModuleHash = Attester.HashModule("guest"u8) };
    }

    private static byte[] HashByHand(string nonce, JsonElement jwk)
    {
        string M(string n) => jwk.GetProperty(n).GetString()!;
        string material = "{\"additional-evidence\":\"\",\"nonce\":\"" + nonce + "\",\"tee-pubkey\":{\"alg\":\"" + M("alg")
            + "\",\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + M("x") + "\",\"y\":\"" + M("y") + "\"}}";
        return SHA384.HashData(Encoding.UTF8.GetBytes(material));
    }

    [Fact]
    public void Client_on_an_Azure_TDX_CVM_sends_az_tdx_vtpm_evidence_that_the_appraiser_accepts()
    {
        string nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        string? tee = null, failure = "no attest";
        AppraisedEvidence? appraised = null;
        JsonElement evidence = default;
        using var server = new LoopbackServer(app =>
        {
            app.MapPost("/kbs/v0/auth", async (HttpContext c) =>
            {
                tee = (await JsonDocument.ParseAsync(c.Request.Body)).RootElement.GetProperty("tee").GetString();
                c.Response.Headers.SetCookie = "kbs-session-id=s1; Path=/kbs";
                return Results.Json(new Dictionary<string, object> { ["nonce"] = nonce, ["extra-params"] = "" });
            });
            app.MapPost("/kbs/v0/attest", async (HttpContext c) =>
            {
                var body = (await JsonDocument.ParseAsync(c.Request.Body)).RootElement.Clone();
                evidence = body.GetProperty("tee-evidence").GetProperty("primary_evidence");
                try
                {
                    byte[] hash = HashByHand(nonce, body.GetProperty("runtime-data").GetProperty("tee-pubkey"));
                    appraised = TrusteeAzVtpmAppraiser.Appraise(TrusteeAzVtpmEvidence.Parse(evidence, TrusteeAzVtpmEvidence.TdxTee), hash, Appraisal);
                    failure = null;
                    return Results.Json(new { token = "e30.e30.sig" });
                }
                catch (AttestationException e)
                {
                    failure = e.Message;
                    return Results.Json(new { detail = e.Message }, statusCode: 401);
                }
            });
            app.MapGet("/kbs/v0/resource/default/secret/demo", () => Results.StatusCode(404));
        });
        using var imds = new FakeImds(_f.Factory);
        using var attester = AzureTdxAttester(imds);
        using var client = new KbsClient(new KbsClientOptions { Endpoint = server.Uri, Calls = s_fast, Evidence = KbsEvidenceFormat.Trustee }, attester);

        var result = client.GetSecret("demo");

        Assert.Equal("az-tdx-vtpm", tee);
        Assert.Null(failure);
        Assert.Contains("no secret 'default/secret/demo' (HTTP 404)", result.Error);
        Assert.Equal(["version", "tpm_quote", "hcl_report", "td_quote"], evidence.EnumerateObject().Select(p => p.Name));
        Assert.Equal("Intel TDX", appraised!.Platform);
        Assert.False(appraised.BindsModule);
        Assert.False(appraised.Simulated);
        Assert.Equal(Convert.ToHexStringLower(TdQuoteFactory.RealTdReport().AsSpan(512 + 16, 48)), appraised.Measurement);
        Assert.StartsWith("Azure vTPM: TD quote (PCK chain to the Intel SGX Root CA; TCB status not evaluated (no collateral)) carries the TDREPORT's fields", appraised.Note);
    }

    private TrusteeAzVtpmEvidence Evidence(byte[] userData, byte[] quoteNonce)
    {
        byte[] hcl = _f.HclFor(userData);
        using var tpm = new Tpm2Client(_f.Tpm.Connect());
        var quote = tpm.Quote(Swtpm.AkHandle, quoteNonce);
        return new TrusteeAzVtpmEvidence
        {
            HclReport = hcl, Message = quote.Attest, Signature = quote.Signature.Value, Pcrs = tpm.ReadPcrs(),
            TdQuote = _f.Factory.QuoteFor(HclReport.Parse(hcl).HardwareReport.Span[..1024]),
        };
    }

    private static byte[] Padded(byte[] hash)
    {
        byte[] p = new byte[64];
        hash.CopyTo(p, 0);
        return p;
    }

    [Fact]
    public void Hand_made_evidence_is_accepted_and_its_refusals_name_the_reason()
    {
        byte[] hash = SHA384.HashData("runtime data"u8);
        Assert.Equal("Intel TDX", TrusteeAzVtpmAppraiser.Appraise(Evidence(Padded(hash), hash), hash, Appraisal).Platform);

        var e = Assert.Throws<AttestationException>(() => TrusteeAzVtpmAppraiser.Appraise(Evidence(Padded(hash), Padded(hash)), hash, Appraisal));
        Assert.StartsWith("Azure vTPM evidence rejected (NonceMismatch): TPM quote extraData differs from the nonce: the quote carries ", e.Message);

        byte[] other = Padded(SHA384.HashData("other runtime data"u8));
        e = Assert.Throws<AttestationException>(() => TrusteeAzVtpmAppraiser.Appraise(Evidence(other, hash), hash, Appraisal));
        Assert.Equal($"HCL user-data does not bind runtime-data (nonce and tee-pubkey): it is {Convert.ToHexString(other)}", e.Message);

        var flipped = Evidence(Padded(hash), hash);
        flipped.Message[^1] ^= 0x01;
        e = Assert.Throws<AttestationException>(() => TrusteeAzVtpmAppraiser.Appraise(flipped, hash, Appraisal));
        Assert.Equal("Azure vTPM evidence rejected (QuoteSignatureInvalid): quote signature does not verify with the attestation key (HCLAkPub from the runtime claims)", e.Message);

        // A TD quote for another TDREPORT (the HCL report for other user-data): refused by the pairing, naming report_data.
        var foreign = Evidence(Padded(hash), hash) with { TdQuote = Evidence(other, hash).TdQuote };
        e = Assert.Throws<AttestationException>(() => TrusteeAzVtpmAppraiser.Appraise(foreign, hash, Appraisal));
        Assert.StartsWith("Azure vTPM evidence rejected (TdQuoteMismatch): TD quote is not for this TDREPORT:", e.Message);

        // Without the test root override the test quoting enclave's chain is not Intel's.
        e = Assert.Throws<AttestationException>(() => TrusteeAzVtpmAppraiser.Appraise(Evidence(Padded(hash), hash), hash, new TrusteeAppraisalOptions()));
        Assert.StartsWith("Azure vTPM evidence rejected (TdQuoteInvalid): TD quote for the TDREPORT rejected (PckChainUntrusted)", e.Message);
    }
}
