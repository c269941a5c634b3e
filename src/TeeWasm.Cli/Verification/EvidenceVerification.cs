using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Policy;
using TeeWasm.Attestation.Tpm;

namespace TeeWasm.Cli.Verification;

/// <summary>Runs the right verifier on an <see cref="EvidenceFile"/> and describes the result.</summary>
internal static class EvidenceVerification
{
    public sealed class Settings
    {
        public IReadOnlyList<X509Certificate2> Certificates { get; init; } = [];
        public TdxCollateral? Collateral { get; init; }
        public bool AllowUnsignedCollateral { get; init; }
        public DateTimeOffset? Time { get; init; }

        /// <summary>A TD quote for an Azure TDX HCL report (--td-quote); overrides the evidence JSON's "td_quote".</summary>
        public byte[]? TdQuote { get; init; }

        /// <summary>The simulator's ARK, trusted beside AMD's when --trust-simulator is given.</summary>
        public X509Certificate2? SimulatorArk { get; init; }
    }

    public sealed class Outcome
    {
        public required bool Valid { get; init; }
        public required string Kind { get; init; }
        public required string Reason { get; init; }
        public required string Verdict { get; init; }
        public List<KeyValuePair<string, string>> Fields { get; } = [];
        public IReadOnlyList<string> Warnings { get; init; } = [];
        public PolicyInput? PolicyInput { get; init; }
    }

    public static Outcome Verify(EvidenceFile evidence, Settings settings) => evidence.BindingError is { } bindingError
        ? new Outcome { Valid = false, Kind = KindName(evidence.Kind), Reason = "BindingInvalid", Verdict = "evidence binding rejected: " + bindingError }
        : evidence.Kind switch
    {
        EvidenceKind.SnpReport => Snp(evidence, settings),
        EvidenceKind.TdxQuote => Tdx(evidence, settings),
        _ => Azure(evidence, settings),
    };

    private static string KindName(EvidenceKind kind) => kind switch
    {
        EvidenceKind.SnpReport => "AMD SEV-SNP report",
        EvidenceKind.TdxQuote => "Intel TDX quote",
        _ => "Azure HCL report",
    };

    private static Outcome Snp(EvidenceFile evidence, Settings settings)
    {
        var r = new SnpVerifier().Verify(evidence.Report, new SnpVerificationOptions
        {
            Certificates = settings.Certificates,
            VerificationTime = settings.Time,
            TrustedRoots = Roots(settings),
            ExpectedReportData = evidence.ExpectedReportData,
        });
        bool simulated = evidence.Simulated || IsSimulatorChain(r, settings, evidence);
        string verdict = r.IsValid
            ? (simulated
                ? $"AMD SEV-SNP report (SIMULATED: chain to the trusted simulator root), signed by {SignerName(r)}"
                : $"AMD SEV-SNP report, {r.Product}, signed by {SignerName(r)}, chain to the AMD {r.Product} ARK")
              + (evidence.ExpectedReportData is null ? "" : "; report_data matches the binding")
            : r.Message;
        var o = new Outcome
        {
            Valid = r.IsValid, Kind = "AMD SEV-SNP report", Reason = r.Reason.ToString(), Verdict = verdict,
            PolicyInput = r.Report is { } rep ? PolicyInput.FromSnp(rep, evidence.ExpectedReportData is null ? null : r.IsValid, null, simulated) : null,
        };
        if (r.Report is { } report) AddSnpFields(o, report, r.Product);
        return o;
    }

    private static IReadOnlyList<X509Certificate2>? Roots(Settings settings) =>
        settings.SimulatorArk is { } sim ? [.. AmdRootCertificates.Arks, sim] : null;

    /// <summary>True when the report verified only because the simulator root was trusted (AMD's roots alone refuse it).</summary>
    private static bool IsSimulatorChain(SnpVerificationResult r, Settings settings, EvidenceFile evidence) =>
        settings.SimulatorArk is not null && r.IsValid &&
        !new SnpVerifier().Verify(evidence.Report, new SnpVerificationOptions { Certificates = settings.Certificates, VerificationTime = settings.Time }).IsValid;

    private static string SignerName(SnpVerificationResult r)
    {
        string key = r.Report?.SigningKey == SnpSigningKey.Vlek ? "VLEK" : "VCEK";
        return r.SigningCertificate is { } c ? $"{key} (valid {c.NotBefore.ToUniversalTime():yyyy-MM-dd} to {c.NotAfter.ToUniversalTime():yyyy-MM-dd})" : key;
    }

    private static void AddSnpFields(Outcome o, SnpReport r, SnpProduct chainProduct)
    {
        Add(o, "version", r.Version.ToString(CultureInfo.InvariantCulture));
        Add(o, "product", (r.Product != SnpProduct.Unknown ? r.Product : chainProduct).ToString());
        Add(o, "signing_key", r.SigningKey.ToString());
        Add(o, "policy", $"0x{r.Policy:x} (debug {(r.DebugAllowed ? "allowed" : "off")}, SMT {(r.SmtAllowed ? "allowed" : "off")})");
        Add(o, "vmpl", r.Vmpl.ToString(CultureInfo.InvariantCulture));
        Add(o, "guest_svn", r.GuestSvn.ToString(CultureInfo.InvariantCulture));
        Add(o, "measurement", Convert.ToHexStringLower(r.Measurement));
        Add(o, "report_data", Convert.ToHexStringLower(r.ReportData));
        Add(o, "reported_tcb", r.ReportedTcb.WithLayout(r.TcbLayout).ToString());
        Add(o, "chip_id", Convert.ToHexStringLower(r.ChipId));
    }

    private static Outcome Tdx(EvidenceFile evidence, Settings settings)
    {
        var r = TdxQuoteVerifier.Verify(evidence.Report, new TdxVerificationOptions
        {
            VerificationTime = settings.Time,
            Collateral = settings.Collateral,
            AllowUnverifiedCollateralSignature = settings.AllowUnsignedCollateral,
        });
        bool? bound = null;
        if (r.IsValid && evidence.ExpectedReportData is { } expected && r.Quote is { } bq)
        {
            bound = System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(bq.Body.ReportData.Span, expected);
            if (bound == false)
            {
                return new Outcome
                {
                    Valid = false, Kind = "Intel TDX quote", Reason = "ReportDataMismatch", Verdict = "REPORT_DATA differs from the evidence's binding",
                };
            }
        }
        string version = r.Quote is { } q ? $"v{q.Version}" : "";
        string verdict = r.IsValid
            ? $"Intel TDX quote {version}, PCK chain to Intel SGX Root CA" + (r.TcbStatus is { } s ? $", TCB {s}" : ", TCB status not evaluated (no collateral)")
            : r.Message;
        var o = new Outcome
        {
            Valid = r.IsValid, Kind = "Intel TDX quote", Reason = r.Reason.ToString(), Verdict = verdict, Warnings = r.Warnings,
            PolicyInput = r.Quote is { } quote ? PolicyInput.FromTdx(quote, bound, null, evidence.Simulated) with { TdxTcbStatus = r.TcbStatus } : null,
        };
        if (r.Quote is { } qq)
        {
            var b = qq.Body;
            Add(o, "version", qq.Version.ToString(CultureInfo.InvariantCulture));
            Add(o, "td_attributes", $"{(ulong)b.TdAttributes:x16} (debug {(b.TdAttributes.IsDebug() ? "on" : "off")})");
            Add(o, "mrtd", Convert.ToHexStringLower(b.MrTd.Span));
            for (int i = 0; i < b.Rtmrs.Count; i++) Add(o, $"rtmr{i}", Convert.ToHexStringLower(b.Rtmrs[i].Span));
            Add(o, "report_data", Convert.ToHexStringLower(b.ReportData.Span));
            Add(o, "tee_tcb_svn", Convert.ToHexStringLower(b.TeeTcbSvn.Span));
            if (r.Pck is { } pck) Add(o, "fmspc", pck.FmspcHex);
            if (r.TcbStatus is { } st) Add(o, "tcb_status", st.ToString());
        }
        return o;
    }

    private static Outcome Azure(EvidenceFile evidence, Settings settings)
    {
        var r = AzureVtpmVerifier.Verify(evidence.Report, new AzureVtpmVerificationOptions
        {
            Certificates = settings.Certificates,
            TrustedRoots = Roots(settings),
            VerificationTime = settings.Time,
            Quote = evidence.Quote,
            TdQuote = settings.TdQuote ?? evidence.TdQuote,
            TdxOptions = new TdxVerificationOptions
            {
                VerificationTime = settings.Time,
                Collateral = settings.Collateral,
                AllowUnverifiedCollateralSignature = settings.AllowUnsignedCollateral,
            },
            // With a binding, the quote must carry SHA-256 of it (AzureVtpmEvidenceSource.QuoteNonce); otherwise only
            // the evidence's own nonce can be compared (self-consistency).
            ExpectedNonce = evidence.ExpectedReportData is { } binding ? AzureVtpmEvidenceSource.QuoteNonce(binding) : evidence.QuoteNonce,
            PcrValues = evidence.PcrValues,
            PcrSelection = evidence.PcrSelection ?? TeeWasm.Attestation.Tpm.TpmPcrSelection.AllSha256,
        });
        string inner = r.Report?.ReportType == HclReportType.Tdx ? "Intel TDX" : "AMD SEV-SNP";
        string tail = r.QuoteVerified ? "; TPM quote signed by HCLAkPub" : "; no TPM quote (freshness not shown)";
        string verdict = !r.IsValid
            ? r.Reason == AzureVtpmFailureReason.HardwareReportUnverifiable
                ? "runtime-claims binding valid, but " + AzureVtpmVerificationResult.TdReportUnverifiable
                : r.Message
            : r.Tdx is { Quote: { } tdq } tdx
                ? $"Azure vTPM HCL report ({inner} inside), TD quote v{tdq.Version}, PCK chain to Intel SGX Root CA"
                  + (tdx.TcbStatus is { } s ? $", TCB {s}" : ", TCB status not evaluated (no collateral)")
                  + "; the quote carries the TDREPORT's fields; runtime claims bound" + tail
                : $"Azure vTPM HCL report ({inner} inside), {r.Snp!.Product}, signed by {SignerName(r.Snp)}; runtime claims bound" + tail;
        bool? bound = evidence.ExpectedReportData is not null && r.QuoteVerified ? true : null;
        var o = new Outcome
        {
            Valid = r.IsValid, Kind = $"Azure HCL report ({inner})", Reason = r.Reason.ToString(), Verdict = verdict,
            Warnings = r.Tdx?.Warnings ?? [],
            // The runtime-claims binding binds the AK, not our report_data: only a quote over SHA-256 of the evidence's
            // binding counts for the policy's binding rule.
            PolicyInput = r.Snp?.Report is { } rep
                ? PolicyInput.FromSnp(rep, bound, null, evidence.Simulated)
                : r.IsValid && r.Tdx?.Quote is { } paired ? PolicyInput.FromTdx(paired, bound, null, evidence.Simulated) with { TdxTcbStatus = r.Tdx.TcbStatus } : null,
        };
        if (r.Report is { } hcl)
        {
            Add(o, "hcl_version", hcl.Version.ToString(CultureInfo.InvariantCulture));
            Add(o, "report_type", hcl.ReportType.ToString());
            Add(o, "hash_type", hcl.HashType.ToString());
            Add(o, "runtime_claims_bytes", hcl.RuntimeClaimsBytes.Length.ToString(CultureInfo.InvariantCulture));
            Add(o, "runtime_claims_bound", r.BindingValid ? "yes" : "no");
            Add(o, "report_data", Convert.ToHexStringLower(hcl.ReportData.Span));
            if (r.Claims is { } claims)
            {
                Add(o, "claims_keys", string.Join(", ", claims.KeyIds));
                if (claims.VmConfiguration is { } vm) Add(o, "vm_configuration", vm.GetRawText());
            }
            if (r.Quote is { } q) Add(o, "tpm_quote_pcrs", string.Join(",", q.PcrSelection.SelectMany(s => s.Pcrs)));
            if (r.Snp?.Report is { } snp) AddSnpFields(o, snp, r.Snp.Product);
            if (r.MismatchedField is { } field) Add(o, "td_quote_mismatch", field);
            if (r.Tdx?.Quote is { } tq)
            {
                Add(o, "td_quote_version", tq.Version.ToString(CultureInfo.InvariantCulture));
                Add(o, "td_attributes", $"{(ulong)tq.Body.TdAttributes:x16} (debug {(tq.Body.TdAttributes.IsDebug() ? "on" : "off")})");
                Add(o, "mrtd", Convert.ToHexStringLower(tq.Body.MrTd.Span));
                for (int i = 0; i < tq.Body.Rtmrs.Count; i++) Add(o, $"rtmr{i}", Convert.ToHexStringLower(tq.Body.Rtmrs[i].Span));
                Add(o, "td_quote_report_data", Convert.ToHexStringLower(tq.Body.ReportData.Span));
                if (r.Tdx.Pck is { } pck) Add(o, "fmspc", pck.FmspcHex);
                if (r.Tdx.TcbStatus is { } st) Add(o, "tcb_status", st.ToString());
            }
        }
        return o;
    }

    private static void Add(Outcome o, string key, string value) => o.Fields.Add(new(key, value));
}
