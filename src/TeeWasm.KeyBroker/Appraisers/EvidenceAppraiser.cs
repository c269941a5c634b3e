using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Policy;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.KeyBroker.Appraisers;

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
    /// <summary>SHA-256 of the launch's workload document bound into report_data (hex), or null when the launch is not bound.</summary>
    public string? WorkloadSha256 { get; init; }
    /// <summary>The workload document the evidence carries (its digest checked), or null.</summary>
    public WorkloadIdentity? Workload { get; init; }
    /// <summary>
    /// The verified report (and TDX TCB status, when collateral was given) for a rule's <c>attestation</c> policy
    /// (<see cref="PolicyEvaluator"/>); report_data is bound to this session, the evidence time is the appraisal's.
    /// </summary>
    public PolicyInput? PolicyInput { get; init; }

    /// <summary>The broker's view of an appraisal of verified evidence, its policy input aged from <paramref name="now"/>.</summary>
    public static AppraisedEvidence From(Appraisal appraisal, byte[] moduleHash, DateTimeOffset now) => new()
    {
        Platform = appraisal.Claims!.Platform,
        Simulated = appraisal.Claims.Simulated,
        Measurement = Convert.ToHexStringLower(appraisal.Claims.Measurement),
        ModuleHash = Convert.ToHexStringLower(moduleHash),
        Debug = appraisal.Claims.Debug,
        PolicyInput = appraisal.PolicyInput is { } input ? input with { EvidenceTime = now } : null,
        Note = appraisal.Note!,
    };
}

/// <summary>Settings of an <see cref="EvidenceAppraiser"/>.</summary>
public sealed record AppraisalOptions
{
    /// <summary>The simulator root to accept besides AMD's roots, or null to refuse simulated evidence outright.</summary>
    public X509Certificate2? SimulatorRoot { get; init; }
    /// <summary>The simulator's ASK, for evidence that carries only the VCEK (Trustee <c>az-snp-vtpm</c>); null with no simulator root.</summary>
    public X509Certificate2? SimulatorAsk { get; init; }
    /// <summary>How TDX quotes are verified (collateral for the TCB status…).</summary>
    public TdxVerifierOptions Tdx { get; init; } = new();
    /// <summary>The clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Fetches what the evidence lacks (the VCEK, AMD's CRL; TDX collateral when <see cref="Tdx"/> has none); null stays offline.</summary>
    public ICollateralFetcher? CollateralFetcher { get; init; }

    /// <summary>The SNP verifier these options make.</summary>
    /// <summary>The SNP verifier with what was fetched for one report (certificates, CRL), when anything was.</summary>
    internal SnpEvidenceVerifier SnpVerifierWith(SnpFetchedCollateral? fetched) => new(new SnpVerifierOptions
    {
        SimulatorRoots = SimulatorRoot is { } root ? [root] : [],
        SimulatorIntermediates = SimulatorAsk is { } ask ? [ask] : [],
        Certificates = fetched?.Certificates ?? [],
        Crls = fetched?.Crls ?? [],
        CrlUnavailable = fetched?.CrlUnavailable,
    });
}

/// <summary>
/// The key broker's verifier of TeeWasm evidence JSON as the <see cref="TeeWasm.Attestation.Attester"/> produces it: checks that its binding
/// carries the expected nonce, takes report_data from the binding's scheme (<see cref="EvidenceDocument.GetBinding"/>),
/// and appraises the SNP report (VCEK/VLEK → ASK/ASVK → AMD ARK, or → the simulator root when one is given) or the TDX
/// quote (DCAP, PCK chain → Intel root) with the platform's verifier.
/// </summary>
public static class EvidenceAppraiser
{
    /// <summary>Appraises <paramref name="evidenceJson"/>; <paramref name="expectedNonce"/> is the binding nonce of this session.</summary>
    /// <exception cref="AttestationException">Why the evidence is not acceptable.</exception>
    public static AppraisedEvidence Appraise(string evidenceJson, ReadOnlySpan<byte> expectedNonce, AppraisalOptions options)
    {
        EvidenceDocument document;
        string teeType;
        try
        {
            document = EvidenceDocument.Parse(evidenceJson);
            teeType = document.RequireString("tee_type");
            document.RequireString("report");
            if (!document.HasBinding) throw new KeyNotFoundException("The given key was not present in the dictionary.");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException or AttestationException)
        {
            throw new AttestationException($"evidence is not TeeWasm evidence JSON (tee_type, report, certificates, binding): {e.Message}", e);
        }
        // The binding's scheme (teewasm, maa, ita) says how report_data derives from module, host key and nonce; reading
        // it checks that a service scheme's runtime data names the same three.
        var bound = document.GetBinding();
        if (!bound.Nonce.AsSpan().SequenceEqual(expectedNonce))
            throw new AttestationException("evidence is not bound to this challenge and TEE key (stale, replayed, or for another key)");
        byte[] report = document.GetBase64("report")!;
        AppraisedEvidence appraised = teeType switch
        {
            SnpEvidence.TeeTypeName => Snp(report, [.. document.GetStrings("certificates") ?? []], bound.ReportData, bound.ModuleHash, options),
            TdxEvidence.TeeTypeName => Tdx(report, bound.ReportData, bound.ModuleHash, options),
            _ => throw new AttestationException($"evidence of platform '{teeType}' is not supported ({SnpEvidence.TeeTypeName}, {TdxEvidence.TeeTypeName})"),
        };
        // The workload digest is part of what report_data binds (checked just now); its document, when carried, hashes to it.
        return appraised with
        {
            WorkloadSha256 = bound.WorkloadSha256 is { } w ? Convert.ToHexStringLower(w) : null,
            Workload = bound.Workload,
        };
    }

    internal static AppraisedEvidence Snp(byte[] report, IReadOnlyList<string?> pems, byte[] reportData, byte[] moduleHash, AppraisalOptions options)
    {
        var certificates = new X509Certificate2Collection();
        foreach (string? pem in pems) certificates.ImportFromPem(pem);
        var now = options.Time.GetUtcNow();
        SnpFetchedCollateral? fetched = null;
        if (options.CollateralFetcher is { } fetcher && !certificates.Any(c => c.PublicKey.Oid.Value == "1.2.840.10045.2.1"))
        {
            try
            {
                fetched = SnpCollateralFetch.For(fetcher, report, [.. certificates], product: null);
            }
            catch (Exception e) when (e is CollateralUnavailableException or VerificationInputException)
            {
                throw new AttestationException("SNP evidence carries no VCEK and fetching it failed: " + e.Message, e);
            }
        }
        var appraisal = options.SnpVerifierWith(fetched).Verify(new SnpEvidence { Report = report, Certificates = [.. certificates] },
            new VerificationContext { ExpectedReportData = reportData, Time = now });
        if (!appraisal.EvidenceValid)
        {
            bool claimsSimulated = certificates.Any(c => c.Subject.Contains("TeeWasm Simulator", StringComparison.Ordinal));
            throw new AttestationException(claimsSimulated && options.SimulatorRoot is null
                ? "simulated platform refused: this broker's policy allows no simulated platform"
                : $"SNP report rejected ({appraisal.Reason}): {appraisal.Message}");
        }
        return AppraisedEvidence.From(appraisal, moduleHash, now);
    }

    internal static AppraisedEvidence Tdx(byte[] quote, byte[] reportData, byte[] moduleHash, AppraisalOptions options,
        string boundInputs = "module, host key and nonce")
    {
        var now = options.Time.GetUtcNow();
        TdxVerifierOptions tdx = options.Tdx;
        if (tdx.Collateral is null && options.CollateralFetcher is { } fetcher)
        {
            try
            {
                tdx = tdx with { Collateral = TdxCollateralFetch.For(fetcher, quote) };
            }
            catch (Exception e) when (e is CollateralUnavailableException or VerificationInputException)
            {
                throw new AttestationException("fetching the quote's collateral from Intel PCS failed: " + e.Message, e);
            }
        }
        var appraisal = new TdxEvidenceVerifier(tdx).Verify(new TdxEvidence { Quote = quote },
            new VerificationContext { ExpectedReportData = reportData, Time = now });
        if (appraisal.Reason == TdxEvidenceVerifier.ReportDataMismatch) throw new AttestationException($"TDX quote report_data does not bind {boundInputs}");
        if (!appraisal.EvidenceValid) throw new AttestationException($"TDX quote rejected ({appraisal.Reason}): {appraisal.Message}");
        return AppraisedEvidence.From(appraisal, moduleHash, now);
    }
}
