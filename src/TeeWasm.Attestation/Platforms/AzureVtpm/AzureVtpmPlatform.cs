using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Tpm;
using TeeWasm.Attestation.Verification;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Platforms.AzureVtpm;

/// <summary>
/// Azure confidential VMs for verification: evidence JSON whose <c>report</c> is an HCL report ("HCLA"), a raw HCL
/// report, and the <see cref="AzureVtpmEvidenceVerifier"/> made from <c>--cert</c>, <c>--td-quote</c>,
/// <c>--collateral</c> and <c>--trust-simulator</c>.
/// </summary>
public sealed class AzureVtpmPlatform : EvidencePlatform
{
    /// <summary>The platform.</summary>
    public static AzureVtpmPlatform Instance { get; } = new();

    private AzureVtpmPlatform() { }

    /// <inheritdoc />
    public override string Name => "Azure vTPM";

    /// <inheritdoc />
    public override EvidenceSubject Subject => EvidenceSubject.Vm;

    /// <inheritdoc />
    public override string RawName => "Azure HCL report";

    /// <inheritdoc />
    public override bool Recognizes(EvidenceDocument document) => document.GetBase64("report") is { } r && HclReport.HasSignature(r);

    /// <inheritdoc />
    public override AttestationEvidence Read(EvidenceDocument document)
    {
        var certificates = new List<X509Certificate2>();
        foreach (string? pem in document.GetStrings("certificates") ?? [])
            if (pem is { Length: > 0 }) certificates.AddRange(CertificateLoader.Load(pem.AsSpan()));
        TpmQuote? quote = null;
        IReadOnlyList<byte[]>? pcrs = null;
        TpmPcrSelection? selection = null;
        byte[]? nonce = null;
        if (document.GetObject("tpm_quote") is { } q)
        {
            quote = new TpmQuote(Convert.FromBase64String(q.RequireString("attest")), TpmSignature.Parse(Convert.FromBase64String(q.RequireString("signature"))));
            if (q.GetStrings("pcrs") is { } values && q.GetInt32s("pcr_selection") is { } indices)
            {
                pcrs = [.. values.Select(x => Convert.FromHexString(x!))];
                selection = new TpmPcrSelection(indices);
            }
            if (q.Has("nonce")) nonce = Convert.FromHexString(q.RequireString("nonce"));
        }
        return new AzureVtpmEvidence
        {
            HclReport = document.GetBase64("report") ?? [],
            TdQuote = document.GetBase64("td_quote"),
            Certificates = certificates,
            Quote = quote,
            QuoteNonce = nonce,
            PcrSelection = selection,
            Pcrs = pcrs,
            Source = document.Source ?? "",
            TeeType = document.TeeType == TeeType.IntelTdx.ToAbiName() ? TeeType.IntelTdx : TeeType.AmdSevSnp,
        };
    }

    /// <inheritdoc />
    public override AttestationEvidence? TryReadRaw(ReadOnlyMemory<byte> data) =>
        HclReport.HasSignature(data.Span) ? new AzureVtpmEvidence { HclReport = data.ToArray() } : null;

    /// <summary>Trustee's <c>az-snp-vtpm</c> / <c>az-tdx-vtpm</c> evidence, versions 0 (byte arrays, PEM VCEK), 1 and 2 (hex, base64url).</summary>
    public override EvidenceFile? TryReadFile(ReadOnlyMemory<byte> data)
    {
        if (TrusteeJson(data) is not { } json || !TrusteeAzVtpmEvidence.LooksLike(json)) return null;
        TrusteeAzVtpmEvidence trustee;
        int version;
        try
        {
            (trustee, version) = TrusteeAzVtpmEvidence.ParseAnyVersion(json);
        }
        catch (AttestationException e)
        {
            throw new VerificationInputException(e.Message, e);
        }
        AzureVtpmEvidence evidence;
        try
        {
            evidence = new AzureVtpmEvidence
            {
                HclReport = trustee.HclReport, TdQuote = trustee.TdQuote, Quote = trustee.ToTpmQuote(), Pcrs = trustee.Pcrs,
                PcrSelection = TpmPcrSelection.AllSha256, Certificates = trustee.Vcek is { } vcek ? [X509CertificateLoader.LoadCertificate(vcek)] : [],
                TeeType = trustee.TdQuote is null ? TeeType.AmdSevSnp : TeeType.IntelTdx, TrusteeVersion = version, Source = "trustee",
            };
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or TpmException or OverflowException)
        {
            throw new VerificationInputException($"malformed Trustee {trustee.Tee} evidence: unreadable vcek or quote signature: {e.Message}", e);
        }
        return new EvidenceFile { Kind = $"Trustee {trustee.Tee} evidence (version {version})", Platform = this, Items = [evidence] };
    }

    /// <inheritdoc />
    public override IEvidenceVerifier CreateVerifier(VerifyInputs inputs, EvidenceFile file)
    {
        VmInputs vm = inputs.PrepareVm();
        byte[]? tdQuote = null;
        if (vm.TdQuoteFile is { } bytes)
        {
            tdQuote = TdxPlatform.ReadQuoteFile(bytes)
                ?? throw new VerificationInputException($"--td-quote {inputs.Options.TdQuoteFile}: not a TDX quote (v4/v5) or base64 of one");
            if (!(file.Items[0] is AzureVtpmEvidence e && HclReport.TryParse(e.HclReport, out var h, out _) && h.ReportType == HclReportType.Tdx))
                throw new VerificationInputException(VmInputs.TdQuoteNotApplicable);
        }
        return new AzureVtpmEvidenceVerifier(new AzureVtpmVerifierOptions
        {
            Certificates = vm.Certificates,
            SimulatorRoots = vm.SimulatorRoots,
            Tdx = TdxPlatform.Options(vm, inputs.Options),
            TdQuote = tdQuote,
        });
    }
}
