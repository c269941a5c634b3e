using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using CsCheck;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Platforms.Nvidia;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Policy;
using TeeWasm.Attestation.Tests.Platforms.Nvidia;
using TeeWasm.Attestation.Tests.Platforms.Snp;
using TeeWasm.Attestation.Tests.Platforms.Tdx;
using TeeWasm.Attestation.Tokens;
using TeeWasm.Attestation.Verification;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.BadInput;

/// <summary>
/// Issue 12, "keep it fixed": randomized (CsCheck) properties over every evidence parser and verifier, on the real
/// vectors. Mutated evidence never makes an exception escape past what <c>tee-wasm verify</c> catches, and a change to a
/// signed region is never accepted. Each property is bounded by an iteration count (seconds each); a failure prints the
/// mutation and CsCheck's seed (rerun with <c>CsCheck_Seed=…</c>).
/// </summary>
public sealed class RandomizedEvidenceTests
{
    /// <summary>Inside every vector certificate's validity used here (VCEK to 2029, Azure VCEK to 2030, PCK to 2033).</summary>
    private static readonly DateTimeOffset s_time = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private static string V(string folder, string file) => RepoPaths.Vector(folder, file);

    /// <summary>
    /// Each evidence format <c>tee-wasm verify</c> reads, with the inputs that make it verify: raw SNP (binary and
    /// base64), TDX v4 and v5 quotes, an Azure HCL-framed SNP report, NVIDIA GPU reports (hex with a chain, SDK evidence
    /// JSON), and TeeWasm's evidence JSON inside an attestation result.
    /// </summary>
    private static readonly (string Name, byte[] Data, VerifyOptions Options)[] s_files =
    [
        ("snp/attestation.bin", File.ReadAllBytes(V("snp", "attestation.bin")), new VerifyOptions { Time = s_time, CertificateFiles = [V("snp", "vcek.testcer")] }),
        ("snp/aws-vlek-report.b64", File.ReadAllBytes(V("snp", "aws-vlek-report.b64")), new VerifyOptions { Time = s_time, CertificateFiles = [V("snp", "aws-vlek.pem"), V("snp", "amd-root-ask_ark_milan_vlek.pem")] }),
        ("tdx/tdx_prod_quote_SPR_E4.dat", File.ReadAllBytes(V("tdx", "tdx_prod_quote_SPR_E4.dat")), new VerifyOptions { Time = s_time }),
        ("tdx/quote_v5_sample.dat", File.ReadAllBytes(V("tdx", "quote_v5_sample.dat")), new VerifyOptions { Time = s_time }),
        ("azure/constellation-azure-snp-report+igvm-header.bin", File.ReadAllBytes(V("azure", "constellation-azure-snp-report+igvm-header.bin")), new VerifyOptions { Time = s_time, CertificateFiles = [V("azure", "constellation-azure-vcek.der")] }),
        ("azure/cvmtools-tdx-hcl-report.bin", File.ReadAllBytes(V("azure", "cvmtools-tdx-hcl-report.bin")), new VerifyOptions { Time = s_time }),
        ("nvidia/sdk-hopper-580-report.txt", File.ReadAllBytes(V("nvidia", "sdk-hopper-580-report.txt")), new VerifyOptions { Time = s_time, CertificateFiles = [V("nvidia", "sdk-hopper-580-certchain.txt")] }),
        ("nvidia/sdk-evidence-hopper-590.json", File.ReadAllBytes(V("nvidia", "sdk-evidence-hopper-590.json")), new VerifyOptions { Time = s_time }),
        ("attestation result JSON", Mutations.Utf8(AttestationResultJson()), new VerifyOptions { Time = s_time, CertificateFiles = [V("snp", "vcek.testcer")] }),
    ];

    private static string AttestationResultJson()
    {
        string inner = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["tee_type"] = "AMD SEV-SNP",
            ["report"] = Convert.ToBase64String(File.ReadAllBytes(V("snp", "attestation.bin"))),
            ["certificates"] = new[] { File.ReadAllText(V("snp", "amd-root-ask_ark_milan.pem")) },
        });
        return JsonSerializer.Serialize(new Dictionary<string, object?> { ["success"] = true, ["token"] = null, ["evidence"] = inner, ["timestamp"] = 1700000000 });
    }

    /// <summary>What <c>tee-wasm verify</c> does with a file: an appraisal, or a <see cref="VerificationInputException"/> it prints as one line. Anything else escapes.</summary>
    private static void VerifyLikeTheCli(byte[] data, VerifyOptions options)
    {
        try
        {
            AttestationPlatforms.VerifyFile(data, options);
        }
        catch (VerificationInputException)
        {
        }
    }

    [Fact]
    public void Mutated_evidence_files_never_throw_past_what_verify_reports()
    {
        foreach (var (name, data, options) in s_files)
        {
            VerifyLikeTheCli(data, options); // the original reads
            Mutations.Of(name, data).Sample(m => VerifyLikeTheCli(m.Data, options), iter: 150, threads: 1, print: m => m.ToString());
        }
    }

    private static readonly string[] s_evidenceNames =
    [
        "tee_type", "report", "certificates", "certificates_pem", "binding", "evidence", "success", "token", "nonce", "scheme",
        "td_quote", "tpm_quote", "pcrs", "quote", "claims", "source", "platform", "arch", "detached_eat", "cc_mode", "version",
        "fields", "alternatives", "eat_nonce", "ita_nonce", "certificate", "error", "result_code",
    ];

    private static readonly string[] s_evidenceStrings =
    [
        "AMD SEV-SNP", "Intel TDX", "AMD SEV", "None", "NVIDIA GPU", "HOPPER", "BLACKWELL", "teewasm-v1", "sha512",
        Convert.ToBase64String(File.ReadAllBytes(V("snp", "attestation.bin"))),
        Convert.ToHexString(File.ReadAllBytes(V("snp", "attestation.bin"))[..64]),
        File.ReadAllText(V("snp", "amd-root-ask_ark_milan.pem")),
        "{\"tee_type\":\"AMD SEV-SNP\"}", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
    ];

    [Fact]
    public void Random_evidence_json_shapes_are_read_or_refused_in_one_line()
    {
        var options = new VerifyOptions { Time = s_time, CertificateFiles = [V("snp", "vcek.testcer")] };
        Mutations.Json(4, s_evidenceNames, s_evidenceStrings).Sample(json =>
        {
            VerifyLikeTheCli(Mutations.Utf8(json), options);
            // The one evidence document reader (as the broker and the guest ABI use it): JSON errors, or "not evidence".
            try
            {
                AttestationPlatforms.ReadEvidence(json);
            }
            catch (Exception e) when (e is JsonException or AttestationException or FormatException)
            {
            }
        }, iter: 2000, threads: 1);
    }

    private static readonly string[] s_policyNames =
    [
        "accepted_platforms", "allow_simulated", "allow_debug", "require_report_data_binding", "max_evidence_age_seconds",
        "snp", "tdx", "gpu", "min_tcb", "allowed_measurements", "min_guest_svn", "max_vmpl", "bootloader", "tee", "snp",
        "microcode", "allowed_mrtd", "allowed_rtmr", "min_tee_tcb_svn", "accepted_tcb_status", "cc_mode_required",
        "min_driver_version", "min_vbios_version",
    ];

    [Fact]
    public void Random_policy_json_shapes_parse_or_fail_as_a_policy_error()
    {
        string[] strings = ["UpToDate", "OutOfDate", "AMD SEV-SNP", "Intel TDX", "NVIDIA GPU", "550.144.03", "96.00.5E.00.01", new string('a', 96), new string('0', 96)];
        Mutations.Json(4, s_policyNames, strings).Sample(json =>
        {
            try
            {
                AttestationPolicy.Parse(json);
            }
            catch (PolicyException)
            {
            }
        }, iter: 3000, threads: 1);
    }

    [Fact]
    public void Flips_in_the_signed_region_of_an_SNP_report_are_never_accepted()
    {
        byte[] report = SnpVectors.MilanReport;
        var verifier = new SnpVerifier();
        var options = new SnpVerificationOptions { Certificates = [SnpVectors.MilanVcek], VerificationTime = s_time };
        Assert.True(verifier.Verify(report, options).IsValid);
        Mutations.BitFlips("snp/attestation.bin", report, 0, SnpReport.SignedLength).Sample(m =>
        {
            SnpVerificationResult r = verifier.Verify(m.Data, options);
            Assert.False(r.IsValid, m.ToString());
        }, iter: 1000, threads: 1, print: m => m.ToString());
        // Anywhere in its 1184 bytes (the signature included; truncations, splices): refused as well, never an exception.
        // Bytes after the report are not the report (Azure's files carry an IGVM header there): only appending is not a change.
        Mutations.Of("snp/attestation.bin", report).Where(m => !m.Data.AsSpan().StartsWith(report)).Sample(m => Assert.False(verifier.Verify(m.Data, options).IsValid, m.ToString()),
            iter: 1000, threads: 1, print: m => m.ToString());
    }

    [Fact]
    public void Flips_in_the_signed_region_of_a_TDX_quote_are_never_accepted()
    {
        byte[] quote = TdxTestData.Quote(TdxTestData.SprV4);
        var options = new TdxVerificationOptions { VerificationTime = s_time };
        Assert.True(TdxQuoteVerifier.Verify(quote, options).IsValid);
        // Header and TD report body: what the attestation key signs.
        Mutations.BitFlips("tdx/SPR", quote, 0, TdxQuoteHeader.Size + TdReportBody.Size10).Sample(m =>
            Assert.False(TdxQuoteVerifier.Verify(m.Data, options).IsValid, m.ToString()), iter: 500, threads: 1, print: m => m.ToString());
        // Anywhere (signature data, QE report, certification data): rejected or, for bytes no signature covers, never an exception.
        Mutations.Of("tdx/SPR", quote).Sample(m => TdxQuoteVerifier.Verify(m.Data, options), iter: 500, threads: 1, print: m => m.ToString());
    }

    [Fact]
    public void Flips_in_the_SNP_report_or_runtime_claims_of_an_Azure_HCL_report_are_never_accepted()
    {
        byte[] claims = File.ReadAllBytes(V("azure", "constellation-azure-snp-runtimedata.json"));
        byte[] hcl = HclReport.Build(HclReportType.Snp, SnpVectors.AzureReportWithIgvmHeader.AsSpan(0, SnpReport.Size), claims);
        X509Certificate2 vcek = X509CertificateLoader.LoadCertificate(File.ReadAllBytes(V("azure", "constellation-azure-vcek.der")));
        var options = new AzureVtpmVerificationOptions { Certificates = [vcek], VerificationTime = s_time };
        Assert.True(AzureVtpmVerifier.Verify(hcl, options).IsValid);
        Gen.OneOf(
            Mutations.BitFlips("hcl: SNP report", hcl, HclReport.HardwareReportOffset, HclReport.HardwareReportOffset + SnpReport.SignedLength),
            Mutations.BitFlips("hcl: runtime claims", hcl, HclReport.RuntimeClaimsOffset, HclReport.RuntimeClaimsOffset + claims.Length))
            .Sample(m => Assert.False(AzureVtpmVerifier.Verify(m.Data, options).IsValid, m.ToString()), iter: 600, threads: 1, print: m => m.ToString());
        Mutations.Of("hcl", hcl).Sample(m => AzureVtpmVerifier.Verify(m.Data, options), iter: 600, threads: 1, print: m => m.ToString());
    }

    [Fact]
    public void Changes_to_the_signed_part_of_a_RIM_are_never_accepted()
    {
        string text = NvidiaVectors.Text("rim-driver-GH100-550.144.03.xml");
        byte[] xml = Mutations.Utf8(text);
        var verifier = new RimVerifier(new NvidiaVectors.FixedTime(s_time));
        verifier.Verify(NvidiaRim.Parse(text));
        // The enveloped signature covers the document without its Signature element; flips that turn a character into
        // XML whitespace are left out (canonicalization may fold whitespace between attributes).
        int signature = text.IndexOf("<ds:Signature", StringComparison.Ordinal);
        Assert.True(signature > 0);
        Mutations.BitFlips("rim GH100 550.144.03", xml, 0, signature)
            .Where(m => !ChangedToWhitespace(xml, m.Data))
            .Sample(m =>
            {
                try
                {
                    verifier.Verify(NvidiaRim.Parse(System.Text.Encoding.UTF8.GetString(m.Data)));
                }
                catch (NvidiaAttestationException)
                {
                    return;
                }
                Assert.Fail("accepted: " + m);
            }, iter: 300, threads: 1, print: m => m.ToString());
        // Anywhere, truncations and splices included: parsed and verified, or refused as a RIM error.
        Mutations.Of("rim GH100 550.144.03", xml).Sample(m =>
        {
            try
            {
                verifier.Verify(NvidiaRim.Parse(System.Text.Encoding.UTF8.GetString(m.Data)));
            }
            catch (NvidiaAttestationException)
            {
            }
        }, iter: 300, threads: 1, print: m => m.ToString());
    }

    [Fact]
    public void Changed_TPM_quotes_never_throw_and_never_verify()
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        byte[] attest = Platforms.AzureVtpm.TpmStructureTests.Attest();
        byte[] sig = key.SignData(attest, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pss);
        byte[] raw = [0x00, 0x16, 0x00, 0x0B, (byte)(sig.Length >> 8), (byte)sig.Length, .. sig]; // TPM_ALG_RSAPSS, SHA-256
        Assert.True(Tpm.TpmSignature.Parse(raw).Verify(attest, key, out _));
        // TPMS_ATTEST: parsed or refused with a reason; the signature never verifies over a changed one.
        Mutations.Of("TPMS_ATTEST", attest).Sample(m =>
        {
            Tpm.TpmAttest.TryParse(m.Data, out _, out _);
            Assert.False(Tpm.TpmSignature.Parse(raw).Verify(m.Data, key, out _), m.ToString());
        }, iter: 500, threads: 1, print: m => m.ToString());
        // TPMT_SIGNATURE: a TpmException, or a signature that does not verify.
        Mutations.Of("TPMT_SIGNATURE", raw).Sample(m =>
        {
            try
            {
                Assert.False(Tpm.TpmSignature.Parse(m.Data).Verify(attest, key, out _), m.ToString());
            }
            catch (Tpm.TpmException)
            {
            }
        }, iter: 500, threads: 1, print: m => m.ToString());
    }

    [Fact]
    public void Changed_GPU_reports_parse_or_are_refused_without_an_exception()
    {
        byte[] report = Convert.FromHexString(File.ReadAllText(V("nvidia", "sdk-hopper-580-report.txt")).Trim());
        Assert.True(GpuAttestationReport.TryParse(report, out _, out string? error), error);
        // The SPDM GET_MEASUREMENTS request and response, their measurement blocks and opaque data.
        Mutations.Of("sdk-hopper-580-report", report).Sample(m => { GpuAttestationReport.TryParse(m.Data, out _, out _); },
            iter: 2000, threads: 1, print: m => m.ToString());
    }

    private static bool ChangedToWhitespace(byte[] original, byte[] changed)
    {
        for (int i = 0; i < original.Length; i++)
            if (original[i] != changed[i] && (char)changed[i] is ' ' or '\t' or '\r' or '\n') return true;
        return false;
    }

    [Fact]
    public void Changed_tokens_are_never_accepted_and_never_throw()
    {
        using var hostKey = HostAttestationKey.Create();
        using var ec = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP384);
        var foreign = new ECDsaSecurityKey(ec) { KeyId = "k1" };
        var validator = new AttestationTokenValidator { CacheVerdicts = false };
        validator.TrustLocalVerifier(hostKey);
        validator.TrustIssuer("https://issuer.test", foreign);
        var (local, _) = new AttestationTokenIssuer(hostKey, TimeSpan.FromMinutes(5)).Issue(new VerifiedEvidence
        {
            Platform = "AMD SEV-SNP", Subject = "vm", Measurement = new byte[48], ModuleHash = new byte[32], Nonce = [1],
            ReportData = ReportDataBinding.Compute(new byte[32], hostKey.PublicPoint, [1]),
        });
        string other = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "https://issuer.test",
            Expires = DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new SigningCredentials(foreign, SecurityAlgorithms.EcdsaSha384),
        });
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=.+/ \"{}";
        foreach (string token in new[] { local, other })
        {
            Assert.True(validator.Verify(token).Valid);
            // Characters replaced, inserted or removed, or the token cut short: rejected with a reason, never thrown.
            Gen<string> changed = Gen.OneOf(
                Gen.Select(Gen.Int[0, token.Length - 1], Gen.Char[alphabet], (at, c) => token[..at] + c + token[(at + 1)..]),
                Gen.Select(Gen.Int[0, token.Length], Gen.Char[alphabet].Array[1, 4], (at, cs) => token[..at] + new string(cs) + token[at..]),
                Gen.Select(Gen.Int[0, token.Length - 1], Gen.Int[1, 8], (at, n) => token[..at] + token[Math.Min(token.Length, at + n)..]));
            changed.Where(t => t != token).Sample(t =>
            {
                TokenVerification v = validator.Verify(t);
                Assert.False(v.Valid, t);
                Assert.False(string.IsNullOrEmpty(v.Reason));
            }, iter: 1500, threads: 1);
        }
    }

    /// <summary>
    /// Found by <see cref="Mutated_evidence_files_never_throw_past_what_verify_reports"/> (seed a81tD9747-G1): three bit
    /// flips in sdk-evidence-hopper-590.json, one of them in a certificate's validity dates. The certificate loaded (the
    /// dates decode only when read), and the GPU verifier's validity check threw CryptographicException out of
    /// <c>tee-wasm verify</c>. Certificates are now decoded, dates included, where they are loaded.
    /// </summary>
    [Fact]
    public void A_GPU_certificate_whose_dates_do_not_decode_is_refused_where_it_is_loaded()
    {
        byte[] json = File.ReadAllBytes(V("nvidia", "sdk-evidence-hopper-590.json"));
        json[0x319] ^= 1 << 1;
        json[0x1132] ^= 1 << 0;
        json[0x7F3] ^= 1 << 2;
        FileAppraisal result = AttestationPlatforms.VerifyFile(json, new VerifyOptions { Time = s_time });
        Appraisal gpu = Assert.Single(result.Appraisals);
        Assert.False(gpu.Valid);
        Assert.StartsWith("evidence: device certificate chain: certificate ", gpu.Failures);
        Assert.EndsWith(" of the chain does not decode", gpu.Failures);
    }

    /// <summary>
    /// Found by <see cref="Mutated_evidence_files_never_throw_past_what_verify_reports"/> (seed eN9PBXiQUCW1): four bit
    /// flips in a TDX quote, one in the basic constraints of a certificate of its PCK chain. The extension decodes only
    /// when read, and the chain check threw CryptographicException out of <c>tee-wasm verify</c>; now a certificate
    /// whose basic constraints do not decode is not a CA, and the chain is refused.
    /// </summary>
    [Fact]
    public void A_PCK_chain_certificate_whose_basic_constraints_do_not_decode_is_not_a_CA()
    {
        byte[] quote = File.ReadAllBytes(V("tdx", "tdx_prod_quote_SPR_E4.dat"));
        foreach (var (at, bit) in new[] { (0xCBD, 4), (0x392, 7), (0x967, 2), (0xE14, 0) }) quote[at] ^= (byte)(1 << bit);
        FileAppraisal result = AttestationPlatforms.VerifyFile(quote, new VerifyOptions { Time = s_time });
        Appraisal tdx = Assert.Single(result.Appraisals);
        Assert.False(tdx.Valid);
        Assert.Equal("signature and chain: PCK chain: issuer 'C=US, S=CA, L=Santa Clara, O=Intel Corporation, CN=Intel SGX PCK Platform CA' is not a CA", tdx.Failures);
    }
}
