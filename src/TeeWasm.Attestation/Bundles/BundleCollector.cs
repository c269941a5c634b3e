using System.Text;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Nvidia;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Tokens;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation.Bundles;

/// <summary>
/// Fills a bundle from what the host has: what the attester's collateral fetcher fetched (<c>--fetch</c>: each item with
/// its URL and nextUpdate), the certificates the platform returned with the evidence (SNP VCEK/ASK/ARK, NVIDIA device
/// chains), the <c>--vm-cert</c> files, the TDX collateral folder (<c>--tdx-collateral</c>: TCB info, QE identity,
/// signing chain, CRLs) and a RIM folder. Each piece is kept once, as the bytes obtained, with where it came from.
/// </summary>
public static class BundleCollector
{
    /// <summary>The collateral for <paramref name="evidence"/> from the evidence itself, <paramref name="options"/>' files and <paramref name="rimDirectory"/>.</summary>
    /// <exception cref="IOException">A file cannot be read.</exception>
    public static CollateralSet Collect(IEnumerable<AttestationEvidence> evidence, AttesterOptions options, string? rimDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        ArgumentNullException.ThrowIfNull(options);
        var items = new List<CollateralItem>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        bool New(byte[] data) => seen.Add(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data)));
        void Add(CollateralKind kind, string name, byte[] data, string source)
        {
            if (New(data)) items.Add(CollateralItem.Local(kind, name, data, source));
        }
        // Fetched first: a VCEK the fetcher got and the source then returned with the evidence is kept with its URL.
        foreach (CollateralItem fetched in options.CollateralFetcher?.Fetched.Items ?? [])
        {
            if (New(fetched.Body)) items.Add(fetched);
        }
        foreach (AttestationEvidence e in evidence)
        {
            switch (e)
            {
                case SnpEvidence snp:
                    foreach (var cert in snp.Certificates)
                        Add(CollateralKind.AmdCertificate, cert.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false), cert.RawData, "evidence");
                    break;
                case NvidiaGpuEvidence gpu when gpu.CertificateChainPem is { } pem:
                    Add(CollateralKind.NvidiaCertificateChain, gpu.Uuid ?? $"GPU {gpu.GpuIndex ?? 0}", Encoding.ASCII.GetBytes(pem), "evidence");
                    break;
            }
        }
        foreach (string file in options.VmCertificateFiles)
            Add(CollateralKind.AmdCertificate, Path.GetFileName(file), File.ReadAllBytes(file), "--vm-cert " + file);
        if (options.TdxCollateralDirectory is { } dir)
        {
            foreach (string file in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
            {
                string name = Path.GetFileName(file);
                CollateralKind? kind = Contains(name, "tcbinfo") ? CollateralKind.IntelTcbInfo
                    : Contains(name, "qeidentity") ? CollateralKind.IntelQeIdentity
                    : Contains(name, "tcb_signing") || Contains(name, "tcbsigning") || Contains(name, "issuer_chain") ? CollateralKind.TcbSigningChain
                    : Contains(name, "crl") ? CollateralKind.IntelCrl
                    : null;
                if (kind is { } k) Add(k, name, File.ReadAllBytes(file), "--tdx-collateral " + dir);
            }
        }
        if (rimDirectory is not null)
        {
            foreach (string file in Directory.EnumerateFiles(rimDirectory, "*.xml").Order(StringComparer.Ordinal))
                Add(CollateralKind.NvidiaRim, Path.GetFileName(file), File.ReadAllBytes(file), "--rim " + rimDirectory);
        }
        return new CollateralSet(items);
    }

    /// <summary>
    /// A signed bundle of <paramref name="result"/> (a VM or GPU attestation result), with the collateral for its evidence.
    /// </summary>
    /// <exception cref="ArgumentException">The result failed: there is no evidence to bundle.</exception>
    public static string Bundle(AttestationResult result, AttesterOptions options, HostAttestationKey key, string? rimDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (!result.Success || result.TypedEvidence is null) throw new ArgumentException("a failed attestation has no evidence to bundle", nameof(result));
        return Sign(EvidenceDocument.Parse(result.ToJsonUtf8()), [result.TypedEvidence], options, key, rimDirectory);
    }

    /// <summary>A signed bundle of a composite result, with the collateral for every device's evidence.</summary>
    public static string Bundle(CompositeAttestationResult result, AttesterOptions options, HostAttestationKey key, string? rimDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Sign(EvidenceDocument.Parse(result.ToJsonUtf8()),
            result.Devices.Select(d => d.Result.TypedEvidence).OfType<AttestationEvidence>(), options, key, rimDirectory);
    }

    private static string Sign(EvidenceDocument evidence, IEnumerable<AttestationEvidence> typed, AttesterOptions options, HostAttestationKey key, string? rimDirectory) =>
        BundleDocument.Sign(new AttestationBundle
        {
            Created = options.Time.GetUtcNow(),
            Evidence = evidence,
            Collateral = Collect(typed, options, rimDirectory),
        }, key);

    private static bool Contains(string name, string key) => name.Contains(key, StringComparison.OrdinalIgnoreCase);
}
