using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Verification;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Verification;

/// <summary>
/// The two examples of docs/architecture.md ("Verification as a library"), compiled and run: an SNP report verified
/// with its VCEK, and an NVIDIA SDK evidence file of four GPUs verified as <c>tee-wasm verify</c> verifies it. The
/// bodies are the documentation's, with the vector paths and the writer (Console there) filled in.
/// </summary>
public sealed class LibraryExampleTests
{
    [Fact]
    public void SnpReport_VerifiedWithItsVcek()
    {
        var console = new StringWriter();
        string reportPath = RepoPaths.Vector("snp", "attestation.bin"), vcekPath = RepoPaths.Vector("snp", "vcek.testcer");

        // docs/architecture.md, example 1
        var evidence = new SnpEvidence
        {
            Report = File.ReadAllBytes(reportPath),
            Certificates = [X509CertificateLoader.LoadCertificateFromFile(vcekPath)],
        };
        var verifier = new SnpEvidenceVerifier();  // trusts AMD's ARKs; SnpVerifierOptions for other roots, a chain cache…
        Appraisal appraisal = verifier.Verify(evidence, new VerificationContext { Time = DateTimeOffset.Parse("2026-06-01T00:00:00Z") });
        console.WriteLine($"evidence {(appraisal.EvidenceValid ? "verified" : "rejected")}: {appraisal.Message}");
        foreach (AppraisalCheck check in appraisal.Checks)
            console.WriteLine($"  {check.Status,-4} {check.Name}: {check.Reason}");
        console.WriteLine(appraisal.Valid ? "VALID" : "REJECTED: " + appraisal.Failures);
        // end of example 1

        // The report verifies, but its guest policy allows debugging, which the default policy forbids.
        string[] lines = console.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("evidence verified: AMD SEV-SNP report, Milan, signed by VCEK (valid 2022-09-24 to 2029-09-24), chain to the AMD Milan ARK", lines[0]);
        Assert.StartsWith("  Pass signature and chain: AMD SEV-SNP report, Milan", lines[1]);
        Assert.Equal("  Skip revocation: not checked: no AMD CRL given (--collateral DIR with the KDS CRL, or --fetch)", lines[2]);
        Assert.Equal("  Fail debug: guest policy 0xb0000 has DEBUG (bit 19) set: the host may debug this guest and read its memory; debug is forbidden", lines[3]);
        Assert.StartsWith("  Pass vmpl: ", lines[4]);
        Assert.Equal("REJECTED: debug: guest policy 0xb0000 has DEBUG (bit 19) set: the host may debug this guest and read its memory; debug is forbidden", lines[5]);
        Assert.True(appraisal.Claims is { Platform: "AMD SEV-SNP", Simulated: false, Debug: true });

        // The same report before its VCEK was issued is rejected, with the reason.
        Appraisal early = verifier.Verify(evidence, new VerificationContext { Time = DateTimeOffset.Parse("2020-01-01T00:00:00Z") });
        Assert.False(early.Valid);
        Assert.Equal(CheckStatus.Fail, early.Checks[0].Status);
        Assert.Equal("VCEK is not valid before 2022-09-24", early.Message);
    }

    [Fact]
    public void GpuEvidenceFile_VerifiedAsTeeWasmVerifyDoes()
    {
        var console = new StringWriter();
        string path = RepoPaths.Vector("nvidia", "sdk-evidence-4gpu-hopper-590.json");

        // docs/architecture.md, example 2
        FileAppraisal result = AttestationPlatforms.VerifyFile(File.ReadAllBytes(path), new VerifyOptions
        {
            Nonce = "e97b23a1718095a0e9e35edca810768c70a6a5a389b705e753b197912bc11576", // the request nonce every GPU report must be over
            Time = DateTimeOffset.Parse("2025-06-01T00:00:00Z"),
        });
        console.WriteLine($"{result.File.Kind}: {(result.Valid ? "VALID" : "REJECTED")}");
        for (int gpu = 0; gpu < result.Appraisals.Count; gpu++)
        {
            Appraisal a = result.Appraisals[gpu];
            console.WriteLine($"  GPU {gpu}: {(a.Valid ? a.Message : a.Failures)}");
        }
        // end of example 2

        string[] lines = console.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("NVIDIA attestation SDK evidence JSON (4 GPUs): VALID", lines[0]);
        Assert.Equal(5, lines.Length);
        Assert.All(lines[1..], l => Assert.Contains("NVIDIA GPU report (", l));

        // Another nonce: every GPU is rejected by its nonce check.
        FileAppraisal stale = AttestationPlatforms.VerifyFile(File.ReadAllBytes(path), new VerifyOptions
        {
            Nonce = new string('0', 64), Time = DateTimeOffset.Parse("2025-06-01T00:00:00Z"),
        });
        Assert.False(stale.Valid);
        Assert.All(stale.Appraisals, a => Assert.StartsWith("nonce: GPU attestation report is over nonce e97b23a1", a.Failures));
    }
}
