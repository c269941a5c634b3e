using System.Collections.Concurrent;
using System.Text.Json;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.KeyBroker.Appraisers;

/// <summary>
/// The key broker's appraiser of TeeWasm evidence JSON as the <see cref="Attester"/> produces it, for every platform of
/// the registration (<see cref="AttestationPlatforms"/>) whose evidence attests a VM: checks that the evidence's
/// binding carries this session's nonce, takes report_data from the binding's scheme
/// (<see cref="EvidenceDocument.GetBinding"/>), recognises the evidence by its platform's formats, and appraises it with
/// that platform's verifier (made once per platform from the broker's inputs, as <c>tee-wasm verify</c> makes it) against
/// that report_data. A new platform needs nothing here.
/// </summary>
public sealed class EvidenceAppraiser
{
    /// <summary>The refusal of simulated evidence by a broker that does not trust the simulator.</summary>
    public const string SimulatedRefused = "simulated platform refused: this broker's policy allows no simulated platform";

    private readonly AppraisalOptions _options;
    private readonly VerifyInputs _inputs;
    private readonly ConcurrentDictionary<EvidencePlatform, IEvidenceVerifier> _verifiers = new();

    /// <summary>Creates the appraiser.</summary>
    public EvidenceAppraiser(AppraisalOptions options)
    {
        _options = options;
        _inputs = new VerifyInputs(
            new VerifyOptions { CollateralDirectory = options.CollateralDirectory, TrustSimulator = options.SimulatorRoot is not null, Fetcher = options.CollateralFetcher },
            _ => [options.SimulatorRoot!]);
    }

    /// <summary>The platforms whose evidence this appraiser takes (every registered platform that attests a VM).</summary>
    public static IEnumerable<EvidencePlatform> Platforms => AttestationPlatforms.All.Where(p => p.Subject == EvidenceSubject.Vm);

    /// <summary>Appraises <paramref name="evidenceJson"/>; <paramref name="expectedNonce"/> is the binding nonce of this session.</summary>
    /// <exception cref="AttestationException">Why the evidence is not acceptable.</exception>
    public AppraisedEvidence Appraise(string evidenceJson, ReadOnlySpan<byte> expectedNonce)
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
            throw NotEvidence(e);
        }
        // The binding's scheme (teewasm, maa, ita) says how report_data derives from module, host key and nonce; reading
        // it checks that a service scheme's runtime data names the same three.
        var bound = document.GetBinding();
        if (!bound.Nonce.AsSpan().SequenceEqual(expectedNonce))
            throw new AttestationException("evidence is not bound to this challenge and TEE key (stale, replayed, or for another key)");

        EvidencePlatform? platform;
        AttestationEvidence? evidence = null;
        try
        {
            platform = Platforms.FirstOrDefault(p => p.Recognizes(document));
            if (platform is not null) evidence = platform.Read(document) with { Binding = bound };
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or KeyNotFoundException or AttestationException)
        {
            throw NotEvidence(e);
        }
        if (platform is null || evidence is null)
            throw new AttestationException($"evidence of platform '{teeType}' is not supported ({string.Join(", ", Platforms.Select(p => p.Name))})");
        // The broker's inputs are the same for every file (no --td-quote), so one verifier per platform serves every request.
        IEvidenceVerifier verifier = _verifiers.GetOrAdd(platform, p => p.CreateVerifier(_inputs,
            new EvidenceFile { Kind = p.RawName ?? p.Name, Platform = p, Items = [evidence] }));

        var now = _options.Time.GetUtcNow();
        Appraisal appraisal = verifier.Verify(evidence, new VerificationContext { ExpectedReportData = bound.ReportData, Time = now });
        string what = platform.RawName ?? platform.Name;
        // Whether it is simulated is the chain's to say; the evidence's own word only picks the message of a refusal.
        if (!appraisal.EvidenceValid)
            throw new AttestationException(document.Simulated && _options.SimulatorRoot is null ? SimulatedRefused : $"{what} rejected ({appraisal.Reason}): {appraisal.Message}");
        // A platform may verify evidence without proving its binding (an Azure HCL report without a TPM quote): not enough here.
        if (appraisal.PolicyInput is not { ReportDataBound: true } || appraisal.Claims is null)
            throw new AttestationException($"{what} does not prove that it is bound to this challenge and TEE key: {appraisal.Message}");
        // The workload digest is part of what report_data binds (checked just now); its document, when carried, hashes to it.
        return AppraisedEvidence.From(appraisal, bound.ModuleHash, now) with
        {
            WorkloadSha256 = bound.WorkloadSha256 is { } w ? Convert.ToHexStringLower(w) : null,
            Workload = bound.Workload,
        };
    }

    private static AttestationException NotEvidence(Exception e) =>
        new($"evidence is not TeeWasm evidence JSON (tee_type, report, certificates, binding): {e.Message}", e);
}
