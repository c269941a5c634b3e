using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Platforms.Simulator;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Services.Kbs.Trustee;
using TeeWasm.Attestation.Tests.Platforms.Snp;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Services.Kbs.Trustee;

public sealed class TrusteeFormatTests
{
    // The sev crate's AttestationReport fields, in declaration (= serde) order.
    private static readonly string[] s_reportFields =
    [
        "version", "guest_svn", "policy", "family_id", "image_id", "vmpl", "sig_algo", "current_tcb", "plat_info", "key_info",
        "report_data", "measurement", "host_data", "id_key_digest", "author_key_digest", "report_id", "report_id_ma",
        "reported_tcb", "cpuid_fam_id", "cpuid_mod_id", "cpuid_step", "chip_id", "committed_tcb", "current", "committed",
        "launch_tcb", "launch_mit_vector", "current_mit_vector", "signature",
    ];

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;

    private static JsonElement ToElement(JsonNode node) => Parse(node.ToJsonString());

    [Fact]
    public void Canonical_json_matches_the_attestation_services_runtime_data_vector()
    {
        // trustee attestation-service/src/lib.rs, parse_runtimedata_json_binding: {"b":1,"a":"test","c":{"d":"e"}} → SHA-384.
        byte[] canonical = JsonCanonicalizer.Serialize(Parse("""{ "b": 1, "a": "test", "c": { "d": "e" } }"""));
        Assert.Equal("""{"a":"test","b":1,"c":{"d":"e"}}""", Encoding.UTF8.GetString(canonical));
        Assert.Equal("e71ce8e70d814ba6639c3612ebee0ff1f76f650f8dbb5e47157e0f3f525cd22c4597480a186427c813ca941da78870c3",
            Convert.ToHexStringLower(SHA384.HashData(canonical)));
    }

    [Fact]
    public void Canonical_json_escapes_minimally_and_refuses_numbers_it_cannot_carry_exactly()
    {
        Assert.Equal("{\"\\u0001\":\"é\\n\\\"\",\"a\":[true,null,-3]}",
            Encoding.UTF8.GetString(JsonCanonicalizer.Serialize(Parse("{\"a\":[true,null,-3],\"\\u0001\":\"\\u00e9\\n\\\"\"}"))));
        var e = Assert.Throws<AttestationException>(() => JsonCanonicalizer.Serialize(Parse("""{"x":1.5}""")));
        Assert.Contains("1.5 is not an integer", e.Message);
    }

    [Fact]
    public void Report_data_is_sha384_of_the_sorted_runtime_data_zero_padded_to_64_bytes()
    {
        var jwk = TrusteeKbs.RsaPublicKey("RSA-OAEP-256", "bW9k", "AQAB");
        byte[] expected = SHA384.HashData(Encoding.UTF8.GetBytes(
            """{"additional-evidence":"","nonce":"bm9uY2U=","tee-pubkey":{"alg":"RSA-OAEP-256","e":"AQAB","kty":"RSA","n":"bW9k"}}"""));
        byte[] reportData = TrusteeKbs.ReportData("bm9uY2U=", jwk, "", HashAlgorithmName.SHA384);
        Assert.Equal(64, reportData.Length);
        Assert.Equal(expected, reportData[..48]);
        Assert.All(reportData[48..], b => Assert.Equal(0, b));
        Assert.Equal(SHA512.HashData(Encoding.UTF8.GetBytes(
            """{"additional-evidence":"","nonce":"bm9uY2U=","tee-pubkey":{"alg":"RSA-OAEP-256","e":"AQAB","kty":"RSA","n":"bW9k"}}""")),
            TrusteeKbs.ReportData("bm9uY2U=", jwk, "", HashAlgorithmName.SHA512));
        Assert.NotEqual(reportData, TrusteeKbs.ReportData("bm9uY2U=", TrusteeKbs.RsaPublicKey("RSA-OAEP-256", "b3RoZXI", "AQAB"), "", HashAlgorithmName.SHA384));
    }

    [Fact]
    public void Challenge_selects_sha384_by_default_and_honours_selected_hash_algorithm()
    {
        Assert.Equal(HashAlgorithmName.SHA384, TrusteeKbs.SelectedHash(Parse("""{"nonce":"n","extra-params":""}""")));
        Assert.Equal(HashAlgorithmName.SHA512, TrusteeKbs.SelectedHash(Parse("""{"nonce":"n","extra-params":{"selected-hash-algorithm":"SHA512"}}""")));
        var e = Assert.Throws<AttestationException>(() => TrusteeKbs.SelectedHash(Parse("""{"nonce":"n","extra-params":{"selected-hash-algorithm":"sm3"}}""")));
        Assert.Contains("selected hash algorithm 'sm3'", e.Message);
    }

    [Fact]
    public void Snp_evidence_of_a_real_milan_v2_report_has_the_sev_crate_shape_and_round_trips_byte_exact()
    {
        var chain = SnpVectors.Chain("amd-root-ask_ark_milan.pem");
        X509Certificate2[] certs = [SnpVectors.MilanVcek, .. chain];
        var json = ToElement(TrusteeSnpEvidence.Write(SnpVectors.MilanReport, certs));

        var report = json.GetProperty("attestation_report");
        Assert.Equal(s_reportFields, report.EnumerateObject().Select(p => p.Name));
        Assert.Equal(2u, report.GetProperty("version").GetUInt32());
        Assert.Equal(0xb0000ul, report.GetProperty("policy").GetUInt64());
        Assert.Equal(JsonValueKind.Null, report.GetProperty("cpuid_fam_id").ValueKind); // v2: no CPUID fields
        Assert.Equal(JsonValueKind.Null, report.GetProperty("launch_mit_vector").ValueKind);
        Assert.Equal("""{"fmc":null,"bootloader":2,"tee":0,"snp":5,"microcode":68}""", report.GetProperty("reported_tcb").GetRawText());
        Assert.Equal("b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01",
            Convert.ToHexStringLower(report.GetProperty("measurement").EnumerateArray().Select(b => b.GetByte()).ToArray()));
        Assert.Equal(["major", "minor", "build"], report.GetProperty("current").EnumerateObject().Select(p => p.Name));
        Assert.Equal(72, report.GetProperty("signature").GetProperty("r").GetArrayLength());
        Assert.Equal(["VCEK", "ASK", "ARK"], json.GetProperty("cert_chain").EnumerateArray().Select(c => c.GetProperty("cert_type").GetString()));
        Assert.Equal(SnpVectors.MilanVcek.RawData, json.GetProperty("cert_chain")[0].GetProperty("data").EnumerateArray().Select(b => b.GetByte()).ToArray());

        var (raw, entries) = TrusteeSnpEvidence.Parse(json);
        Assert.Equal(SnpVectors.MilanReport, raw);
        Assert.Equal(3, entries.Count);
        var verdict = new SnpVerifier().Verify(raw, new SnpVerificationOptions
        {
            Certificates = entries.Select(c => X509CertificateLoader.LoadCertificate(c.Der)).ToArray(),
            VerificationTime = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero),
        });
        Assert.True(verdict.IsValid, verdict.ToString());
    }

    [Fact]
    public void Snp_evidence_of_a_real_aws_vlek_v3_report_names_the_vlek_and_round_trips()
    {
        var json = ToElement(TrusteeSnpEvidence.Write(SnpVectors.AwsVlekReport, [SnpVectors.AwsVlek]));
        var report = json.GetProperty("attestation_report");
        Assert.Equal(0x19, report.GetProperty("cpuid_fam_id").GetInt32());
        Assert.Equal(0x01, report.GetProperty("cpuid_mod_id").GetInt32());
        Assert.Equal("""{"fmc":null,"bootloader":4,"tee":0,"snp":24,"microcode":217}""", report.GetProperty("reported_tcb").GetRawText());
        Assert.Equal("VLEK", json.GetProperty("cert_chain")[0].GetProperty("cert_type").GetString());
        Assert.Equal(SnpVectors.AwsVlekReport, TrusteeSnpEvidence.Parse(json).Report);
    }

    [Fact]
    public void Snp_evidence_written_by_hand_in_trustees_shape_parses()
    {
        // The shape guest-components' SnpAttester serializes (sev crate serde): a Turin v3 report, cert_chain null.
        string zeros(int n) => "[" + string.Join(",", Enumerable.Repeat("0", n)) + "]";
        string tcb = """{"fmc":1,"bootloader":2,"tee":3,"snp":4,"microcode":5}""";
        string json = $$$"""
            {"attestation_report":{"version":3,"guest_svn":7,"policy":196608,"family_id":{{{zeros(16)}}},"image_id":{{{zeros(16)}}},
             "vmpl":0,"sig_algo":1,"current_tcb":{{{tcb}}},"plat_info":3,"key_info":0,"report_data":{{{zeros(64)}}},
             "measurement":{{{zeros(48)}}},"host_data":{{{zeros(32)}}},"id_key_digest":{{{zeros(48)}}},"author_key_digest":{{{zeros(48)}}},
             "report_id":{{{zeros(32)}}},"report_id_ma":{{{zeros(32)}}},"reported_tcb":{{{tcb}}},"cpuid_fam_id":26,"cpuid_mod_id":2,
             "cpuid_step":1,"chip_id":{{{zeros(64)}}},"committed_tcb":{{{tcb}}},"current":{"major":1,"minor":55,"build":40},
             "committed":{"major":1,"minor":55,"build":40},"launch_tcb":{{{tcb}}},"launch_mit_vector":null,"current_mit_vector":null,
             "signature":{"r":{{{zeros(72)}}},"s":{{{zeros(72)}}}}},
             "cert_chain":null}
            """;
        var (raw, chain) = TrusteeSnpEvidence.Parse(Parse(json));
        Assert.Empty(chain);
        var parsed = SnpReport.Parse(raw);
        Assert.Equal(3u, parsed.Version);
        Assert.Equal(7u, parsed.GuestSvn);
        Assert.Equal("01020304", Convert.ToHexStringLower(raw.AsSpan(0x38, 4))); // Turin TCB layout: fmc, bl, tee, snp
        Assert.Equal(5, raw[0x3F]);
        Assert.Equal("283701", Convert.ToHexStringLower(raw.AsSpan(0x1E8, 3))); // build, minor, major
        Assert.Equal(JsonValueKind.Null, ToElement(TrusteeSnpEvidence.Write(raw, [])).GetProperty("cert_chain").ValueKind);
    }

    [Fact]
    public void Snp_evidence_that_is_malformed_or_cannot_be_expressed_is_rejected_with_the_reason()
    {
        var good = TrusteeSnpEvidence.Write(SnpVectors.MilanReport, [SnpVectors.MilanVcek]);

        var e = Assert.Throws<AttestationException>(() => TrusteeSnpEvidence.Parse(Parse("""{"quote":"AAAA"}""")));
        Assert.StartsWith("primary_evidence is not Trustee snp evidence (attestation_report, cert_chain):", e.Message);

        var shortMeasurement = good.DeepClone().AsObject();
        shortMeasurement["attestation_report"]!["measurement"]!.AsArray().RemoveAt(0);
        e = Assert.Throws<AttestationException>(() => TrusteeSnpEvidence.Parse(ToElement(shortMeasurement)));
        Assert.Contains("measurement is not an array of 48 bytes", e.Message);

        var overflow = good.DeepClone().AsObject();
        overflow["attestation_report"]!["chip_id"]![0] = 256;
        Assert.Throws<AttestationException>(() => TrusteeSnpEvidence.Parse(ToElement(overflow)));

        byte[] masked = SnpVectors.MilanReport;
        masked.AsSpan(0x1A0, 64).Clear();
        e = Assert.Throws<AttestationException>(() => TrusteeSnpEvidence.Write(masked, []));
        Assert.Contains("masked (all-zero) CHIP_ID", e.Message);

        byte[] unknownCpu = SnpVectors.AwsVlekReport;
        unknownCpu[0x188] = 0x17;
        e = Assert.Throws<AttestationException>(() => TrusteeSnpEvidence.Write(unknownCpu, []));
        Assert.Contains("CPUID family 0x17 model 0x01 is not a known SEV-SNP processor", e.Message);
    }

    [Fact]
    public void A_flipped_measurement_byte_in_snp_evidence_fails_the_signature()
    {
        var json = TrusteeSnpEvidence.Write(SnpVectors.MilanReport, [SnpVectors.MilanVcek, .. SnpVectors.Chain("amd-root-ask_ark_milan.pem")]);
        var m = json["attestation_report"]!["measurement"]!;
        m[0] = (byte)(m[0]!.GetValue<byte>() ^ 1);
        var (raw, entries) = TrusteeSnpEvidence.Parse(ToElement(json));
        var verdict = new SnpVerifier().Verify(raw, new SnpVerificationOptions
        {
            Certificates = entries.Select(c => X509CertificateLoader.LoadCertificate(c.Der)).ToArray(),
            VerificationTime = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero),
        });
        Assert.Equal(SnpFailureReason.SignatureInvalid, verdict.Reason);
    }

    [Fact]
    public void Tdx_evidence_is_base64_quote_and_optional_eventlog()
    {
        byte[] quote = File.ReadAllBytes(RepoPaths.Vector("tdx", "tdx_prod_quote_SPR_E4.dat"));
        var json = ToElement(TrusteeTdxEvidence.Write(quote));
        Assert.Equal(["cc_eventlog", "quote"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Null, json.GetProperty("cc_eventlog").ValueKind);
        Assert.Equal(Convert.ToBase64String(quote), json.GetProperty("quote").GetString());
        Assert.Equal(quote, TrusteeTdxEvidence.Parse(json));
        Assert.Equal(quote, TrusteeTdxEvidence.Parse(Parse($$"""{"cc_eventlog":"AAEC","quote":"{{Convert.ToBase64String(quote)}}"}""")));

        var e = Assert.Throws<AttestationException>(() => TrusteeTdxEvidence.Parse(Parse("""{"cc_eventlog":null,"quote":"not base64!"}""")));
        Assert.StartsWith("primary_evidence is not Trustee tdx evidence (quote, cc_eventlog):", e.Message);
        e = Assert.Throws<AttestationException>(() => TrusteeTdxEvidence.Parse(Parse("""{"cc_eventlog":null,"quote":""}""")));
        Assert.Contains("quote is empty", e.Message);
        Assert.Throws<AttestationException>(() => TrusteeTdxEvidence.Parse(Parse("""{"attestation_report":{}}""")));
    }

    [Fact]
    public void Attestation_message_has_runtime_data_and_composite_evidence_and_refuses_azure_vtpm_evidence_as_snp_or_tdx()
    {
        var authority = SimulatorAuthority.LoadOrCreate(TestSupport.SimulatorDirectory);
        var jwk = TrusteeKbs.RsaPublicKey("RSA-OAEP-256", "bW9k", "AQAB");
        byte[] reportData = TrusteeKbs.ReportData("n0nce", jwk, "", HashAlgorithmName.SHA384);
        var collected = new SimulatedSnpEvidenceSource(authority).Attest(reportData, [], new byte[32]);
        var message = ToElement(TrusteeAttestationMessage.Create("snp", "n0nce", jwk, collected.Evidence));

        Assert.Equal(["runtime-data", "tee-evidence"], message.EnumerateObject().Select(p => p.Name));
        Assert.Equal("""{"nonce":"n0nce","tee-pubkey":{"kty":"RSA","alg":"RSA-OAEP-256","n":"bW9k","e":"AQAB"}}""",
            message.GetProperty("runtime-data").GetRawText());
        var composite = message.GetProperty("tee-evidence");
        Assert.Equal("", composite.GetProperty("additional_evidence").GetString());
        var (raw, chain) = TrusteeSnpEvidence.Parse(composite.GetProperty("primary_evidence"));
        Assert.Equal(reportData, SnpReport.Parse(raw).ReportData);
        Assert.Equal(["VCEK", "ASK", "ARK"], chain.Select(c => c.Type));

        var e = Assert.Throws<AttestationException>(() => TrusteeAttestationMessage.Create("tdx", "n0nce", jwk, collected.Evidence));
        Assert.Contains("AMD_SEV_SNP evidence cannot be sent as Trustee 'tdx' evidence", e.Message);
        // Azure vTPM evidence goes only as az-snp-vtpm / az-tdx-vtpm (TrusteeAzSnpVtpmTests, TrusteeAzTdxVtpmTests).
        e = Assert.Throws<AttestationException>(() => TrusteeAttestationMessage.PrimaryEvidence("snp",
            new AzureVtpmEvidence { TeeType = TeeType.AmdSevSnp, Source = "azure-vtpm", HclReport = [0, 0, 0] }));
        Assert.Equal("Azure vTPM AMD SEV-SNP evidence cannot be sent as Trustee 'snp' evidence", e.Message);
        e = Assert.Throws<AttestationException>(() => TrusteeAttestationMessage.PrimaryEvidence("az-snp-vtpm",
            new AzureVtpmEvidence { TeeType = TeeType.IntelTdx, Source = "azure-vtpm", HclReport = [0, 0, 0] }));
        Assert.Equal("Azure vTPM Intel TDX evidence cannot be sent as Trustee 'az-snp-vtpm' evidence", e.Message);
    }
}
