using System.Security.Cryptography.X509Certificates;
using TeeWasm.Tests.Shared;

namespace TeeWasm.Attestation.Tests.Platforms.Snp;

/// <summary>Loads the real SEV-SNP evidence vectors.</summary>
internal static class SnpVectors
{
    public static byte[] MilanReport => File.ReadAllBytes(RepoPaths.Vector("snp", "attestation.bin"));

    public static byte[] AwsVlekReport => Convert.FromBase64String(File.ReadAllText(RepoPaths.Vector("snp", "aws-vlek-report.b64")).Trim());

    public static byte[] BadSigVlekReport => File.ReadAllBytes(RepoPaths.Vector("snp", "constellation-vlek-report-badsig.bin"));

    public static byte[] AzureReportWithIgvmHeader => File.ReadAllBytes(RepoPaths.Vector("azure", "constellation-azure-snp-report+igvm-header.bin"));

    public static X509Certificate2 MilanVcek => X509CertificateLoader.LoadCertificateFromFile(RepoPaths.Vector("snp", "vcek.testcer"));

    public static X509Certificate2 AwsVlek => Chain("aws-vlek.pem")[0];

    public static X509Certificate2 ConstellationVlek => Chain("constellation-vlek.pem")[0];

    public static X509Certificate2Collection Chain(string name)
    {
        var c = new X509Certificate2Collection();
        c.ImportFromPemFile(RepoPaths.Vector("snp", name));
        return c;
    }
}
