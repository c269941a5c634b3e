using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Platforms.AzureVtpm;
using TeeWasm.Attestation.Platforms.Snp;
using TeeWasm.Attestation.Platforms.Tdx;
using TeeWasm.Attestation.Policy;
using TeeWasm.Attestation.Tpm;

namespace TeeWasm.Attestation.KeyBroker.Trustee;

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
    public static AppraisedEvidence Appraise(TrusteeAzVtpmEvidence evidence, byte[] runtimeDataHash, AppraisalOptions options)
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

        var verify = (X509Certificate2[] certificates, IReadOnlyList<X509Certificate2>? roots) => AzureVtpmVerifier.Verify(hcl, new AzureVtpmVerificationOptions
        {
            Certificates = certificates,
            TrustedRoots = roots,
            VerificationTime = now,
            TdQuote = evidence.TdQuote,
            TdxOptions = new TdxVerificationOptions { VerificationTime = now, Collateral = options.TdxCollateral, TrustedRootOverride = options.TdxTrustedRootOverride },
            Quote = quote,
            RequireQuote = true,
            ExpectedNonce = runtimeDataHash,
            PcrValues = evidence.Pcrs,
            PcrSelection = TpmPcrSelection.AllSha256,
        });
        var verdict = verify(vcek is null ? [] : [vcek], null);
        bool simulated = false;
        if (verdict.Reason == AzureVtpmFailureReason.HardwareReportInvalid && verdict.Snp!.Reason is SnpFailureReason.WrongRoot or SnpFailureReason.ChainInvalid
            && options.SimulatorRoot is { } simRoot && options.SimulatorAsk is { } simAsk)
        {
            var sim = verify([vcek!, simAsk], [simRoot]);
            if (sim.IsValid) { verdict = sim; simulated = true; }
            else if (sim.Snp?.Reason is not (SnpFailureReason.WrongRoot or SnpFailureReason.ChainInvalid)) verdict = sim;
        }
        if (!verdict.IsValid) throw new AttestationException($"Azure vTPM evidence rejected ({verdict.Reason}): {verdict.Message}");

        string? userData = verdict.Claims!.UserData;
        byte[]? userBytes = null;
        try { if (userData is not null) userBytes = Convert.FromHexString(userData); } catch (FormatException) { }
        if (userBytes is null || userBytes.Length < runtimeDataHash.Length
            || !CryptographicOperations.FixedTimeEquals(userBytes.AsSpan(0, runtimeDataHash.Length), runtimeDataHash))
            throw new AttestationException($"HCL user-data does not bind runtime-data (nonce and tee-pubkey): it is {userData ?? "absent"}");

        const string Bound = "; runtime claims bound; TPM quote by HCLAkPub over the runtime-data hash and PCRs; HCL user-data binds it";
        if (tdx)
        {
            var td = verdict.Tdx!;
            return new AppraisedEvidence
            {
                Platform = TeeType.IntelTdx.ToAbiName(),
                Simulated = false,
                Measurement = Convert.ToHexStringLower(td.Quote!.Body.MrTd.Span),
                ModuleHash = "",
                BindsModule = false,
                Debug = td.Quote.Body.TdAttributes.IsDebug(),
                PolicyInput = PolicyInput.FromTdx(td.Quote, reportDataBound: true, now) with { TdxTcbStatus = td.TcbStatus },
                Note = "Azure vTPM: TD quote (PCK chain to the Intel SGX Root CA"
                    + (td.TcbStatus is { } status ? $"; TCB {status}" : "; TCB status not evaluated (no collateral)") + ") carries the TDREPORT's fields" + Bound,
            };
        }
        var r = verdict.Snp!.Report!;
        if (r.Vmpl != 0) throw new AttestationException($"SNP report inside the HCL report is from VMPL {r.Vmpl}, not 0");
        return new AppraisedEvidence
        {
            Platform = TeeType.AmdSevSnp.ToAbiName(),
            Simulated = simulated,
            Measurement = Convert.ToHexStringLower(r.Measurement),
            ModuleHash = "",
            BindsModule = false,
            Debug = r.DebugAllowed,
            PolicyInput = PolicyInput.FromSnp(r, reportDataBound: true, now, simulated),
            Note = (simulated ? "Azure vTPM: SNP report chained to the simulator root" : $"Azure vTPM: SNP report signed by {r.SigningKey}, chain to the AMD {verdict.Snp.Product} root")
                + Bound,
        };
    }
}
