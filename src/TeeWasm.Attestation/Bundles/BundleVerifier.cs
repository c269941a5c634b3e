using System.Text;
using System.Text.Json;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation.Bundles;

/// <summary>The verdict on a bundle: its own checks, the evidence's appraisal with the bundle's collateral, and each piece's validity.</summary>
/// <param name="Bundle">The bundle.</param>
/// <param name="Checks">Signature, signer, evidence, in order.</param>
/// <param name="Evidence">The appraisal of a VM or GPU result, when the bundle holds one and it could be read.</param>
/// <param name="Composite">The appraisal of a composite result, when the bundle holds one.</param>
/// <param name="Collateral">Each piece's validity window.</param>
/// <param name="Time">The verification time.</param>
public sealed record BundleAppraisal(SignedBundle Bundle, IReadOnlyList<AppraisalCheck> Checks, FileAppraisal? Evidence, CompositeAppraisal? Composite,
    IReadOnlyList<CollateralValidity> Collateral, DateTimeOffset Time)
{
    /// <summary>True when every check passed.</summary>
    public bool Valid => Checks.All(c => c.Status != CheckStatus.Fail);

    /// <summary>The pieces that are not current at <see cref="Time"/>.</summary>
    public IEnumerable<CollateralValidity> Stale => Collateral.Where(c => c.IsStaleAt(Time));

    /// <summary>The failed checks as "name: reason", joined by "; ".</summary>
    public string Failures => string.Join("; ", Checks.Where(c => c.Status == CheckStatus.Fail).Select(c => $"{c.Name}: {c.Reason}"));
}

/// <summary>
/// Verifies a bundle offline: its signature (a changed piece is named when its recorded digest no longer matches), that
/// the signer is the host key the evidence binds, and the evidence with the bundle's collateral and no other input — the
/// same verifiers as <c>tee-wasm verify</c>, so the same verdict — and says which collateral is stale at the verification time.
/// </summary>
public static class BundleVerifier
{
    /// <summary>The names of the checks.</summary>
    public const string SignatureCheck = "bundle signature", SignerCheck = "signer", EvidenceCheck = "evidence";

    /// <summary>Verifies <paramref name="signed"/> as of <paramref name="options"/>' time, with its roots and policy.</summary>
    /// <exception cref="VerificationInputException">A path input was given (a bundle carries its collateral), or the evidence is not recognised.</exception>
    public static BundleAppraisal Verify(SignedBundle signed, VerifyOptions options)
    {
        ArgumentNullException.ThrowIfNull(signed);
        ArgumentNullException.ThrowIfNull(options);
        string[] paths = [.. new[] { ("--cert", options.CertificateFiles.Count > 0), ("--collateral", options.CollateralDirectory is not null),
            ("--rim", options.RimDirectory is not null), ("--td-quote", options.TdQuoteFile is not null),
            ("--fetch", options.Fetcher is not null) }.Where(o => o.Item2).Select(o => o.Item1)];
        if (paths.Length > 0)
            throw new VerificationInputException($"{string.Join(", ", paths)}: a bundle carries its own collateral; verify it alone (with --offline: nothing is fetched)");
        AttestationBundle bundle = signed.Bundle;
        DateTimeOffset time = options.Time ?? DateTimeOffset.UtcNow;
        var checks = new List<AppraisalCheck>();

        bool signatureOk = signed.Signature.Verifies(signed.Signed.Canonical());
        checks.Add(signed.ChangedPieces.Count > 0
            ? new(SignatureCheck, CheckStatus.Fail, $"collateral {string.Join(", ", signed.ChangedPieces)} was changed after the bundle was made (its SHA-256 is not the one recorded)")
            : signatureOk
                ? new(SignatureCheck, CheckStatus.Pass, $"ES256 by host key {Convert.ToHexStringLower(signed.Signature.HostKey)[..16]}… over the evidence and {bundle.Collateral.Items.Count} piece(s) of collateral")
                : new(SignatureCheck, CheckStatus.Fail, "the signature does not verify: the bundle was changed after it was signed"));

        IReadOnlyList<CollateralValidity> validity = [.. bundle.Collateral.Items.Select(CollateralValidity.Of)];
        if (checks[0].Status == CheckStatus.Fail)
        {
            // Nothing in a changed bundle is trusted: not its collateral, not the pairing of evidence and collateral.
            checks.Add(new(SignerCheck, CheckStatus.Skip, "not evaluated: the bundle was changed"));
            checks.Add(new(EvidenceCheck, CheckStatus.Skip, "not evaluated: the bundle was changed"));
            return new BundleAppraisal(signed, checks, null, null, validity, time);
        }

        VerifyOptions inner = options with { Collateral = bundle.Collateral };
        FileAppraisal? file = null;
        CompositeAppraisal? composite = null;
        VmBinding? binding = null;
        try
        {
            if (bundle.IsComposite)
            {
                composite = AttestationPlatforms.VerifyComposite(bundle.Evidence, inner);
                binding = composite.Evidence.Binding;
            }
            else
            {
                file = AttestationPlatforms.VerifyFile(Encoding.UTF8.GetBytes(bundle.Evidence.RawJson), inner);
                binding = file.File.Items.Select(i => i.Binding).FirstOrDefault(b => b is not null);
            }
        }
        catch (VerificationInputException e) when (!e.Message.StartsWith("--", StringComparison.Ordinal))
        {
            // What the bundle holds does not read (an option the user gave would be named, "--…": that stays a usage error).
            checks.Add(new(SignerCheck, CheckStatus.Skip, "not evaluated: the bundle's contents do not read"));
            checks.Add(new(EvidenceCheck, CheckStatus.Fail, e.Message));
            return new BundleAppraisal(signed, checks, null, null, validity, time);
        }
        checks.Add(binding is null
            ? new(SignerCheck, CheckStatus.Skip, "the evidence records no binding, so nothing says whose key signed the bundle")
            : binding.HostKey.AsSpan().SequenceEqual(signed.Signature.HostKey)
                ? new(SignerCheck, CheckStatus.Pass, "the bundle is signed by the host key the evidence binds")
                : new(SignerCheck, CheckStatus.Fail, "the bundle is signed by another key than the host key the evidence binds"));
        bool evidenceValid = composite?.Valid ?? file!.Valid;
        string verdict = composite?.Verdict ?? Headline(file!);
        checks.Add(new(EvidenceCheck, evidenceValid ? CheckStatus.Pass : CheckStatus.Fail, verdict));
        return new BundleAppraisal(signed, checks, file, composite, validity, time);
    }

    private static string Headline(FileAppraisal file)
    {
        int failed = file.Appraisals.Count(a => !a.Valid);
        if (failed == 0) return $"{file.File.Kind}: " + string.Join("; ", file.Appraisals.Select(a => a.Message));
        return $"{file.File.Kind}: " + string.Join("; ", file.Appraisals.Select((a, i) => (a, i)).Where(x => !x.a.Valid)
            .Select(x => (file.Appraisals.Count > 1 ? $"GPU {x.i}: " : "") + (x.a.EvidenceValid ? x.a.Failures : x.a.Message)));
    }

    /// <summary>True when <paramref name="utf8"/> is a bundle file.</summary>
    public static bool IsBundle(ReadOnlyMemory<byte> utf8)
    {
        try
        {
            return BundleDocument.IsBundle(EvidenceDocument.Parse(utf8));
        }
        catch (Exception e) when (e is JsonException or AttestationException)
        {
            return false;
        }
    }
}
