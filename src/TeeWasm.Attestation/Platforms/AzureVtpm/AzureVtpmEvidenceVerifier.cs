using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Policy;
using TeeWasm.Attestation.Tpm;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation.Platforms.AzureVtpm;

/// <summary>What an <see cref="AzureVtpmEvidenceVerifier"/> trusts and requires.</summary>
public sealed record AzureVtpmVerifierOptions
{
    /// <summary>Certificates to use besides those of the evidence (a VCEK file, an ASK and ARK chain).</summary>
    public IReadOnlyList<X509Certificate2> Certificates { get; init; } = [];

    /// <summary>The ARKs to trust for an SNP report inside; null trusts AMD's.</summary>
    public IReadOnlyList<X509Certificate2>? TrustedRoots { get; init; }

    /// <summary>Simulator roots tried when the trusted roots refuse the SNP chain; a report that chains to one is simulated.</summary>
    public IReadOnlyList<X509Certificate2> SimulatorRoots { get; init; } = [];

    /// <summary>Intermediates for the simulator roots (evidence that carries only the VCEK).</summary>
    public IReadOnlyList<X509Certificate2> SimulatorIntermediates { get; init; } = [];

    /// <summary>How a TD quote inside is verified (collateral…).</summary>
    public TdxVerifierOptions Tdx { get; init; } = new();

    /// <summary>A TD quote for a TDX HCL report, overriding the evidence's own (<c>--td-quote</c>).</summary>
    public byte[]? TdQuote { get; init; }

    /// <summary>Reject evidence without a TPM quote (live attestation); otherwise its absence is only noted.</summary>
    public bool RequireQuote { get; init; }

    /// <summary>
    /// The TPM quote's extraData for protocols that bind their own value there (Trustee: the runtime-data hash); null:
    /// SHA-256 of the expected report_data (<see cref="AzureVtpmEvidenceSource.QuoteNonce"/>), else the nonce the evidence states.
    /// </summary>
    public byte[]? ExpectedQuoteNonce { get; init; }
}

/// <summary>
/// Verifies Azure vTPM evidence (<see cref="AzureVtpmVerifier"/>: runtime claims bound to the hardware report, TPM quote
/// by HCLAkPub over the nonce and PCRs, then the SNP report inside or the TD quote paired with the TDREPORT) and
/// appraises it: <c>signature and chain</c>, then the inner report's checks (SNP: debug and VMPL; TDX: debug), then
/// the policy's other rules. A binding is proven by the TPM quote: its extraData is SHA-256 of the expected report_data.
/// </summary>
public sealed class AzureVtpmEvidenceVerifier(AzureVtpmVerifierOptions? options = null) : EvidenceVerifier<AzureVtpmEvidence>
{
    private readonly AzureVtpmVerifierOptions _options = options ?? new AzureVtpmVerifierOptions();

    /// <inheritdoc />
    public override Appraisal Verify(AzureVtpmEvidence evidence, VerificationContext context) => Check(evidence, context).Appraisal;

    /// <summary>The appraisal and the checks' own result (for the sources of this platform).</summary>
    internal (Appraisal Appraisal, AzureVtpmVerificationResult Result) Check(AzureVtpmEvidence evidence, VerificationContext context)
    {
        byte[]? expected = context.ExpectedReportData ?? evidence.Binding?.ReportData;
        if (evidence.BindingError is { } bindingError)
        {
            return (VmAppraisal.Rejected("Azure HCL report", "BindingInvalid", "evidence binding rejected: " + bindingError), new AzureVtpmVerificationResult());
        }
        var (r, chainSimulated) = Run(evidence, expected, context.Time);
        if (r.IsValid && evidence.TrusteeVersion >= 2 && expected is not null && r.Claims?.UserData is var userData
            && !(userData is not null && userData.StartsWith(Convert.ToHexString(expected), StringComparison.OrdinalIgnoreCase)))
        {
            return (VmAppraisal.Rejected("Azure HCL report", "UserDataMismatch",
                $"the HCL runtime claims' user-data ({userData ?? "absent"}) does not start with the expected report data {Convert.ToHexStringLower(expected)} (Trustee evidence version 2 binds it there)"), r);
        }
        bool tdxInside = r.Report?.ReportType == HclReportType.Tdx;
        string inner = tdxInside ? "Intel TDX" : "AMD SEV-SNP";
        string kindName = $"Azure HCL report ({inner})";
        string tail = r.QuoteVerified ? "; TPM quote signed by HCLAkPub" : "; no TPM quote (freshness not shown)";
        string verdict = !r.IsValid
            ? r.Reason == AzureVtpmFailureReason.HardwareReportUnverifiable
                ? "runtime-claims binding valid, but " + AzureVtpmVerificationResult.TdReportUnverifiable
                : r.Message
            : r.Tdx is { Quote: { } tdq } tdx
                ? $"Azure vTPM HCL report ({inner} inside), TD quote v{tdq.Version}, PCK chain to Intel SGX Root CA"
                  + TdxEvidenceVerifier.TcbText(tdx, ", ") + "; the quote carries the TDREPORT's fields; runtime claims bound" + tail
                : $"Azure vTPM HCL report ({inner} inside), {r.Snp!.Product}, signed by {SnpEvidenceVerifier.SignerName(r.Snp)}; runtime claims bound" + tail;
        bool simulated = evidence.Simulated || chainSimulated;
        // The runtime-claims binding binds the AK, not our report_data: only a quote over SHA-256 of the binding counts.
        bool? bound = (expected is not null || _options.ExpectedQuoteNonce is not null) && r.QuoteVerified ? true : null;
        var checks = new List<AppraisalCheck> { VmAppraisal.SignatureAndChain(r.IsValid, verdict, r.Reason.ToString()) };
        PolicyInput? input = null;
        if (r.Snp?.Report is { } snp)
        {
            checks.AddRange(SnpPolicyClaims.Checks(snp, r.IsValid, context.Policy));
            if (r.IsValid) input = SnpPolicyClaims.Input(snp, bound, evidence.Time, simulated);
        }
        else if (r.IsValid && r.Tdx?.Quote is { } paired)
        {
            checks.Add(TdxPolicyClaims.DebugCheck(paired.Body, true, context.Policy));
            input = TdxPolicyClaims.Input(paired, bound, evidence.Time, simulated, r.Tdx.TcbStatus);
        }
        else if (r.IsValid)
        {
            checks.Add(new AppraisalCheck("debug", CheckStatus.Fail, "the evidence carries no hardware report whose debug state could be checked"));
        }
        var fields = Fields(r);
        if (!r.IsValid || input is null)
        {
            return (new Appraisal
            {
                Kind = kindName, EvidenceValid = r.IsValid, Reason = r.Reason.ToString(), Message = verdict, Checks = checks, Fields = fields,
                Warnings = r.Tdx?.Warnings ?? [],
            }, r);
        }
        var (policyCheck, rest) = VmAppraisal.Policy(context, input);
        if (policyCheck is not null) checks.Add(policyCheck);
        string note = tdxInside
            ? "Azure vTPM: TD quote (PCK chain to the Intel SGX Root CA" + TdxEvidenceVerifier.TcbText(r.Tdx!, "; ") + ") carries the TDREPORT's fields"
            : chainSimulated ? "Azure vTPM: SNP report chained to the simulator root"
            : $"Azure vTPM: SNP report signed by {r.Snp!.Report!.SigningKey}, chain to the AMD {r.Snp.Product} root";
        return (new Appraisal
        {
            Kind = kindName, EvidenceValid = true, Reason = r.Reason.ToString(), Message = verdict, Checks = checks, Fields = fields,
            Warnings = r.Tdx?.Warnings ?? [], PolicyInput = input, Policy = rest, Note = note,
            Claims = new EvidenceClaims
            {
                Platform = (tdxInside ? TeeType.IntelTdx : TeeType.AmdSevSnp).ToAbiName(), Subject = EvidenceSubject.Vm,
                Measurement = tdxInside ? r.Tdx!.Quote!.Body.MrTd.ToArray() : r.Snp!.Report!.Measurement,
                ReportData = expected ?? r.Report!.ReportData.ToArray(),
                Debug = tdxInside ? r.Tdx!.Quote!.Body.TdAttributes.IsDebug() : r.Snp!.Report!.DebugAllowed,
                Simulated = chainSimulated,
            },
        }, r);
    }

    /// <summary>
    /// Runs the checks against the trusted roots, then — when they refuse the SNP chain and simulator roots are
    /// configured — against the simulator roots; true with a result that chained to a simulator root.
    /// </summary>
    private (AzureVtpmVerificationResult Result, bool Simulated) Run(AzureVtpmEvidence evidence, byte[]? expected, DateTimeOffset? time)
    {
        AzureVtpmVerificationResult Verify(IReadOnlyList<X509Certificate2> certificates, IReadOnlyList<X509Certificate2>? roots) =>
            AzureVtpmVerifier.Verify(evidence.HclReport, new AzureVtpmVerificationOptions
            {
                Certificates = certificates,
                TrustedRoots = roots,
                VerificationTime = time,
                Quote = evidence.Quote,
                RequireQuote = _options.RequireQuote,
                TdQuote = _options.TdQuote ?? evidence.TdQuote,
                TdxOptions = _options.Tdx.ToQuoteOptions(time),
                // With a binding the quote must carry SHA-256 of it; otherwise only the evidence's own nonce can be
                // compared (self-consistency).
                ExpectedNonce = _options.ExpectedQuoteNonce ?? (expected is null ? evidence.QuoteNonce
                    : evidence.TrusteeVersion is not null ? expected : AzureVtpmEvidenceSource.QuoteNonce(Pad64(expected))),
                PcrValues = evidence.Pcrs,
                PcrSelection = evidence.PcrSelection ?? TpmPcrSelection.AllSha256,
            });

        IReadOnlyList<X509Certificate2> certificates = [.. evidence.Certificates, .. _options.Certificates];
        var verdict = Verify(certificates, _options.TrustedRoots);
        if (_options.SimulatorRoots.Count == 0) return (verdict, false);
        if (verdict.IsValid) return (verdict, verdict.Snp?.Root is { } root && _options.SimulatorRoots.Any(s => s.RawData.AsSpan().SequenceEqual(root.RawData)));
        if (verdict.Reason != AzureVtpmFailureReason.HardwareReportInvalid || verdict.Snp!.Reason is not (SnpFailureReason.WrongRoot or SnpFailureReason.ChainInvalid))
            return (verdict, false);
        var sim = Verify([.. certificates, .. _options.SimulatorIntermediates], _options.SimulatorRoots);
        if (sim.IsValid) return (sim, true);
        return sim.Snp?.Reason is SnpFailureReason.WrongRoot or SnpFailureReason.ChainInvalid ? (verdict, false) : (sim, false);
    }

    private static byte[] Pad64(byte[] value)
    {
        if (value.Length >= 64) return value;
        byte[] padded = new byte[64];
        value.CopyTo(padded, 0);
        return padded;
    }

    private static List<KeyValuePair<string, string>> Fields(AzureVtpmVerificationResult r)
    {
        var o = new List<KeyValuePair<string, string>>();
        if (r.Report is not { } hcl) return o;
        void Add(string k, string v) => o.Add(new(k, v));
        Add("hcl_version", hcl.Version.ToString(CultureInfo.InvariantCulture));
        Add("report_type", hcl.ReportType.ToString());
        Add("hash_type", hcl.HashType.ToString());
        Add("runtime_claims_bytes", hcl.RuntimeClaimsBytes.Length.ToString(CultureInfo.InvariantCulture));
        Add("runtime_claims_bound", r.BindingValid ? "yes" : "no");
        Add("report_data", Convert.ToHexStringLower(hcl.ReportData.Span));
        if (r.Claims is { } claims)
        {
            Add("claims_keys", string.Join(", ", claims.KeyIds));
            if (claims.VmConfiguration is { } vm) Add("vm_configuration", vm.GetRawText());
        }
        if (r.Quote is { } q) Add("tpm_quote_pcrs", string.Join(",", q.PcrSelection.SelectMany(s => s.Pcrs)));
        if (r.Snp?.Report is { } snp) o.AddRange(SnpEvidenceVerifier.Fields(snp, r.Snp.Product));
        if (r.MismatchedField is { } field) Add("td_quote_mismatch", field);
        if (r.Tdx?.Quote is { } tq)
        {
            Add("td_quote_version", tq.Version.ToString(CultureInfo.InvariantCulture));
            Add("td_attributes", $"{(ulong)tq.Body.TdAttributes:x16} (debug {(tq.Body.TdAttributes.IsDebug() ? "on" : "off")})");
            Add("mrtd", Convert.ToHexStringLower(tq.Body.MrTd.Span));
            for (int i = 0; i < tq.Body.Rtmrs.Count; i++) Add($"rtmr{i}", Convert.ToHexStringLower(tq.Body.Rtmrs[i].Span));
            Add("td_quote_report_data", Convert.ToHexStringLower(tq.Body.ReportData.Span));
            if (r.Tdx.Pck is { } pck) Add("fmspc", pck.FmspcHex);
            if (r.Tdx.TcbStatus is { } st) Add("tcb_status", st.ToString());
        }
        return o;
    }
}
