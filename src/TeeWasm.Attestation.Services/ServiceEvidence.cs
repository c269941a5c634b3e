using System.Text;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;

namespace TeeWasm.Attestation.Services;

/// <summary>
/// Evidence as the remote services take it: the raw hardware report or quote, its certificates, and the runtime data
/// (the report_data binding's inputs as JSON), read back from the evidence JSON the <see cref="Attester"/> produced.
/// </summary>
public sealed record ServiceEvidence
{
    /// <summary>"AMD_SEV_SNP" or "TDX" (the evidence JSON's <c>tee_type</c>).</summary>
    public required string TeeType { get; init; }

    /// <summary>The raw SNP report or TDX quote.</summary>
    public required byte[] Report { get; init; }

    /// <summary>Certificates as PEM (leaf first).</summary>
    public IReadOnlyList<string> CertificatesPem { get; init; } = [];

    /// <summary>
    /// The runtime data whose hash report_data carries: for the <c>maa</c>/<c>ita</c> binding schemes the binding's
    /// runtime data (<see cref="BindingRuntimeData"/>); for older TeeWasm-scheme evidence the binding object as UTF-8 JSON.
    /// </summary>
    public required byte[] RuntimeData { get; init; }

    /// <summary>The Intel Trust Authority nonce the report is bound to (binding scheme <c>ita</c>), sent back with the quote.</summary>
    public ItaVerifierNonce? ItaNonce { get; init; }

    /// <summary>
    /// True when the report came from an Azure CVM's HCL report: <see cref="RuntimeData"/> are then the paravisor's
    /// runtime claims, whose hash report_data carries.
    /// </summary>
    public bool FromAzureHcl { get; init; }

    /// <summary>
    /// Azure TDX with Intel Trust Authority: the data (TeeWasm's binding runtime data) that, hashed with the ITA nonce as
    /// SHA-512(val ‖ iat ‖ user data), the HCL runtime claims carry as <c>user-data</c>; sent as <c>user_data</c>.
    /// </summary>
    public byte[]? UserData { get; init; }

    /// <summary>The relying party's nonce.</summary>
    public required byte[] Nonce { get; init; }

    /// <summary>True for simulator evidence.</summary>
    public bool Simulated { get; init; }

    /// <summary>
    /// The evidence for Azure Attestation's <c>SevSnpVm</c> API from an Azure SNP CVM's HCL report: the SNP report with
    /// <paramref name="vcekChainPem"/> and the runtime claims as runtime data (MAA checks their hash against report_data).
    /// </summary>
    /// <exception cref="AttestationException">Not an SNP HCL report, or the claims are not bound.</exception>
    public static ServiceEvidence FromHclReport(HclReport hcl, IReadOnlyList<string> vcekChainPem, ReadOnlySpan<byte> nonce)
    {
        if (hcl.ReportType != HclReportType.Snp)
            throw new AttestationException("HCL report holds a TDREPORT, not an SNP report (TDX CVMs need a TD quote: FromTdxHclReport)");
        if (!HclBinding.IsBound(hcl))
            throw new AttestationException("HCL runtime claims are not bound: their hash differs from report_data");
        return new ServiceEvidence
        {
            TeeType = "AMD_SEV_SNP",
            Report = hcl.HardwareReport.ToArray(),
            CertificatesPem = vcekChainPem,
            RuntimeData = hcl.RuntimeClaimsBytes.ToArray(),
            FromAzureHcl = true,
            Nonce = nonce.ToArray(),
        };
    }

    /// <summary>
    /// The evidence for Azure Attestation's <c>TdxVm</c> API from an Azure TDX CVM's HCL report: the TD quote made from
    /// its TDREPORT, with the runtime claims as runtime data (MAA checks SHA-256 of them against the quote's report_data).
    /// </summary>
    /// <exception cref="AttestationException">Not a TDX HCL report, claims not bound, or the quote is not for this TDREPORT.</exception>
    public static ServiceEvidence FromTdxHclReport(HclReport hcl, ReadOnlySpan<byte> tdQuote, ReadOnlySpan<byte> nonce)
    {
        if (hcl.ReportType != HclReportType.Tdx)
            throw new AttestationException("HCL report holds an SNP report, not a TDREPORT (use FromHclReport)");
        if (!HclBinding.IsBound(hcl))
            throw new AttestationException("HCL runtime claims are not bound: their hash differs from report_data");
        if (!TdxQuote.TryParse(tdQuote, out var quote, out string? error))
            throw new AttestationException("TD quote for the HCL report is malformed: " + error);
        if (!quote.Body.ReportData.Span.SequenceEqual(hcl.ReportData.Span))
            throw new AttestationException("TD quote's report_data differs from the HCL report's TDREPORT: the quote is for another TDREPORT");
        return new ServiceEvidence
        {
            TeeType = "TDX",
            Report = tdQuote.ToArray(),
            RuntimeData = hcl.RuntimeClaimsBytes.ToArray(),
            FromAzureHcl = true,
            Nonce = nonce.ToArray(),
        };
    }

    /// <summary>The evidence a remote service takes, from typed evidence and the binding it records.</summary>
    /// <exception cref="AttestationException">The evidence has no binding, or is of a kind no service takes.</exception>
    public static ServiceEvidence From(AttestationEvidence evidence)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        VmBinding binding = evidence.Binding
            ?? throw new AttestationException("evidence lacks what a remote verifier needs: it records no binding" + (evidence.BindingError is { } e ? $" ({e})" : ""));
        // On an Azure CVM the paravisor, not we, chose report_data: it binds the HCL runtime claims, so those are
        // the runtime data a remote verifier can check. Freshness comes from our nonce (and the TPM quote).
        if (evidence is AzureVtpmEvidence azure)
        {
            var hcl = HclReport.Parse(azure.HclReport);
            var fromHcl = azure.TdQuote is { } tdQuote
                ? FromTdxHclReport(hcl, tdQuote, binding.Nonce)
                : FromHclReport(hcl, [.. azure.Certificates.Select(c => c.ExportCertificatePem())], binding.Nonce);
            // Intel Trust Authority's Azure scheme: the ITA nonce and our runtime data went into the HCL user-data.
            return binding.Scheme == BindingScheme.Ita ? fromHcl with { ItaNonce = binding.ItaNonce, UserData = binding.RuntimeData } : fromHcl;
        }
        (string teeType, byte[] report, IReadOnlyList<string> pems) = evidence switch
        {
            SnpEvidence snp => (SnpEvidence.TeeTypeName, snp.Report, snp.Certificates.Select(c => c.ExportCertificatePem()).ToList()),
            TdxEvidence tdx => (TdxEvidence.TeeTypeName, tdx.Quote, TdxCertificates(tdx.Quote)),
            _ => throw new AttestationException($"evidence lacks what a remote verifier needs: {evidence.GetType().Name} is not VM evidence a service takes"),
        };
        // The service schemes hashed their runtime data into report_data: that is what the service must get.
        return new ServiceEvidence
        {
            TeeType = teeType,
            Report = report,
            CertificatesPem = pems,
            RuntimeData = binding.RuntimeData ?? Encoding.UTF8.GetBytes(EvidenceDocument.BindingJson(binding)),
            ItaNonce = binding.ItaNonce,
            Nonce = binding.Nonce,
            Simulated = evidence.Simulated,
        };
    }

    private static List<string> TdxCertificates(byte[] quote)
    {
        var certificates = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        certificates.ImportFromPem(TdxQuote.Parse(quote).SignatureData.PckCertificateChainPem ?? "");
        return [.. certificates.Select(c => c.ExportCertificatePem())];
    }
}
