using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Policy;

namespace TeeWasm.Attestation.KeyBroker;

/// <summary>What the broker's appraisal of a piece of evidence established.</summary>
public sealed record AppraisedEvidence
{
    /// <summary>"AMD SEV-SNP" or "Intel TDX".</summary>
    public required string Platform { get; init; }
    /// <summary>True when the report chains to the simulator root (never taken from the evidence's own flag).</summary>
    public required bool Simulated { get; init; }
    /// <summary>Launch measurement (hex).</summary>
    public required string Measurement { get; init; }
    /// <summary>SHA-256 of the guest module bound into report_data (hex).</summary>
    public required string ModuleHash { get; init; }
    /// <summary>Whether the guest can be debugged (SNP policy bit, TD attributes).</summary>
    public required bool Debug { get; init; }
    /// <summary>What was verified, in words.</summary>
    public required string Note { get; init; }
    /// <summary>False for evidence whose report_data does not bind the guest module (Trustee format): module rules cannot hold.</summary>
    public bool BindsModule { get; init; } = true;
    /// <summary>
    /// The verified report (and TDX TCB status, when collateral was given) for a rule's <c>attestation</c> policy
    /// (<see cref="Policy.PolicyEvaluator"/>); report_data is bound to this session, the evidence time is the appraisal's.
    /// </summary>
    public PolicyInput? PolicyInput { get; init; }
}

/// <summary>Settings of an <see cref="EvidenceAppraiser"/>.</summary>
public sealed record AppraisalOptions
{
    /// <summary>The simulator root to accept besides AMD's roots, or null to refuse simulated evidence outright.</summary>
    public X509Certificate2? SimulatorRoot { get; init; }
    /// <summary>The simulator's ASK, for evidence that carries only the VCEK (Trustee <c>az-snp-vtpm</c>); null with no simulator root.</summary>
    public X509Certificate2? SimulatorAsk { get; init; }
    /// <summary>TDX collateral for the TCB status, or null.</summary>
    public TdxCollateral? TdxCollateral { get; init; }
    /// <summary>The clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
    /// <summary>Test hook: a root to trust for TD quotes inside Azure vTPM evidence instead of Intel's. Never set in production.</summary>
    internal X509Certificate2? TdxTrustedRootOverride { get; init; }
}

/// <summary>
/// The key broker's verifier: reads the evidence JSON the <see cref="Attester"/> produces, checks that its binding
/// carries the expected nonce, recomputes report_data by the binding's scheme (<see cref="VmBinding.FromJson"/>),
/// and verifies the SNP report (VCEK/VLEK → ASK/ASVK → AMD ARK, or → the simulator root when one is given) or the TDX
/// quote (DCAP, PCK chain → Intel root).
/// </summary>
public static class EvidenceAppraiser
{
    /// <summary>Appraises <paramref name="evidenceJson"/>; <paramref name="expectedNonce"/> is the binding nonce of this session.</summary>
    /// <exception cref="AttestationException">Why the evidence is not acceptable.</exception>
    public static AppraisedEvidence Appraise(string evidenceJson, ReadOnlySpan<byte> expectedNonce, AppraisalOptions options)
    {
        string teeType;
        byte[] report;
        string[] pems;
        JsonElement binding;
        try
        {
            var root = JsonDocument.Parse(evidenceJson).RootElement;
            teeType = root.GetProperty("tee_type").GetString()!;
            report = Convert.FromBase64String(root.GetProperty("report").GetString()!);
            pems = root.TryGetProperty("certificates", out var c) ? c.EnumerateArray().Select(x => x.GetString()!).ToArray() : [];
            binding = root.GetProperty("binding").Clone();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            throw new AttestationException($"evidence is not TeeWasm evidence JSON (tee_type, report, certificates, binding): {e.Message}", e);
        }
        // The binding's scheme (teewasm, maa, ita) says how report_data derives from module, host key and nonce;
        // FromJson checks that a service scheme's runtime data names the same three.
        var bound = VmBinding.FromJson(binding);
        if (!bound.Nonce.AsSpan().SequenceEqual(expectedNonce))
            throw new AttestationException("evidence is not bound to this challenge and TEE key (stale, replayed, or for another key)");
        byte[] moduleHash = bound.ModuleHash, reportData = bound.ReportData;
        return teeType switch
        {
            "AMD_SEV_SNP" => Snp(report, pems, reportData, moduleHash, options),
            "TDX" => Tdx(report, reportData, moduleHash, options),
            _ => throw new AttestationException($"evidence of platform '{teeType}' is not supported (AMD_SEV_SNP, TDX)"),
        };
    }

    internal static AppraisedEvidence Snp(byte[] report, string[] pems, byte[] reportData, byte[] moduleHash, AppraisalOptions options)
    {
        var certificates = new X509Certificate2Collection();
        foreach (string pem in pems) certificates.ImportFromPem(pem);
        var verify = (IReadOnlyList<X509Certificate2>? roots) => new SnpVerifier().Verify(report, new SnpVerificationOptions
        {
            Certificates = certificates.ToArray(),
            TrustedRoots = roots,
            ExpectedReportData = reportData,
            VerificationTime = options.Time.GetUtcNow(),
        });
        var verdict = verify(null);
        bool simulated = false;
        if (!verdict.IsValid && options.SimulatorRoot is { } simRoot)
        {
            var sim = verify([simRoot]);
            if (sim.IsValid) { verdict = sim; simulated = true; }
            // Chained to the simulator root but failed later (signature, report_data…): that is the reason to give.
            else if (sim.Reason is not (SnpFailureReason.WrongRoot or SnpFailureReason.ChainInvalid)) verdict = sim;
        }
        if (!verdict.IsValid)
        {
            bool claimsSimulated = certificates.Any(c => c.Subject.Contains("TeeWasm Simulator", StringComparison.Ordinal));
            throw new AttestationException(claimsSimulated && options.SimulatorRoot is null
                ? "simulated platform refused: this broker's policy allows no simulated platform"
                : $"SNP report rejected ({verdict.Reason}): {verdict.Message}");
        }
        var r = verdict.Report!;
        return new AppraisedEvidence
        {
            Platform = TeeType.AmdSevSnp.ToAbiName(),
            Simulated = simulated,
            Measurement = Convert.ToHexStringLower(r.Measurement),
            ModuleHash = Convert.ToHexStringLower(moduleHash),
            Debug = r.DebugAllowed,
            PolicyInput = PolicyInput.FromSnp(r, reportDataBound: true, options.Time.GetUtcNow(), simulated),
            Note = simulated ? "SNP report chained to the simulator root" : $"SNP report signed by {r.SigningKey}, chain to the AMD {verdict.Product} root",
        };
    }

    internal static AppraisedEvidence Tdx(byte[] quote, byte[] reportData, byte[] moduleHash, AppraisalOptions options,
        string boundInputs = "module, host key and nonce") =>
        FromTdxVerdict(
            TdxQuoteVerifier.Verify(quote, new TdxVerificationOptions { Collateral = options.TdxCollateral, VerificationTime = options.Time.GetUtcNow() }),
            reportData, moduleHash, options.Time.GetUtcNow(), boundInputs);

    /// <summary>The appraisal of a TDX quote <see cref="TdxQuoteVerifier"/> has judged: valid and bound to <paramref name="reportData"/>, or why not.</summary>
    internal static AppraisedEvidence FromTdxVerdict(TdxVerificationResult verdict, byte[] reportData, byte[] moduleHash, DateTimeOffset now,
        string boundInputs = "module, host key and nonce")
    {
        if (!verdict.IsValid) throw new AttestationException($"TDX quote rejected ({verdict.Reason}): {verdict.Message}");
        var body = verdict.Quote!.Body;
        if (!body.ReportData.Span.SequenceEqual(reportData))
            throw new AttestationException($"TDX quote report_data does not bind {boundInputs}");
        return new AppraisedEvidence
        {
            Platform = TeeType.IntelTdx.ToAbiName(),
            Simulated = false,
            Measurement = Convert.ToHexStringLower(body.MrTd.Span),
            ModuleHash = Convert.ToHexStringLower(moduleHash),
            Debug = body.TdAttributes.IsDebug(),
            PolicyInput = PolicyInput.FromTdx(verdict.Quote, reportDataBound: true, now) with { TdxTcbStatus = verdict.TcbStatus },
            Note = "TDX quote: PCK chain to the Intel SGX Root CA" + (verdict.TcbStatus is { } s ? $"; TCB {s}" : "; TCB status not evaluated (no collateral)"),
        };
    }
}
