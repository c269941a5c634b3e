using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Verification;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Platforms.Snp;

/// <summary>What <see cref="SnpCollateralFetch.For"/> got for a report: certificates to add, AMD's CRL (or why it is missing).</summary>
/// <param name="Certificates">The fetched VCEK (when the report had none) and the ASK/ARK chain.</param>
/// <param name="Crls">AMD's CRL of the product, when it could be fetched.</param>
/// <param name="CrlUnavailable">Why the CRL could not be fetched, or null.</param>
public sealed record SnpFetchedCollateral(IReadOnlyList<X509Certificate2> Certificates, IReadOnlyList<CertificateRevocationList> Crls, string? CrlUnavailable);

/// <summary>
/// What an SEV-SNP report needs from AMD's KDS, asked of an <see cref="ICollateralFetcher"/>: the VCEK of its chip at
/// its REPORTED_TCB when none is at hand (a VLEK cannot be fetched: KDS serves VLEKs to cloud providers only), the
/// product's ASK/ARK chain and its CRL. The product comes from the report (CPUID, version 3 and later) or is given.
/// </summary>
public static class SnpCollateralFetch
{
    /// <summary>Fetches what <paramref name="report"/> needs beyond <paramref name="have"/>.</summary>
    /// <param name="fetcher">The fetcher.</param>
    /// <param name="report">The report (at least its first 1184 bytes).</param>
    /// <param name="have">Certificates already at hand (a VCEK among them is not fetched again).</param>
    /// <param name="product">The product when the report does not name it (version 2); null otherwise.</param>
    /// <exception cref="VerificationInputException">The VCEK cannot be fetched (VLEK, masked chip id, no product) — the message says why.</exception>
    /// <exception cref="CollateralUnavailableException">KDS did not give the VCEK or the chain.</exception>
    public static SnpFetchedCollateral For(ICollateralFetcher fetcher, ReadOnlySpan<byte> report, IReadOnlyList<X509Certificate2> have, string? product)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        SnpReport r = SnpReport.Parse(report);
        SnpProduct p = r.Product != SnpProduct.Unknown ? r.Product
            : product is not null && Enum.TryParse(product, ignoreCase: true, out SnpProduct named) && named != SnpProduct.Unknown ? named
            : throw new VerificationInputException($"--fetch: a version {r.Version} SEV-SNP report does not name its product (no CPUID fields): give --product Milan, Genoa or Turin");
        var certificates = new List<X509Certificate2>();
        bool hasLeaf = have.Any(c => c.PublicKey.Oid.Value == "1.2.840.10045.2.1");
        if (!hasLeaf)
        {
            if (r.SigningKey == SnpSigningKey.Vlek)
                throw new VerificationInputException("--fetch: the report is signed by a VLEK, which AMD's KDS does not serve by chip (VLEKs are issued to the cloud provider): give the VLEK with --cert");
            if (r.MaskChipKey || !r.ChipId.AsSpan().ContainsAnyExcept((byte)0))
                throw new VerificationInputException("--fetch: the report's CHIP_ID is masked (MASK_CHIP_KEY): its VCEK cannot be looked up; give it with --cert");
            SnpTcb tcb = r.ReportedTcb.WithLayout(p == SnpProduct.Turin ? SnpTcbLayout.Turin : SnpTcbLayout.MilanGenoa);
            List<KeyValuePair<string, int>> spl =
            [
                new("blSPL", tcb.Bootloader), new("teeSPL", tcb.Tee), new("snpSPL", tcb.Snp), new("ucodeSPL", tcb.Microcode),
            ];
            if (p == SnpProduct.Turin) spl.Add(new("fmcSPL", tcb.Fmc));
            CollateralItem vcek = fetcher.Fetch(new CollateralRequest
            {
                Kind = CollateralKind.AmdVcek, Product = p.ToString(),
                HardwareId = Convert.ToHexStringLower(p == SnpProduct.Turin ? r.ChipId.AsSpan(0, 8) : r.ChipId), Tcb = spl,
            });
            certificates.Add(X509CertificateLoader.LoadCertificate(vcek.Body));
        }
        if (r.SigningKey == SnpSigningKey.Vcek)
        {
            CollateralItem chain = fetcher.Fetch(new CollateralRequest { Kind = CollateralKind.AmdCertChain, Product = p.ToString() });
            certificates.AddRange(CertificateLoader.Load(chain.Body));
        }
        try
        {
            CollateralItem crl = fetcher.Fetch(new CollateralRequest { Kind = CollateralKind.AmdCrl, Product = p.ToString() });
            return new SnpFetchedCollateral(certificates, [CertificateRevocationList.Parse(crl.Body, crl.Source)], null);
        }
        catch (CollateralUnavailableException e)
        {
            return new SnpFetchedCollateral(certificates, [], e.Message);
        }
    }
}
