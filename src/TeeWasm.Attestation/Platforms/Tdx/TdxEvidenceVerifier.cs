using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Verification;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>What a <see cref="TdxEvidenceVerifier"/> checks quotes against.</summary>
public sealed record TdxVerifierOptions
{
    /// <summary>Intel collateral (TCB info, QE identity, signing chain, CRLs); null checks the quote's own chain only.</summary>
    public TdxCollateral? Collateral { get; init; }

    /// <summary>Use collateral whose signature cannot be checked (no TCB signing chain), with a warning.</summary>
    public bool AllowUnverifiedCollateralSignature { get; init; }

    /// <summary>Use collateral past its nextUpdate, with a warning.</summary>
    public bool AllowExpiredCollateral { get; init; }

    /// <summary>A cache of verified PCK chains; null verifies the chain every time.</summary>
    public CertificateChainCache? ChainCache { get; init; }

    /// <summary>Test hook: a root to trust instead of the pinned Intel SGX Root CA. Never set in production.</summary>
    internal X509Certificate2? TrustedRootOverride { get; init; }

    /// <summary>The options of one quote verification at <paramref name="time"/>.</summary>
    internal TdxVerificationOptions ToQuoteOptions(DateTimeOffset? time) => new()
    {
        VerificationTime = time, Collateral = Collateral, AllowUnverifiedCollateralSignature = AllowUnverifiedCollateralSignature,
        AllowExpiredCollateral = AllowExpiredCollateral, ChainCache = ChainCache, TrustedRootOverride = TrustedRootOverride,
    };
}

/// <summary>
/// Verifies TDX evidence (<see cref="TdxQuoteVerifier"/>: quote signature, QE report, PCK chain to the pinned Intel SGX
/// Root CA, CRLs and TCB status with collateral; then report_data = the binding) and appraises it:
/// <c>signature and chain</c>, <c>debug</c>, then the policy's other rules.
/// </summary>
public sealed class TdxEvidenceVerifier(TdxVerifierOptions? options = null) : EvidenceVerifier<TdxEvidence>
{
    /// <summary>What the appraisal calls this evidence.</summary>
    public const string Kind = "Intel TDX quote";

    /// <summary>The reason of a quote whose report_data is not the expected binding.</summary>
    public const string ReportDataMismatch = "ReportDataMismatch";

    private readonly TdxVerifierOptions _options = options ?? new TdxVerifierOptions();

    /// <inheritdoc />
    public override Appraisal Verify(TdxEvidence evidence, VerificationContext context)
    {
        if (evidence.BindingError is { } bindingError)
            return VmAppraisal.Rejected(Kind, "BindingInvalid", "evidence binding rejected: " + bindingError);
        var r = TdxQuoteVerifier.Verify(evidence.Quote, _options.ToQuoteOptions(context.Time));
        byte[]? expected = context.ExpectedReportData ?? evidence.Binding?.ReportData;
        bool? bound = null;
        if (r.IsValid && expected is not null && r.Quote is { } bq)
        {
            byte[] padded = new byte[64];
            expected.AsSpan(0, Math.Min(expected.Length, 64)).CopyTo(padded);
            bound = expected.Length <= 64 && CryptographicOperations.FixedTimeEquals(bq.Body.ReportData.Span, padded);
            if (bound == false) return VmAppraisal.Rejected(Kind, ReportDataMismatch, "REPORT_DATA differs from the evidence's binding");
        }
        return Describe(r, bound, evidence.Time, evidence.Simulated, context);
    }

    /// <summary>The appraisal of a quote <see cref="TdxQuoteVerifier"/> judged (also the TD quote inside Azure vTPM evidence).</summary>
    internal static Appraisal Describe(TdxVerificationResult r, bool? bound, DateTimeOffset? evidenceTime, bool simulated, VerificationContext context)
    {
        string verdict = r.IsValid
            ? $"{Kind} {(r.Quote is { } q ? $"v{q.Version}" : "")}, PCK chain to Intel SGX Root CA" + TcbText(r, ", ")
            : r.Message;
        var checks = new List<AppraisalCheck> { VmAppraisal.SignatureAndChain(r.IsValid, verdict, r.Reason.ToString()) };
        if (r.Quote is not { } quote)
            return new Appraisal { Kind = Kind, EvidenceValid = false, Reason = r.Reason.ToString(), Message = verdict, Checks = checks, Warnings = r.Warnings };
        checks.Add(TdxPolicyClaims.DebugCheck(quote.Body, r.IsValid, context.Policy));
        var fields = new DeferredList<KeyValuePair<string, string>>(() => Fields(quote, r));
        if (!r.IsValid)
            return new Appraisal { Kind = Kind, EvidenceValid = false, Reason = r.Reason.ToString(), Message = verdict, Checks = checks, Fields = fields, Warnings = r.Warnings };
        var input = TdxPolicyClaims.Input(quote, bound, evidenceTime, simulated, r.TcbStatus);
        var (policyCheck, rest) = VmAppraisal.Policy(context, input);
        if (policyCheck is not null) checks.Add(policyCheck);
        return new Appraisal
        {
            Kind = Kind, EvidenceValid = true, Reason = r.Reason.ToString(), Message = verdict, Checks = checks, Fields = fields, Warnings = r.Warnings,
            PolicyInput = input, Policy = rest,
            Note = "TDX quote: PCK chain to the Intel SGX Root CA" + TcbText(r, "; "),
            Claims = new EvidenceClaims
            {
                Platform = TeeType.IntelTdx.ToAbiName(), Subject = EvidenceSubject.Vm, Measurement = quote.Body.MrTd.ToArray(),
                ReportData = quote.Body.ReportData.ToArray(), Debug = quote.Body.TdAttributes.IsDebug(),
            },
        };
    }

    /// <summary>", TCB UpToDate" or ", TCB status not evaluated (no collateral)" (with the given separator).</summary>
    internal static string TcbText(TdxVerificationResult r, string separator) =>
        separator + (r.TcbStatus is { } s ? $"TCB {s}" : "TCB status not evaluated (no collateral)");

    /// <summary>The decoded fields of a quote.</summary>
    internal static List<KeyValuePair<string, string>> Fields(TdxQuote quote, TdxVerificationResult r)
    {
        var b = quote.Body;
        List<KeyValuePair<string, string>> fields =
        [
            new("version", quote.Version.ToString(CultureInfo.InvariantCulture)),
            new("td_attributes", $"{(ulong)b.TdAttributes:x16} (debug {(b.TdAttributes.IsDebug() ? "on" : "off")})"),
            new("mrtd", Convert.ToHexStringLower(b.MrTd.Span)),
        ];
        for (int i = 0; i < b.Rtmrs.Count; i++) fields.Add(new($"rtmr{i}", Convert.ToHexStringLower(b.Rtmrs[i].Span)));
        fields.Add(new("report_data", Convert.ToHexStringLower(b.ReportData.Span)));
        fields.Add(new("tee_tcb_svn", Convert.ToHexStringLower(b.TeeTcbSvn.Span)));
        if (r.Pck is { } pck) fields.Add(new("fmspc", pck.FmspcHex));
        if (r.TcbStatus is { } st) fields.Add(new("tcb_status", st.ToString()));
        return fields;
    }
}
