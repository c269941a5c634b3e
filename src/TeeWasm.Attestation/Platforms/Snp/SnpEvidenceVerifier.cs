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

    /// <summary>AMD's CRLs (KDS <c>/vcek/v1/{product}/crl</c>, issued by the ARK) to check the ASK/ASVK and VCEK/VLEK against; none: revocation is a visible SKIP.</summary>
    public IReadOnlyList<CertificateRevocationList> Crls { get; init; } = [];

    /// <summary>Why no CRL is at hand although one was asked for (a fetch that failed); shown in the revocation SKIP.</summary>
    public string? CrlUnavailable { get; init; }
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

    /// <summary>The check of AMD's CRL.</summary>
    public const string RevocationCheck = "revocation";

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
              + (expected is null ? "" : context.ExpectedReportData is null ? "; report_data matches the binding" : "; report_data as expected")
            : r.Message;
        IReadOnlyList<KeyValuePair<string, string>> fields = r.Report is { } parsed ? new DeferredList<KeyValuePair<string, string>>(() => Fields(parsed, r.Product)) : [];
        AppraisalCheck revocation = Revocation(r, chainSimulated, context.Now);
        if (revocation.Status == CheckStatus.Fail)
        {
            return new Appraisal
            {
                Kind = Kind, EvidenceValid = false, Reason = revocation.Code!, Message = revocation.Reason, Fields = fields,
                Checks = [VmAppraisal.SignatureAndChain(false, revocation.Reason, revocation.Code), revocation],
            };
        }
        var checks = new List<AppraisalCheck> { VmAppraisal.SignatureAndChain(r.IsValid, verdict, r.Reason.ToString()), revocation };
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

    /// <summary>
    /// The <c>revocation</c> check: the ASK/ASVK and VCEK/VLEK against AMD's CRL of the ARK the chain ended at (its
    /// RSA-PSS signature by that ARK and its freshness checked first); a visible SKIP without a CRL.
    /// </summary>
    private AppraisalCheck Revocation(SnpVerificationResult r, bool simulated, DateTimeOffset now)
    {
        if (!r.IsValid || r.Root is not { } ark || r.Intermediate is not { } ask || r.SigningCertificate is not { } leaf)
            return AppraisalCheck.Untrusted(RevocationCheck);
        if (simulated) return new(RevocationCheck, CheckStatus.Skip, "not checked: the simulator publishes no CRL");
        if (_options.Crls.Count == 0)
            return new(RevocationCheck, CheckStatus.Skip, _options.CrlUnavailable is { } why
                ? "not checked: AMD's CRL could not be fetched: " + why
                : "not checked: no AMD CRL given (--collateral DIR with the KDS CRL, or --fetch)");
        string arkName = CertificateChain.Name(ark);
        CertificateRevocationList? crl = _options.Crls.FirstOrDefault(c => c.Issuer.RawData.AsSpan().SequenceEqual(ark.SubjectName.RawData));
        if (crl is null)
            return new(RevocationCheck, CheckStatus.Skip, $"not checked: no CRL of {arkName} among the CRLs given (they are {string.Join(", ", _options.Crls.Select(c => c.IssuerName))}'s)");
        string source = crl.Source.Length > 0 ? $" ({crl.Source})" : "";
        if (!AmdCertificateSignature.VerifySigned(crl.RawData, ark, out string? error))
            return new(RevocationCheck, CheckStatus.Fail, $"AMD CRL{source} is not signed by {arkName}: {error}") { Code = "CrlInvalid" };
        if (!crl.IsCurrent(now))
            return new(RevocationCheck, CheckStatus.Fail,
                $"AMD CRL of {arkName}{source} is not current (thisUpdate {crl.ThisUpdate:u}, nextUpdate {crl.NextUpdate:u}, verification time {now:u})") { Code = "CrlExpired" };
        foreach (X509Certificate2 c in (ReadOnlySpan<X509Certificate2>)[ask, leaf])
        {
            if (crl.IsRevoked(c))
                return new(RevocationCheck, CheckStatus.Fail,
                    $"certificate '{CertificateChain.Name(c)}' (serial {c.SerialNumber}) is revoked by AMD's CRL of {arkName}{source}") { Code = "CertificateRevoked" };
        }
        return new(RevocationCheck, CheckStatus.Pass,
            $"'{CertificateChain.Name(ask)}' and the {(r.Report?.SigningKey == SnpSigningKey.Vlek ? "VLEK" : "VCEK")} are not in AMD's CRL of {arkName}{source} (thisUpdate {crl.ThisUpdate:yyyy-MM-dd}, nextUpdate {crl.NextUpdate:yyyy-MM-dd})");
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
        new("product", r.Product != SnpProduct.Unknown
            ? string.Create(CultureInfo.InvariantCulture, $"{r.Product} (report CPUID family 0x{r.CpuidFamilyId:x2} model 0x{r.CpuidModelId:x2})")
            : chainProduct != SnpProduct.Unknown ? $"{chainProduct} (from the certificate chain: a version {r.Version} report carries no CPUID)" : "unknown"),
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
