// Verifies hardware evidence offline with the TeeWasm.Attestation library: an AMD SEV-SNP report (with its VCEK or VLEK)
// or an Intel TDX quote (its PCK chain travels inside). No network: the vendors' roots are built into the library.
//
//   dotnet run -- REPORT [--cert VCEK] [--at 2025-06-01]
//
// Prints VALID or REJECTED with the verifier's reason; the exit code is 0 only when the evidence is valid.
using System.Globalization;
using TeeWasm.Attestation.Snp;
using TeeWasm.Attestation.Tdx;

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

(bool valid, string verdict) = evidence.Length == SnpReport.Size
    ? VerifySnp(evidence, cert, at)
    : VerifyTdx(evidence, at);
Console.WriteLine(valid ? $"VALID: {verdict}" : $"REJECTED: {verdict}");
return valid ? 0 : 1;

static (bool, string) VerifySnp(byte[] report, string? certFile, DateTimeOffset? at)
{
    if (certFile is null) return (false, "an SEV-SNP report needs its VCEK or VLEK: --cert FILE");
    var result = new SnpVerifier().Verify(report, new SnpVerificationOptions
    {
        Certificates = SnpCertificateLoader.LoadFile(certFile),
        VerificationTime = at,
    });
    return (result.IsValid, $"SEV-SNP report ({result.Product}): {result.Message}");
}

static (bool, string) VerifyTdx(byte[] quote, DateTimeOffset? at)
{
    var result = TdxQuoteVerifier.Verify(quote, new TdxVerificationOptions { VerificationTime = at });
    return (result.IsValid, $"TDX quote: {result.Message}");
}

static int Usage()
{
    Console.Error.WriteLine("usage: VerifyEvidence REPORT [--cert VCEK] [--at YYYY-MM-DD]");
    return 2;
}
