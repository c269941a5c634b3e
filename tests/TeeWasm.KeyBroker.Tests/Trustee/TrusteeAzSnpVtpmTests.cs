using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Audit;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Http;
using TeeWasm.Attestation.Linux;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Platforms.Simulator;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Services.Kbs;
using TeeWasm.Attestation.Services.Kbs.Trustee;
using TeeWasm.Attestation.Tests;
using TeeWasm.Attestation.Tests.Platforms.AzureVtpm;
using TeeWasm.Attestation.Tests.Services;
using TeeWasm.Attestation.Tpm;
using TeeWasm.Tests.Shared;
using RawSession = TeeWasm.KeyBroker.Tests.Trustee.TrusteeKeyBrokerTests.RawSession;

namespace TeeWasm.KeyBroker.Tests.Trustee;

/// <summary>
/// Trustee <c>az-snp-vtpm</c> evidence: its JSON form, the client on a swtpm "Azure SNP CVM" whose fake paravisor
/// refreshes the HCL report with the written user-data (SNP report signed by the simulator authority, since only a real
/// paravisor can get AMD to sign new runtime claims), and the embedded broker's refusals.
/// </summary>
public sealed class TrusteeAzSnpVtpmTests : IClassFixture<TrusteeAzSnpVtpmTests.Fixture>, IDisposable
{
    public sealed class Fixture : IDisposable
    {
        public Swtpm Tpm { get; } = new();
        public SimulatorAuthority Authority { get; } = SimulatorAuthority.LoadOrCreate(TestSupport.SimulatorDirectory);

        /// <summary>The HCL report the paravisor makes for a 64-byte user-data: SNP report (simulator VCEK) over SHA-256(claims).</summary>
        public byte[] HclFor(byte[] userData) => HclFor(Tpm.AkPublic, userData);

        public byte[] HclFor(RSA ak, byte[] userData)
        {
            byte[] claims = Encoding.UTF8.GetBytes("{\"keys\":[" + RuntimeClaims.ToJwk(ak)
                + "],\"vm-configuration\":{\"secure-boot\":true,\"tpm-enabled\":true,\"vmUniqueId\":\"SNP\"},\"user-data\":\""
                + Convert.ToHexString(userData) + "\"}");
            byte[] reportData = new byte[64];
            SHA256.HashData(claims).CopyTo(reportData, 0);
            byte[] snp = new SimulatedSnpEvidenceSource(Authority).CreateReport(reportData);
            return HclReport.Build(HclReportType.Snp, snp, claims, totalSize: HclReport.RuntimeClaimsOffset + claims.Length);
        }

        public void Dispose()
        {
            Tpm.Dispose();
            Authority.Dispose();
        }
    }

    private static readonly ServiceCallOptions s_fast = new() { Timeout = TimeSpan.FromSeconds(30), MaxAttempts = 2, RetryDelay = TimeSpan.FromMilliseconds(10) };
    private const string AllowSimulated = """{"default":{"allow_simulated":true}}""";
    private readonly Fixture _f;
    private readonly TempDir _dir = new();
    private readonly byte[] _secret = RandomNumberGenerator.GetBytes(32);

    public TrusteeAzSnpVtpmTests(Fixture f)
    {
        _f = f;
        Directory.CreateDirectory(Path.Combine(_dir.Path, "secrets", "default", "secret"));
        File.WriteAllBytes(Path.Combine(_dir.Path, "secrets", "default", "secret", "demo"), _secret);
    }

    public void Dispose() => _dir.Dispose();

    private Task<KeyBrokerServer> Broker(string policy, IAttestationAuditLog? audit = null) =>
        KeyBrokerServer.StartAsync(new KeyBrokerOptions
        {
            Listen = "127.0.0.1:0",
            SecretsDirectory = Path.Combine(_dir.Path, "secrets"),
            Policy = JsonSerializer.Deserialize<SecretPolicy>(policy)!,
            SimulatorDirectory = TestSupport.SimulatorDirectory,
            AuditLog = audit ?? NullAuditLog.Instance,
        });

    // ---- format ----

    [Fact]
    public void Evidence_json_has_trustees_field_names_and_encodings_and_reads_back()
    {
        var evidence = new TrusteeAzVtpmEvidence
        {
            HclReport = [0xfb, 0xff, 0x01], Message = [0xff, 0x54, 0x43, 0x47], Signature = [0xde, 0xad],
            Pcrs = [.. Enumerable.Range(0, 24).Select(i => Enumerable.Repeat((byte)i, 32).ToArray())], Vcek = [0xca, 0xfe, 0xba, 0xbe],
        };
        var json = evidence.ToJson();

        Assert.Equal(["version", "tpm_quote", "hcl_report", "vcek"], json.Select(p => p.Key));
        Assert.Equal(2, json["version"]!.GetValue<int>());
        Assert.Equal(["signature", "message", "pcrs"], json["tpm_quote"]!.AsObject().Select(p => p.Key));
        Assert.Equal("dead", json["tpm_quote"]!["signature"]!.GetValue<string>());
        Assert.Equal("ff544347", json["tpm_quote"]!["message"]!.GetValue<string>());
        Assert.Equal(new string('0', 64), json["tpm_quote"]!["pcrs"]![0]!.GetValue<string>());
        Assert.Equal("-_8B", json["hcl_report"]!.GetValue<string>()); // URL-safe alphabet
        Assert.Equal("yv66vg==", json["vcek"]!.GetValue<string>()); // padded, as serde_with writes it

        var back = TrusteeAzVtpmEvidence.Parse(JsonSerializer.SerializeToElement(json));
        Assert.Equal(evidence.HclReport, back.HclReport);
        Assert.Equal(evidence.Message, back.Message);
        Assert.Equal(evidence.Signature, back.Signature);
        Assert.Equal(evidence.Vcek, back.Vcek);
        Assert.Equal(evidence.Pcrs, back.Pcrs);

        json["vcek"] = "yv66vg"; // unpadded is read too
        Assert.Equal(evidence.Vcek, TrusteeAzVtpmEvidence.Parse(JsonSerializer.SerializeToElement(json)).Vcek);
    }

    [Fact]
    public void Version_1_evidence_is_refused_because_it_does_not_bind_user_data()
    {
        var json = JsonNode.Parse("""{"version":1,"tpm_quote":{"signature":"00","message":"00","pcrs":[]},"hcl_report":"AA==","vcek":"AA=="}""")!;
        var e = Assert.Throws<AttestationException>(() => TrusteeAzVtpmEvidence.Parse(JsonSerializer.SerializeToElement(json)));
        Assert.Equal("primary_evidence is not Trustee az-snp-vtpm evidence (version 2, tpm_quote, hcl_report, vcek): "
            + "version 1: only version 2 binds runtime data through the HCL user-data", e.Message);
    }

    // ---- client and broker end to end ----

    private Attester AzureAttester(out Func<FakeParavisor?> paravisor)
    {
        _f.Tpm.ProvisionHcl(_f.HclFor(new byte[64]));
        FakeParavisor? last = null;
        paravisor = () => last;
        var source = new AzureVtpmEvidenceSource(() => last = new FakeParavisor(_f.Tpm.Connect(), _f.HclFor), TeeType.AmdSevSnp, new AzureVtpmOptions
        {
            Certificates = [_f.Authority.Vcek, _f.Authority.Ask],
            TrustedRoots = [_f.Authority.Ark],
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

    [Fact]
    public async Task Client_on_an_Azure_SNP_CVM_sends_az_snp_vtpm_evidence_bound_through_user_data_and_quote_and_gets_the_secret()
    {
        using var serverLog = new JsonLinesAuditLog(_dir.File("server.jsonl"));
        await using var broker = await Broker(AllowSimulated, serverLog);
        using var attester = AzureAttester(out var paravisor);
        using var client = new KbsClient(new KbsClientOptions { Endpoint = broker.Address, Calls = s_fast, Evidence = KbsEvidenceFormat.Trustee }, attester);

        var result = client.GetSecret("demo");

        Assert.True(result.Success, result.Error);
        Assert.Equal(_secret, result.Secret);
        Assert.Equal(1, paravisor()!.Refreshes); // the user-data was written and the HCL report refreshed with it
        using (var tpm = new Tpm2Client(_f.Tpm.Connect()))
        {
            // What was written: the 48-byte SHA-384 runtime-data hash, zero-padded to the 64-byte NV index.
            byte[] written = tpm.ReadNv(AzureVtpmEvidenceSource.UserDataNvIndex);
            Assert.Equal(64, written.Length);
            Assert.Equal(new byte[16], written[48..]);
            Assert.NotEqual(new byte[48], written[..48]);
        }
        string log = File.ReadAllText(_dir.File("server.jsonl"));
        Assert.Contains("Azure vTPM: SNP report chained to the simulator root; runtime claims bound; TPM quote by HCLAkPub over the runtime-data hash and PCRs; HCL user-data binds it (Trustee evidence)", log);
    }

    [Fact]
    public void Client_message_passes_trustees_az_snp_vtpm_checks_written_by_hand()
    {
        // A loopback "Trustee" that checks the Attestation as deps/verifier/src/az_snp_vtpm does, parsing by hand.
        string nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        string? tee = null, failure = "no attest";
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
                failure = CheckAsTrustee((await JsonDocument.ParseAsync(c.Request.Body)).RootElement, nonce);
                return failure is null ? Results.Json(new { token = "e30.e30.sig" }) : Results.Json(new { detail = failure }, statusCode: 401);
            });
            app.MapGet("/kbs/v0/resource/default/secret/demo", () => Results.StatusCode(404));
        });
        using var attester = AzureAttester(out _);
        using var client = new KbsClient(new KbsClientOptions { Endpoint = server.Uri, Calls = s_fast, Evidence = KbsEvidenceFormat.Trustee }, attester);

        var result = client.GetSecret("demo");

        Assert.Equal("az-snp-vtpm", tee);
        Assert.Null(failure);
        Assert.Contains("no secret 'default/secret/demo' (HTTP 404)", result.Error); // attested; the resource is what is missing
    }

    private string? CheckAsTrustee(JsonElement attestation, string nonce)
    {
        var jwk = attestation.GetProperty("runtime-data").GetProperty("tee-pubkey");
        string M(string n) => jwk.GetProperty(n).GetString()!;
        string material = "{\"additional-evidence\":\"\",\"nonce\":\"" + nonce + "\",\"tee-pubkey\":{\"alg\":\"" + M("alg")
            + "\",\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + M("x") + "\",\"y\":\"" + M("y") + "\"}}";
        byte[] hash = SHA384.HashData(Encoding.UTF8.GetBytes(material));
        var evidence = attestation.GetProperty("tee-evidence").GetProperty("primary_evidence");
        if (evidence.GetProperty("version").GetInt32() != 2) return "version";
        var quote = evidence.GetProperty("tpm_quote");
        byte[] message = Convert.FromHexString(quote.GetProperty("message").GetString()!);
        byte[] signature = Convert.FromHexString(quote.GetProperty("signature").GetString()!);
        // TPMS_ATTEST: magic(4) type(2) qualifiedSigner(TPM2B) extraData(TPM2B) … pcrDigest(TPM2B) last.
        int signerSize = (message[6] << 8) | message[7];
        int at = 8 + signerSize;
        int extraSize = (message[at] << 8) | message[at + 1];
        if (!message.AsSpan(at + 2, extraSize).SequenceEqual(hash)) return "TPM quote nonce doesn't match expected report_data";
        if (!_f.Tpm.AkPublic.VerifyData(message, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)) return "vTPM quote is not signed by AKpub";
        byte[] pcrs = [.. quote.GetProperty("pcrs").EnumerateArray().SelectMany(p => Convert.FromHexString(p.GetString()!))];
        if (quote.GetProperty("pcrs").GetArrayLength() != 24 || !message.AsSpan(message.Length - 32).SequenceEqual(SHA256.HashData(pcrs)))
            return "Digest of PCRs does not match digest in Quote";
        string url = evidence.GetProperty("hcl_report").GetString()!.Replace('-', '+').Replace('_', '/');
        var hcl = HclReport.Parse(Convert.FromBase64String(url));
        if (!SHA256.HashData(hcl.RuntimeClaimsBytes.Span).AsSpan().SequenceEqual(hcl.ReportData.Span[..32])) return "HCL variable data digest doesn't match SNP report data";
        string userData = JsonDocument.Parse(hcl.RuntimeClaimsBytes).RootElement.GetProperty("user-data").GetString()!;
        if (!Convert.FromHexString(userData).AsSpan(0, hash.Length).SequenceEqual(hash)) return "User-data in HCL variable data doesn't match report_data";
        string vcek = evidence.GetProperty("vcek").GetString()!.Replace('-', '+').Replace('_', '/');
        if (!Convert.FromBase64String(vcek).AsSpan().SequenceEqual(_f.Authority.Vcek.RawData)) return "vcek";
        return null;
    }

    // ---- TeeWasm evidence of an Azure CVM: appraised through the platform registration ----

    [Fact]
    public async Task Client_on_an_Azure_SNP_CVM_with_teewasm_evidence_gets_the_secret_through_the_platform_registration()
    {
        // Before, the broker took only the tee_types it named (AMD_SEV_SNP, TDX) and refused this with
        // "evidence of platform 'AMD SEV-SNP' is not supported (AMD_SEV_SNP, TDX)"; now AzureVtpmPlatform reads and verifies it.
        using var serverLog = new JsonLinesAuditLog(_dir.File("server.jsonl"));
        await using var broker = await Broker(AllowSimulated, serverLog);
        using var attester = AzureAttester(out _);
        using var client = new KbsClient(new KbsClientOptions { Endpoint = broker.Address, Calls = s_fast }, attester);

        var result = client.GetSecret("demo");

        Assert.True(result.Success, result.Error);
        Assert.Equal(_secret, result.Secret);
        string log = File.ReadAllText(_dir.File("server.jsonl"));
        Assert.Contains("\"reason\":\"Azure vTPM: SNP report chained to the simulator root\"", log);
        Assert.Contains("\"module\":\"" + Convert.ToHexStringLower(Attester.HashModule("guest"u8)) + "\"", log); // it binds the module
    }

    [Fact]
    public async Task Teewasm_evidence_of_an_Azure_CVM_without_its_tpm_quote_does_not_prove_its_binding()
    {
        await using var broker = await Broker(AllowSimulated);
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = true }) { BaseAddress = broker.Address };
        var auth = await http.PostAsync(KbsProtocol.AuthPath, new StringContent("""{"version":"0.1.0","tee":"snp","extra-params":""}"""));
        string nonce = JsonDocument.Parse(await auth.Content.ReadAsStringAsync()).RootElement.GetProperty("nonce").GetString()!;
        using var key = TeeKeyPair.Create(TeeKeyKind.EcP256);
        using var attester = AzureAttester(out _);
        var evidence = JsonNode.Parse(attester.AttestVm(KbsProtocol.BindingNonce(nonce, key.Jwk)).Evidence!)!.AsObject();
        Assert.True(evidence.Remove("tpm_quote")); // the HCL report still verifies; nothing shows it is fresh or bound

        var refused = await http.PostAsync(KbsProtocol.AttestPath, new StringContent(
            new JsonObject { ["tee-pubkey"] = key.Jwk.DeepClone(), ["tee-evidence"] = evidence }.ToJsonString()));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        string detail = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString()!;
        Assert.StartsWith("Azure HCL report does not prove that it is bound to this challenge and TEE key: ", detail);
        Assert.EndsWith("; no TPM quote (freshness not shown)", detail);
    }

    [Fact]
    public async Task Broker_that_allows_no_simulated_platform_refuses_the_simulator_signed_hcl_report()
    {
        await using var broker = await Broker("""{"default":{}}""");
        using var attester = AzureAttester(out _);
        using var client = new KbsClient(new KbsClientOptions { Endpoint = broker.Address, Calls = s_fast, Evidence = KbsEvidenceFormat.Trustee }, attester);

        var result = client.GetSecret("demo");

        Assert.False(result.Success);
        Assert.Contains("attestation refused (HTTP 401): Azure vTPM evidence rejected (HardwareReportInvalid): SNP report inside the HCL report:", result.Error);
    }

    // ---- hand-made evidence the broker must refuse ----

    /// <summary>SHA-384 of the canonical runtime data, written out by hand as Trustee's attestation service hashes it.</summary>
    private static byte[] RuntimeDataHash(string nonce, RSA key)
    {
        var p = key.ExportParameters(false);
        string canonical = "{\"additional-evidence\":\"\",\"nonce\":\"" + nonce + "\",\"tee-pubkey\":{\"alg\":\"RSA-OAEP-256\",\"e\":\""
            + Base64UrlEncoder.Encode(p.Exponent) + "\",\"kty\":\"RSA\",\"n\":\"" + Base64UrlEncoder.Encode(p.Modulus) + "\"}}";
        return SHA384.HashData(Encoding.UTF8.GetBytes(canonical));
    }

    private static JsonObject Jwk(RSA key)
    {
        var p = key.ExportParameters(false);
        return TrusteeKbs.RsaPublicKey(JweEnvelope.RsaOaep256, Base64UrlEncoder.Encode(p.Modulus), Base64UrlEncoder.Encode(p.Exponent));
    }

    /// <summary>az-snp-vtpm evidence: <paramref name="hcl"/>, a swtpm quote by <paramref name="akHandle"/> over <paramref name="quoteNonce"/>.</summary>
    private TrusteeAzVtpmEvidence Evidence(byte[] hcl, byte[] quoteNonce, uint akHandle = Swtpm.AkHandle, X509Certificate2? vcek = null)
    {
        using var tpm = new Tpm2Client(_f.Tpm.Connect());
        var quote = tpm.Quote(akHandle, quoteNonce);
        return new TrusteeAzVtpmEvidence
        {
            HclReport = hcl, Message = quote.Attest, Signature = quote.Signature.Value, Pcrs = tpm.ReadPcrs(), Vcek = (vcek ?? _f.Authority.Vcek).RawData,
        };
    }

    private static JsonObject Message(string nonce, RSA key, TrusteeAzVtpmEvidence evidence) => new()
    {
        ["runtime-data"] = TrusteeKbs.RuntimeData(nonce, Jwk(key)),
        ["tee-evidence"] = new JsonObject { ["primary_evidence"] = evidence.ToJson(), ["additional_evidence"] = "" },
    };

    private static byte[] Padded(byte[] hash)
    {
        byte[] userData = new byte[64];
        hash.CopyTo(userData, 0);
        return userData;
    }

    [Fact]
    public async Task Hand_made_evidence_bound_as_trustee_binds_is_released_and_decrypts()
    {
        await using var broker = await Broker(AllowSimulated);
        using var session = new RawSession(broker.Address);
        string nonce = await session.AuthAsync(TrusteeAzVtpmEvidence.SnpTee);
        using var key = RSA.Create(2048);
        byte[] hash = RuntimeDataHash(nonce, key);

        var (status, detail) = await session.AttestAsync(Message(nonce, key, Evidence(_f.HclFor(Padded(hash)), hash)));

        Assert.True(status == HttpStatusCode.OK, detail);
        using var response = await session.Http.GetAsync(new Uri(broker.Address, "/kbs/v0/resource/default/secret/demo"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(_secret, JweEnvelope.Decrypt(await response.Content.ReadAsStringAsync(), key));
    }

    [Fact]
    public async Task Quote_nonce_other_than_the_runtime_data_hash_is_refused()
    {
        await using var broker = await Broker(AllowSimulated);
        using var session = new RawSession(broker.Address);
        string nonce = await session.AuthAsync(TrusteeAzVtpmEvidence.SnpTee);
        using var key = RSA.Create(2048);
        byte[] hash = RuntimeDataHash(nonce, key);
        byte[] padded = Padded(hash); // the 64-byte SNP-style report_data is not what Trustee's az-snp-vtpm verifier compares

        var (status, detail) = await session.AttestAsync(Message(nonce, key, Evidence(_f.HclFor(padded), quoteNonce: padded)));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.StartsWith("Azure vTPM evidence rejected (NonceMismatch): TPM quote extraData differs from the nonce: the quote carries ", detail);
    }

    [Fact]
    public async Task User_data_other_than_the_runtime_data_hash_is_refused()
    {
        await using var broker = await Broker(AllowSimulated);
        using var session = new RawSession(broker.Address);
        string nonce = await session.AuthAsync(TrusteeAzVtpmEvidence.SnpTee);
        using var key = RSA.Create(2048);
        using var otherKey = RSA.Create(2048);
        byte[] hash = RuntimeDataHash(nonce, key);
        byte[] other = Padded(RuntimeDataHash(nonce, otherKey));

        var (status, detail) = await session.AttestAsync(Message(nonce, key, Evidence(_f.HclFor(other), hash)));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal($"HCL user-data does not bind runtime-data (nonce and tee-pubkey): it is {Convert.ToHexString(other)}", detail);
    }

    [Fact]
    public async Task Flipped_quote_byte_is_refused_by_the_quote_signature()
    {
        await using var broker = await Broker(AllowSimulated);
        using var session = new RawSession(broker.Address);
        string nonce = await session.AuthAsync(TrusteeAzVtpmEvidence.SnpTee);
        using var key = RSA.Create(2048);
        byte[] hash = RuntimeDataHash(nonce, key);
        var evidence = Evidence(_f.HclFor(Padded(hash)), hash);
        evidence.Message[^1] ^= 0x01; // the last byte of the PCR digest

        var (status, detail) = await session.AttestAsync(Message(nonce, key, evidence));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("Azure vTPM evidence rejected (QuoteSignatureInvalid): quote signature does not verify with the attestation key (HCLAkPub from the runtime claims)", detail);
    }

    [Fact]
    public async Task Changed_pcr_value_is_refused_by_the_pcr_digest()
    {
        await using var broker = await Broker(AllowSimulated);
        using var session = new RawSession(broker.Address);
        string nonce = await session.AuthAsync(TrusteeAzVtpmEvidence.SnpTee);
        using var key = RSA.Create(2048);
        byte[] hash = RuntimeDataHash(nonce, key);
        var evidence = Evidence(_f.HclFor(Padded(hash)), hash);
        evidence.Pcrs[7][0] ^= 0x01;

        var (status, detail) = await session.AttestAsync(Message(nonce, key, evidence));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("Azure vTPM evidence rejected (PcrMismatch): TPM quote pcrDigest differs from the digest of the PCR values read", detail);
    }

    [Fact]
    public async Task Quote_by_another_ak_than_the_claims_hclakpub_is_refused()
    {
        await using var broker = await Broker(AllowSimulated);
        using var session = new RawSession(broker.Address);
        string nonce = await session.AuthAsync(TrusteeAzVtpmEvidence.SnpTee);
        using var key = RSA.Create(2048);
        byte[] hash = RuntimeDataHash(nonce, key);

        var (status, detail) = await session.AttestAsync(Message(nonce, key, Evidence(_f.HclFor(Padded(hash)), hash, Swtpm.OtherAkHandle)));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("Azure vTPM evidence rejected (QuoteSignatureInvalid): quote signature does not verify with the attestation key (HCLAkPub from the runtime claims)", detail);
    }

    [Fact]
    public async Task Real_Azure_SNP_hcl_report_with_a_swtpm_quote_is_refused_because_its_claims_name_Azures_ak()
    {
        // The constellation vector: an AMD-signed SNP report binding real runtime claims (Azure's HCLAkPub, real user-data).
        // Nothing here holds that AK, so no quote can pass; the refusal shows the AK is taken from the hardware-bound claims.
        byte[] snp = File.ReadAllBytes(RepoPaths.Vector("azure", "constellation-azure-snp-report+igvm-header.bin"))[..SnpReport.Size];
        byte[] claims = File.ReadAllBytes(RepoPaths.Vector("azure", "constellation-azure-snp-runtimedata.json"));
        byte[] hcl = HclReport.Build(HclReportType.Snp, snp, claims);
        using var vcek = X509CertificateLoader.LoadCertificate(File.ReadAllBytes(RepoPaths.Vector("azure", "constellation-azure-vcek.der")));
        await using var broker = await Broker("""{"default":{}}""");
        using var session = new RawSession(broker.Address);
        string nonce = await session.AuthAsync(TrusteeAzVtpmEvidence.SnpTee);
        using var key = RSA.Create(2048);

        var (status, detail) = await session.AttestAsync(Message(nonce, key, Evidence(hcl, RuntimeDataHash(nonce, key), vcek: vcek)));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("Azure vTPM evidence rejected (QuoteSignatureInvalid): quote signature does not verify with the attestation key (HCLAkPub from the runtime claims)", detail);
    }

    [Fact]
    public async Task Az_snp_vtpm_evidence_in_an_az_tdx_vtpm_session_is_refused_for_its_missing_td_quote()
    {
        await using var broker = await Broker(AllowSimulated);
        using var session = new RawSession(broker.Address);
        string nonce = await session.AuthAsync(TrusteeAzVtpmEvidence.TdxTee);
        using var key = RSA.Create(2048);
        byte[] hash = RuntimeDataHash(nonce, key);

        var (status, detail) = await session.AttestAsync(Message(nonce, key, Evidence(_f.HclFor(Padded(hash)), hash)));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.StartsWith("primary_evidence is not Trustee az-tdx-vtpm evidence (version 2, tpm_quote, hcl_report, td_quote): ", detail);
    }

    [Fact]
    public async Task Evidence_of_another_format_in_an_az_snp_vtpm_session_is_refused()
    {
        await using var broker = await Broker(AllowSimulated);
        using var session = new RawSession(broker.Address);
        string nonce = await session.AuthAsync(TrusteeAzVtpmEvidence.SnpTee);
        using var key = RSA.Create(2048);
        var message = Message(nonce, key, Evidence(_f.HclFor(new byte[64]), new byte[48]));
        message["tee-evidence"]!["primary_evidence"] = TrusteeTdxEvidence.Write([1, 2, 3]);

        var (status, detail) = await session.AttestAsync(message);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.StartsWith("primary_evidence is not Trustee az-snp-vtpm evidence (version 2, tpm_quote, hcl_report, vcek): ", detail);
    }
}
