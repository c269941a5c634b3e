using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.AzureVtpm;
using TeeWasm.Attestation.Policy;
using TeeWasm.Attestation.Snp;
using TeeWasm.Attestation.Tdx;

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

    public static Outcome Verify(EvidenceFile evidence, Settings settings) => evidence.Kind switch
    {
        EvidenceKind.SnpReport => Snp(evidence, settings),
        EvidenceKind.TdxQuote => Tdx(evidence, settings),
        _ => Azure(evidence, settings),
    };

    private static Outcome Snp(EvidenceFile evidence, Settings settings)
    {
        var r = new SnpVerifier().Verify(evidence.Report, new SnpVerificationOptions { Certificates = settings.Certificates, VerificationTime = settings.Time });
        string verdict = r.IsValid
            ? $"AMD SEV-SNP report, {r.Product}, signed by {SignerName(r)}, chain to the AMD {r.Product} ARK"
            : r.Message;
        var o = new Outcome
        {
            Valid = r.IsValid, Kind = "AMD SEV-SNP report", Reason = r.Reason.ToString(), Verdict = verdict,
            PolicyInput = r.Report is { } rep ? PolicyInput.FromSnp(rep, null, null, evidence.Simulated) : null,
        };
        if (r.Report is { } report) AddSnpFields(o, report, r.Product);
        return o;
    }

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
        string version = r.Quote is { } q ? $"v{q.Version}" : "";
        string verdict = r.IsValid
            ? $"Intel TDX quote {version}, PCK chain to Intel SGX Root CA" + (r.TcbStatus is { } s ? $", TCB {s}" : ", TCB status not evaluated (no collateral)")
            : r.Message;
        var o = new Outcome
        {
            Valid = r.IsValid, Kind = "Intel TDX quote", Reason = r.Reason.ToString(), Verdict = verdict, Warnings = r.Warnings,
            PolicyInput = r.Quote is { } quote ? PolicyInput.FromTdx(quote, null, null, evidence.Simulated) : null,
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
            VerificationTime = settings.Time,
            Quote = evidence.Quote,
            ExpectedNonce = evidence.QuoteNonce,
            PcrValues = evidence.PcrValues,
            PcrSelection = evidence.PcrSelection ?? TeeWasm.Attestation.Tpm.TpmPcrSelection.AllSha256,
        });
        string inner = r.Report?.ReportType == HclReportType.Tdx ? "Intel TDX" : "AMD SEV-SNP";
        string verdict = r.IsValid
            ? $"Azure vTPM HCL report ({inner} inside), {r.Snp!.Product}, signed by {SignerName(r.Snp)}; runtime claims bound"
              + (r.QuoteVerified ? "; TPM quote signed by HCLAkPub" : "; no TPM quote (freshness not shown)")
            : r.Reason == AzureVtpmFailureReason.HardwareReportUnverifiable
                ? "runtime-claims binding valid, but " + AzureVtpmVerificationResult.TdReportUnverifiable
                : r.Message;
        var o = new Outcome
        {
            Valid = r.IsValid, Kind = $"Azure HCL report ({inner})", Reason = r.Reason.ToString(), Verdict = verdict,
            // As for bare SNP/TDX evidence, verify knows no expected report_data binding: the runtime-claims binding is a
            // different thing (it binds the AK, not a relying party's nonce), so the policy's binding rule stays unchecked.
            PolicyInput = r.Snp?.Report is { } rep ? PolicyInput.FromSnp(rep, null, null, evidence.Simulated) : null,
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
        }
        return o;
    }

    private static void Add(Outcome o, string key, string value) => o.Fields.Add(new(key, value));
}
