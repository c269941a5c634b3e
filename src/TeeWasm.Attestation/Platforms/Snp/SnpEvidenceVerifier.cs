using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Verification;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Platforms.Snp;

/// <summary>What an <see cref="SnpEvidenceVerifier"/> trusts and adds to the evidence.</summary>
public sealed record SnpVerifierOptions
{
    /// <summary>Certificates to use besides those of the evidence (a VCEK/VLEK file, an ASK/ASVK and ARK chain).</summary>
    public IReadOnlyList<X509Certificate2> Certificates { get; init; } = [];

    /// <summary>The ARKs to trust; null trusts AMD's Milan, Genoa and Turin ARKs.</summary>
    public IReadOnlyList<X509Certificate2>? TrustedRoots { get; init; }

    /// <summary>Simulator roots tried when the trusted roots refuse the chain; a report that chains to one is simulated.</summary>
    public IReadOnlyList<X509Certificate2> SimulatorRoots { get; init; } = [];

    /// <summary>Intermediates for the simulator roots, for evidence that carries only the VCEK (Trustee <c>az-snp-vtpm</c>).</summary>
    public IReadOnlyList<X509Certificate2> SimulatorIntermediates { get; init; } = [];

    /// <summary>For VCEK-signed reports, require the VCEK's hwID to equal the report's CHIP_ID.</summary>
    public bool RequireChipIdMatch { get; init; } = true;

    /// <summary>A cache of verified VCEK/VLEK chains; null verifies the chain every time.</summary>
    public CertificateChainCache? ChainCache { get; init; }
}

/// <summary>
/// Verifies SEV-SNP evidence (<see cref="SnpVerifier"/>: VCEK/VLEK → ASK/ASVK → ARK, the report signature, TCB,
/// CHIP_ID, report_data = the binding) and appraises it: <c>signature and chain</c>, then <c>debug</c> and <c>vmpl</c>
/// (the default policy or the context's), then the policy's other rules.
/// </summary>
public sealed class SnpEvidenceVerifier(SnpVerifierOptions? options = null) : EvidenceVerifier<SnpEvidence>
{
    /// <summary>What the appraisal calls this evidence.</summary>
    public const string Kind = "AMD SEV-SNP report";

    private readonly SnpVerifierOptions _options = options ?? new SnpVerifierOptions();

    /// <inheritdoc />
    public override Appraisal Verify(SnpEvidence evidence, VerificationContext context)
    {
        if (evidence.BindingError is { } bindingError)
            return VmAppraisal.Rejected(Kind, "BindingInvalid", "evidence binding rejected: " + bindingError);
        byte[]? expected = context.ExpectedReportData ?? evidence.Binding?.ReportData;
        var (r, chainSimulated) = Check(evidence.Report, [.. evidence.Certificates, .. _options.Certificates], expected, context.Time);
        bool simulated = evidence.Simulated || chainSimulated;
        string verdict = r.IsValid
            ? (simulated
                ? $"{Kind} (SIMULATED: chain to the trusted simulator root), signed by {SignerName(r)}"
                : $"{Kind}, {r.Product}, signed by {SignerName(r)}, chain to the AMD {r.Product} ARK")
              + (expected is null ? "" : "; report_data matches the binding")
            : r.Message;
        IReadOnlyList<KeyValuePair<string, string>> fields = r.Report is { } parsed ? new DeferredList<KeyValuePair<string, string>>(() => Fields(parsed, r.Product)) : [];
        var checks = new List<AppraisalCheck> { VmAppraisal.SignatureAndChain(r.IsValid, verdict) };
        if (r.Report is { } report) checks.AddRange(SnpPolicyClaims.Checks(report, r.IsValid, context.Policy));
        if (!r.IsValid)
            return new Appraisal { Kind = Kind, EvidenceValid = false, Reason = r.Reason.ToString(), Message = verdict, Checks = checks, Fields = fields };

        var input = SnpPolicyClaims.Input(r.Report!, expected is null ? null : true, evidence.Time, simulated);
        var (policyCheck, rest) = VmAppraisal.Policy(context, input);
        if (policyCheck is not null) checks.Add(policyCheck);
        return new Appraisal
        {
            Kind = Kind, EvidenceValid = true, Reason = r.Reason.ToString(), Message = verdict, Checks = checks, Fields = fields,
            PolicyInput = input, Policy = rest,
            Note = chainSimulated ? "SNP report chained to the simulator root" : $"SNP report signed by {r.Report!.SigningKey}, chain to the AMD {r.Product} root",
            Claims = new EvidenceClaims
            {
                Platform = TeeType.AmdSevSnp.ToAbiName(), Subject = EvidenceSubject.Vm, Measurement = r.Report!.Measurement,
                ReportData = r.Report.ReportData, Debug = r.Report.DebugAllowed, Simulated = chainSimulated,
            },
        };
    }

    /// <summary>
    /// Runs the report checks against the trusted roots, then — when they refuse the chain and simulator roots are
    /// configured — against the simulator roots; true with a result that chained to a simulator root.
    /// </summary>
    internal (SnpVerificationResult Result, bool Simulated) Check(ReadOnlySpan<byte> report, IReadOnlyList<X509Certificate2> certificates,
        byte[]? expectedReportData, DateTimeOffset? time)
    {
        var verifier = new SnpVerifier();
        var verdict = verifier.Verify(report, new SnpVerificationOptions
        {
            Certificates = certificates, TrustedRoots = _options.TrustedRoots, ExpectedReportData = expectedReportData, VerificationTime = time,
            RequireChipIdMatch = _options.RequireChipIdMatch, ChainCache = _options.ChainCache,
        });
        if (verdict.IsValid || _options.SimulatorRoots.Count == 0) return (verdict, verdict.Root is { } root && IsSimulatorRoot(root));
        var sim = verifier.Verify(report, new SnpVerificationOptions
        {
            Certificates = [.. certificates, .. _options.SimulatorIntermediates], TrustedRoots = _options.SimulatorRoots,
            ExpectedReportData = expectedReportData, VerificationTime = time, RequireChipIdMatch = _options.RequireChipIdMatch,
        });
        // Chained to the simulator root but failed later (signature, report_data…): that is the reason to give.
        if (sim.IsValid) return (sim, true);
        return sim.Reason is SnpFailureReason.WrongRoot or SnpFailureReason.ChainInvalid ? (verdict, false) : (sim, false);
    }

    private bool IsSimulatorRoot(X509Certificate2 root) => _options.SimulatorRoots.Any(s => s.RawData.AsSpan().SequenceEqual(root.RawData));

    /// <summary>"VCEK (valid 2022-09-24 to 2029-09-24)".</summary>
    internal static string SignerName(SnpVerificationResult r)
    {
        string key = r.Report?.SigningKey == SnpSigningKey.Vlek ? "VLEK" : "VCEK";
        return r.SigningCertificate is { } c ? $"{key} (valid {c.NotBefore.ToUniversalTime():yyyy-MM-dd} to {c.NotAfter.ToUniversalTime():yyyy-MM-dd})" : key;
    }

    /// <summary>The decoded fields of a report.</summary>
    internal static List<KeyValuePair<string, string>> Fields(SnpReport r, SnpProduct chainProduct) =>
    [
        new("version", r.Version.ToString(CultureInfo.InvariantCulture)),
        new("product", (r.Product != SnpProduct.Unknown ? r.Product : chainProduct).ToString()),
        new("signing_key", r.SigningKey.ToString()),
        new("policy", $"0x{r.Policy:x} (debug {(r.DebugAllowed ? "allowed" : "off")}, SMT {(r.SmtAllowed ? "allowed" : "off")})"),
        new("vmpl", r.Vmpl.ToString(CultureInfo.InvariantCulture)),
        new("guest_svn", r.GuestSvn.ToString(CultureInfo.InvariantCulture)),
        new("measurement", Convert.ToHexStringLower(r.Measurement)),
        new("report_data", Convert.ToHexStringLower(r.ReportData)),
        new("reported_tcb", r.ReportedTcb.WithLayout(r.TcbLayout).ToString()),
        new("chip_id", Convert.ToHexStringLower(r.ChipId)),
    ];
}
