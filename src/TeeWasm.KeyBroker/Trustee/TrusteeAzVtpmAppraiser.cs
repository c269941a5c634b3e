using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Services.Kbs.Trustee;
using TeeWasm.KeyBroker.Appraisers;
using TeeWasm.Attestation.Tpm;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.KeyBroker.Trustee;

/// <summary>
/// The broker's check of Trustee <c>az-snp-vtpm</c> / <c>az-tdx-vtpm</c> evidence, as Trustee's verifiers do it: the TPM
/// quote is signed by the HCLAkPub of runtime claims bound to the hardware report, its extraData is the runtime-data
/// hash, its PCR digest matches the PCRs sent, the claims' <c>user-data</c> starts with the runtime-data hash; SNP: the
/// report is from VMPL 0 and chains VCEK → ASK → AMD ARK (or the simulator root, when the broker accepts simulated
/// platforms); TDX: the TD quote verifies (PCK chain → Intel root) and carries the TDREPORT's fields.
/// </summary>
public static class TrusteeAzVtpmAppraiser
{
    /// <summary>Appraises the evidence against <paramref name="runtimeDataHash"/> (unpadded).</summary>
    /// <exception cref="AttestationException">Why the evidence is not acceptable.</exception>
    public static AppraisedEvidence Appraise(TrusteeAzVtpmEvidence evidence, byte[] runtimeDataHash, TrusteeAppraisalOptions options)
    {
        if (!HclReport.TryParse(evidence.HclReport, out var hcl, out string? error))
            throw new AttestationException("Azure vTPM evidence rejected (Malformed): malformed HCL report: " + error);
        bool tdx = evidence.TdQuote is not null;
        if (hcl.ReportType != (tdx ? HclReportType.Tdx : HclReportType.Snp))
            throw new AttestationException($"{evidence.Tee} evidence holds a {hcl.ReportType} HCL report");
        if (evidence.Pcrs.Count != TpmPcrSelection.PcrCount || evidence.Pcrs.Any(p => p.Length != SHA256.HashSizeInBytes))
            throw new AttestationException($"{evidence.Tee} evidence must carry SHA-256 PCRs 0..23");
        X509Certificate2? vcek;
        TpmQuote quote;
        try
        {
            vcek = tdx ? null : X509CertificateLoader.LoadCertificate(evidence.Vcek!);
            quote = evidence.ToTpmQuote();
        }
        catch (Exception e) when (e is CryptographicException or TpmException or OverflowException)
        {
            throw new AttestationException($"{evidence.Tee} evidence: unreadable vcek or quote signature: {e.Message}", e);
        }
        var now = options.Time.GetUtcNow();
        var azure = new AzureVtpmEvidence
        {
            HclReport = evidence.HclReport, TdQuote = evidence.TdQuote, Certificates = vcek is null ? [] : [vcek], Quote = quote,
            Pcrs = evidence.Pcrs, PcrSelection = TpmPcrSelection.AllSha256,
        };
        var appraisal = new AzureVtpmEvidenceVerifier(new AzureVtpmVerifierOptions
        {
            Tdx = options.Tdx,
            RequireQuote = true,
            ExpectedQuoteNonce = runtimeDataHash,
            SimulatorRoots = options.SimulatorRoot is { } root && options.SimulatorAsk is not null ? [root] : [],
            SimulatorIntermediates = options.SimulatorAsk is { } ask ? [ask] : [],
        }).Verify(azure, new VerificationContext { Time = now });
        if (!appraisal.EvidenceValid) throw new AttestationException($"Azure vTPM evidence rejected ({appraisal.Reason}): {appraisal.Message}");

        string? userData = RuntimeClaims.Parse(hcl.RuntimeClaimsBytes.Span).UserData;
        byte[]? userBytes = null;
        try { if (userData is not null) userBytes = Convert.FromHexString(userData); } catch (FormatException) { }
        if (userBytes is null || userBytes.Length < runtimeDataHash.Length
            || !CryptographicOperations.FixedTimeEquals(userBytes.AsSpan(0, runtimeDataHash.Length), runtimeDataHash))
            throw new AttestationException($"HCL user-data does not bind runtime-data (nonce and tee-pubkey): it is {userData ?? "absent"}");

        if (!tdx && appraisal.PolicyInput?.Claims is SnpPolicyClaims { Report.Vmpl: not 0 } snp)
            throw new AttestationException($"SNP report inside the HCL report is from VMPL {snp.Report.Vmpl}, not 0");
        const string Bound = "; runtime claims bound; TPM quote by HCLAkPub over the runtime-data hash and PCRs; HCL user-data binds it";
        var appraised = AppraisedEvidence.From(appraisal, [], now);
        return appraised with { ModuleHash = "", BindsModule = false, Note = appraised.Note + Bound };
    }
}
