// Verifies hardware evidence offline with the TeeWasm.Attestation library: an AMD SEV-SNP report (with its VCEK or VLEK)
// or an Intel TDX quote (its PCK chain travels inside). No network: the vendors' roots are built into the library.
//
//   dotnet run -- REPORT [--cert VCEK] [--at 2025-06-01]
//
// Prints VALID or REJECTED with the verifier's reason, then each check; the exit code is 0 only when the evidence is
// valid (what the default policy would still refuse, e.g. a debuggable guest, is printed as a FAIL check).
using System.Globalization;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Verification;
using TeeWasm.Attestation.X509;

string? file = null, cert = null;
DateTimeOffset? at = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--cert" when i + 1 < args.Length: cert = args[++i]; break;
        case "--at" when i + 1 < args.Length:
            if (!DateTimeOffset.TryParse(args[++i], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)) return Usage();
            at = time;
            break;
        default:
            if (file is not null || args[i].StartsWith("--", StringComparison.Ordinal)) return Usage();
            file = args[i];
            break;
    }
}
if (file is null) return Usage();

byte[] evidence;
try
{
    evidence = File.ReadAllBytes(file);
}
catch (IOException e)
{
    Console.Error.WriteLine($"cannot read '{file}': {e.Message}");
    return 2;
}

var context = new VerificationContext { Time = at };
(string kind, Appraisal? appraisal) = SnpPlatform.IsReport(evidence)
    ? ("SEV-SNP report", VerifySnp(evidence, cert, context))
    : ("TDX quote", new TdxEvidenceVerifier().Verify(new TdxEvidence { Quote = evidence }, context));
if (appraisal is null)
{
    Console.WriteLine($"REJECTED: {kind}: an SEV-SNP report needs its VCEK or VLEK: --cert FILE");
    return 1;
}
Console.WriteLine($"{(appraisal.EvidenceValid ? "VALID" : "REJECTED")}: {kind}: {appraisal.Message}");
foreach (AppraisalCheck check in appraisal.Checks)
    Console.WriteLine($"  {check.Status.ToString().ToUpperInvariant(),-4}  {check.Name}: {check.Reason}");
return appraisal.EvidenceValid ? 0 : 1;

static Appraisal? VerifySnp(byte[] report, string? certFile, VerificationContext context) =>
    certFile is null ? null
        : new SnpEvidenceVerifier().Verify(new SnpEvidence { Report = report, Certificates = CertificateLoader.LoadFile(certFile) }, context);

static int Usage()
{
    Console.Error.WriteLine("usage: VerifyEvidence REPORT [--cert VCEK] [--at YYYY-MM-DD]");
    return 2;
}
