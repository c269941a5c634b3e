using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Platforms.Snp;

/// <summary>
/// AMD's SEV-SNP roots of trust embedded in the library: the ARK of Milan, Genoa and Turin, and their intermediates
/// (ASK, which signs VCEKs, and ASVK, which signs VLEKs), as published by AMD's Key Distribution Service.
/// </summary>
public static class AmdRootCertificates
{
    private static readonly Lazy<Bundle> s_bundle = new(LoadBundle);

    /// <summary>The AMD Root Keys (self-signed) of Milan, Genoa and Turin.</summary>
    public static IReadOnlyList<X509Certificate2> Arks => s_bundle.Value.Arks;

    /// <summary>The ASK and ASVK intermediates of Milan, Genoa and Turin.</summary>
    public static IReadOnlyList<X509Certificate2> Intermediates => s_bundle.Value.Intermediates;

    /// <summary>The product an AMD ARK or ASK/ASVK belongs to, from its subject CN (ARK-Milan, SEV-Milan, SEV-VLEK-Milan, …).</summary>
    public static SnpProduct ProductOf(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        string cn = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (cn.EndsWith("-Milan", StringComparison.Ordinal)) return SnpProduct.Milan;
        if (cn.EndsWith("-Genoa", StringComparison.Ordinal)) return SnpProduct.Genoa;
        if (cn.EndsWith("-Turin", StringComparison.Ordinal)) return SnpProduct.Turin;
        return SnpProduct.Unknown;
    }

    private sealed record Bundle(IReadOnlyList<X509Certificate2> Arks, IReadOnlyList<X509Certificate2> Intermediates);

    private static Bundle LoadBundle()
    {
        var arks = new List<X509Certificate2>();
        var intermediates = new List<X509Certificate2>();
        foreach (string name in (string[])["milan", "genoa", "turin_vcek", "milan_vlek", "genoa_vlek", "turin_vlek"])
        {
            string resource = $"TeeWasm.Attestation.Platforms.Snp.Roots.amd-root-ask_ark_{name}.pem";
            using Stream stream = typeof(AmdRootCertificates).Assembly.GetManifestResourceStream(resource)
                ?? throw new SnpException($"embedded AMD root bundle {resource} is missing");
            using var reader = new StreamReader(stream);
            foreach (X509Certificate2 cert in CertificateLoader.Load(reader.ReadToEnd().AsSpan()))
            {
                bool selfIssued = cert.SubjectName.RawData.AsSpan().SequenceEqual(cert.IssuerName.RawData);
                List<X509Certificate2> target = selfIssued ? arks : intermediates;
                if (!target.Exists(c => c.RawData.AsSpan().SequenceEqual(cert.RawData))) target.Add(cert);
                else cert.Dispose();
            }
        }
        return new Bundle(arks, intermediates);
    }
}
