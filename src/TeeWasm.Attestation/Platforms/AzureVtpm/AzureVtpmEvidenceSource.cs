using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Linux;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Tokens;
using TeeWasm.Attestation.Tpm;
using TeeWasm.Attestation.Verification;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Platforms.AzureVtpm;

/// <summary>
/// Evidence from an Azure confidential VM's vTPM: the HCL report from NV index 0x01400001 and a TPM2_Quote over the
/// configured PCRs by the attestation key (0x81000003). The quote's qualifyingData is <b>SHA-256 of our 64-byte
/// report_data binding</b> (module hash, host key, nonce): on Azure the hardware report's report_data binds the HCL's
/// runtime claims (which carry the AK), not our nonce, so freshness and the binding to this module come from the quote.
/// Verification: <see cref="AzureVtpmVerifier"/> (SNP inside: full VCEK chain; TDX inside: a TD quote for the TDREPORT
/// from the Azure IMDS, when <see cref="AzureVtpmOptions.FetchTdQuoteFromImds"/> allows it, verified and paired with the
/// TDREPORT field by field; without it a TDX report is rejected, since a TDREPORT cannot be verified alone).
/// </summary>
public sealed class AzureVtpmEvidenceSource : IVmEvidenceSource
{
    private readonly Func<ITpmTransport> _openTpm;
    private readonly AzureVtpmOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Creates the source over a TPM transport factory (a device or a swtpm socket).</summary>
    public AzureVtpmEvidenceSource(Func<ITpmTransport> openTpm, TeeType teeType, AzureVtpmOptions? options = null, TimeProvider? time = null)
    {
        _openTpm = openTpm;
        TeeType = teeType;
        _options = options ?? new AzureVtpmOptions();
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public TeeType TeeType { get; }

    /// <inheritdoc/>
    public bool Simulated => false;

    /// <summary>
    /// The NV index whose 64 bytes the paravisor copies into the HCL runtime claims' <c>user-data</c> (Intel's go-aztdx
    /// writes SHA-512(nonce.val ‖ nonce.iat ‖ user data) there before reading the HCL report).
    /// </summary>
    public const uint UserDataNvIndex = 0x01400002;

    /// <summary>True when it writes report_data to <see cref="UserDataNvIndex"/> before reading the HCL report.</summary>
    public bool WritesHclUserData => _options.WriteHclUserData;

    /// <summary>The nonce passed to TPM2_Quote for a given report_data binding: SHA-256(reportData).</summary>
    public static byte[] QuoteNonce(ReadOnlySpan<byte> reportData) => SHA256.HashData(reportData);

    /// <inheritdoc/>
    public CollectedEvidence Attest(ReadOnlySpan<byte> reportData, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> moduleHash) =>
        Collect(reportData, _options.WriteHclUserData ? reportData.ToArray() : null, QuoteNonce(reportData), nonce, moduleHash);

    /// <summary>
    /// Evidence bound the way a verifier of its own chooses (Trustee's <c>az-snp-vtpm</c>): <paramref name="userData"/> is
    /// written to <see cref="UserDataNvIndex"/> before the HCL report is read, which must then carry it as
    /// <c>user-data</c>, and the TPM quote is over <paramref name="quoteNonce"/> as given.
    /// </summary>
    /// <exception cref="AttestationException">Collection or local verification failed.</exception>
    public CollectedEvidence AttestWithUserData(ReadOnlySpan<byte> userData, ReadOnlySpan<byte> quoteNonce) =>
        Collect(userData, userData.ToArray(), quoteNonce.ToArray(), [], []);

    private CollectedEvidence Collect(ReadOnlySpan<byte> reportData, byte[]? userData, byte[] quoteNonce, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> moduleHash)
    {
        byte[] hcl;
        TpmQuote quote;
        IReadOnlyList<byte[]> pcrs;
        using (var tpm = new Tpm2Client(_openTpm()))
        {
            if (userData is not null) tpm.WriteNv(UserDataNvIndex, userData);
            hcl = tpm.ReadNv(TeeProbeOptions.AzureHclReportNvIndex);
            quote = tpm.Quote(_options.AttestationKeyHandle, quoteNonce, _options.PcrSelection);
            pcrs = tpm.ReadPcrs(_options.PcrSelection);
        }
        bool tdx = HclReport.TryParse(hcl, out var parsed, out _) && parsed.ReportType == HclReportType.Tdx;
        var (certificates, vcekSource) = tdx ? ([], null) : LoadCertificates();
        byte[]? tdQuote = tdx ? GetTdQuote(parsed!) : null;
        bool bindsReportData = quoteNonce.AsSpan().SequenceEqual(QuoteNonce(reportData));
        var evidence = new AzureVtpmEvidence
        {
            TeeType = TeeType, HclReport = hcl, TdQuote = tdQuote, Certificates = certificates, Quote = quote, QuoteNonce = quoteNonce,
            PcrSelection = _options.PcrSelection, Pcrs = pcrs, Source = "azure-vtpm",
        };
        var verifier = new AzureVtpmEvidenceVerifier(new AzureVtpmVerifierOptions
        {
            TrustedRoots = _options.TrustedRoots,
            Tdx = new TdxVerifierOptions { Collateral = _options.TdxCollateral, TrustedRootOverride = _options.TdxTrustedRootOverride },
            RequireQuote = true,
            ExpectedQuoteNonce = quoteNonce,
        });
        var (appraisal, result) = verifier.Check(evidence, new VerificationContext
        {
            Time = _time.GetUtcNow(),
            // The quote's nonce is SHA-256 of our report_data (unless a caller chose both, as Trustee does).
            ExpectedReportData = bindsReportData ? reportData.ToArray() : null,
        });
        if (!result.IsValid) throw new AttestationException("Azure vTPM evidence rejected: " + result.Message);
        if (userData is not null) CheckUserData(parsed!, userData);

        var verified = new VerifiedEvidence
        {
            Platform = (tdx ? TeeType.IntelTdx : TeeType.AmdSevSnp).ToAbiName(),
            Subject = "vm",
            Measurement = appraisal.Claims!.Measurement,
            ReportData = reportData.ToArray(),
            Nonce = nonce.ToArray(),
            ModuleHash = moduleHash.ToArray(),
            VerifierNote = result.Message + "; report_data bound through the TPM quote's nonce"
                + (quoteNonce.AsSpan().SequenceEqual(QuoteNonce(reportData)) ? " (SHA-256 of it)" : "")
                + (userData is not null ? " and the HCL user-data" : "")
                + (vcekSource is null ? "" : "; VCEK from " + vcekSource),
        };
        return new CollectedEvidence(verified, evidence, appraisal);
    }

    // The paravisor refreshes the HCL report from NV index 0x01400002 when it is read; a report that does not carry what
    // was written there (no paravisor, or an old one) binds nothing of ours.
    private static void CheckUserData(HclReport hcl, ReadOnlySpan<byte> reportData)
    {
        string? userData = RuntimeClaims.Parse(hcl.RuntimeClaimsBytes.Span).UserData;
        if (!string.Equals(userData, Convert.ToHexString(reportData), StringComparison.OrdinalIgnoreCase))
        {
            throw new AttestationException(
                $"Azure vTPM evidence rejected: the HCL report's user-data is {userData ?? "absent"}, not the report_data written to NV index 0x{UserDataNvIndex:x8} "
                + "(the paravisor did not refresh the HCL report with it)");
        }
    }

    private byte[] GetTdQuote(HclReport hcl)
    {
        if (!_options.FetchTdQuoteFromImds)
        {
            throw new AttestationException(
                "the vTPM holds a TDX HCL report (a TDREPORT, MAC'd, not signed): a TD quote is needed; enable --imds-tdquote "
                + "(AzureVtpmOptions.FetchTdQuoteFromImds) to get one from the Azure IMDS");
        }
        using var client = new ImdsTdQuoteClient(_options.TdQuoteBaseUri, _options.TdQuoteCalls);
        return client.GetQuote(hcl.HardwareReport.Span[..TdxTdReport.Size]);
    }

    /// <summary>
    /// Where the VCEK for this VM's SEV-SNP report comes from, in one line (<c>tee-wasm detect</c>): certificate files,
    /// given certificates, or the Azure IMDS — which is asked now, so the line also says whether it answers — or none.
    /// </summary>
    public string DescribeVcek()
    {
        try
        {
            var (certificates, source) = LoadCertificates();
            if (certificates.Count == 0)
                return "none: no VCEK file (--vm-cert) and the Azure IMDS is off (--no-imds-vcek, AzureVtpmOptions.FetchVcekFromImds): SEV-SNP attestation will fail";
            X509Certificate2 vcek = certificates.FirstOrDefault(c => c.GetNameInfo(X509NameType.SimpleName, false) is "SEV-VCEK" or "SEV-VLEK") ?? certificates[0];
            return $"{source}: {vcek.GetNameInfo(X509NameType.SimpleName, false)} (valid {vcek.NotBefore.ToUniversalTime():yyyy-MM-dd} to {vcek.NotAfter.ToUniversalTime():yyyy-MM-dd})";
        }
        catch (AttestationException e)
        {
            return e.Message;
        }
    }

    // The VCEK (and chain) with where it came from; the Azure IMDS only when nothing is configured and it is allowed.
    private (List<X509Certificate2> Certificates, string? Source) LoadCertificates()
    {
        var list = new List<X509Certificate2>(_options.Certificates);
        foreach (string file in _options.CertificateFiles)
        {
            try
            {
                list.AddRange(CertificateLoader.LoadFile(file));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new AttestationException($"cannot read VCEK file {file}: {e.Message}", e);
            }
        }
        if (list.Count > 0)
        {
            return (list, _options.CertificateFiles.Count > 0
                ? "certificate file(s) " + string.Join(", ", _options.CertificateFiles)
                : "the configured certificates");
        }
        if (!_options.FetchVcekFromImds) return (list, null);
        list.AddRange(ImdsVcekClient.Fetch(_options.ImdsEndpoint, _options.ImdsTimeout));
        return (list, $"the Azure IMDS ({_options.ImdsEndpoint})");
    }
}
