using System.Buffers.Binary;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Verification;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Platforms.Snp;

/// <summary>
/// AMD SEV-SNP for verification: evidence JSON whose <c>report</c> is an SNP report, a raw report (1184 bytes, or
/// 1204: Azure's report followed by its 20-byte IGVM request header, which is not signed and is ignored), and the
/// <see cref="SnpEvidenceVerifier"/> made from <c>--cert</c> and <c>--trust-simulator</c>.
/// </summary>
public sealed class SnpPlatform : EvidencePlatform
{
    /// <summary>The platform.</summary>
    public static SnpPlatform Instance { get; } = new();

    // What Azure's tools store after the report: the IGVM request data header (data_size, version, type, hash, size).
    private const int IgvmRequestHeaderSize = 20;

    private SnpPlatform() { }

    /// <inheritdoc />
    public override string Name => TeeType.AmdSevSnp.ToAbiName();

    /// <inheritdoc />
    public override EvidenceSubject Subject => EvidenceSubject.Vm;

    /// <inheritdoc />
    public override string RawName => "SNP report";

    /// <summary>True when <paramref name="data"/> is an SNP report (1184 bytes, or 1204 with the IGVM header), version 2..5.</summary>
    public static bool IsReport(ReadOnlySpan<byte> data) =>
        data.Length is SnpReport.Size or SnpReport.Size + IgvmRequestHeaderSize
        && BinaryPrimitives.ReadUInt32LittleEndian(data) is >= SnpReport.MinVersion and <= SnpReport.MaxVersion;

    /// <inheritdoc />
    public override bool Recognizes(EvidenceDocument document) => document.GetBase64("report") is { } r && IsReport(r);

    /// <inheritdoc />
    public override AttestationEvidence Read(EvidenceDocument document)
    {
        var certificates = new List<X509Certificate2>();
        foreach (string? pem in document.GetStrings("certificates") ?? [])
            if (pem is { Length: > 0 }) certificates.AddRange(CertificateLoader.Load(pem.AsSpan()));
        return FromBytes(document.GetBase64("report") ?? []) with { Certificates = certificates, Source = document.Source ?? "" };
    }

    /// <inheritdoc />
    public override AttestationEvidence? TryReadRaw(ReadOnlyMemory<byte> data) => IsReport(data.Span) ? FromBytes(data.ToArray()) : null;

    private static SnpEvidence FromBytes(byte[] data) => new()
    {
        Report = data[..Math.Min(data.Length, SnpReport.Size)],
        ReadNote = data.Length > SnpReport.Size ? "the 20 bytes after the report (Azure IGVM request header) are not signed and were ignored" : null,
    };

    /// <summary>Trustee's <c>snp</c> evidence (<c>{"attestation_report": …, "cert_chain": …}</c>, the sev crate's serde form).</summary>
    public override EvidenceFile? TryReadFile(ReadOnlyMemory<byte> data)
    {
        if (TrusteeJson(data) is not { } json || !json.TryGetProperty("attestation_report", out _)) return null;
        try
        {
            var (report, chain) = TrusteeSnpEvidence.Parse(json);
            List<X509Certificate2> certificates = [.. chain.Where(c => c.Type is "VCEK" or "VLEK" or "ASK" or "ARK").Select(c => X509CertificateLoader.LoadCertificate(c.Der))];
            return new EvidenceFile { Kind = "Trustee snp evidence", Platform = this, Items = [new SnpEvidence { Report = report, Certificates = certificates, Source = "trustee" }] };
        }
        catch (Exception e) when (e is AttestationException or System.Security.Cryptography.CryptographicException)
        {
            throw new VerificationInputException("malformed Trustee snp evidence: " + e.Message, e);
        }
    }

    /// <inheritdoc />
    public override IEvidenceVerifier CreateVerifier(VerifyInputs inputs, EvidenceFile file)
    {
        VmInputs vm = inputs.PrepareVm();
        if (vm.TdQuoteFile is not null) throw new VerificationInputException(VmInputs.TdQuoteNotApplicable);
        var (certificates, crls) = vm.Collateral is { } folder ? FromFolder(folder) : ([], []);
        string? crlUnavailable = null;
        if (inputs.Options.Fetcher is { } fetcher && file.Items[0] is SnpEvidence evidence)
        {
            SnpFetchedCollateral fetched = SnpCollateralFetch.For(fetcher, evidence.Report, [.. evidence.Certificates, .. vm.Certificates, .. certificates], inputs.Options.Product);
            certificates = [.. certificates, .. fetched.Certificates];
            crls = [.. crls, .. fetched.Crls];
            crlUnavailable = fetched.CrlUnavailable;
        }
        return new SnpEvidenceVerifier(new SnpVerifierOptions
        {
            Certificates = [.. vm.Certificates, .. certificates], SimulatorRoots = vm.SimulatorRoots, Crls = crls, CrlUnavailable = crlUnavailable,
        });
    }

    /// <summary>What a collateral folder must hold for SEV-SNP evidence, in words.</summary>
    public const string FolderContents = "AMD certificates (VCEK/VLEK, ASK/ASVK, ARK; DER or PEM, as KDS serves them) or the ARK's CRL (KDS /vcek/v1/{product}/crl)";

    /// <summary>The AMD certificates and CRLs of a collateral folder, recognised by content (its files marked).</summary>
    /// <exception cref="VerificationInputException">Nothing in the folder is AMD collateral.</exception>
    public static (IReadOnlyList<X509Certificate2> Certificates, IReadOnlyList<CertificateRevocationList> Crls) FromFolder(CollateralFolder folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var certificates = new List<X509Certificate2>();
        var crls = new List<CertificateRevocationList>();
        foreach (CollateralFile f in folder.Files)
        {
            if (CertificateRevocationList.TryParse(f.Data, out CertificateRevocationList? crl) && IsAmdName(crl!.IssuerName))
            {
                crls.Add(CertificateRevocationList.Parse(f.Data, f.Path));
                f.Recognise($"AMD CRL of {crl.IssuerName}");
                continue;
            }
            IReadOnlyList<X509Certificate2> certs;
            try
            {
                certs = CertificateLoader.Load(f.Data);
            }
            catch (AttestationException)
            {
                continue;
            }
            if (certs.Count > 0 && certs.All(c => IsAmdName(CertificateChain.Name(c))))
            {
                certificates.AddRange(certs);
                f.Recognise("AMD certificates: " + string.Join(", ", certs.Select(CertificateChain.Name)));
            }
        }
        folder.RequireSomethingUsed(FolderContents);
        return (certificates, crls);
    }

    private static bool IsAmdName(string cn) => cn.StartsWith("ARK-", StringComparison.Ordinal) || cn.StartsWith("SEV-", StringComparison.Ordinal);
}
