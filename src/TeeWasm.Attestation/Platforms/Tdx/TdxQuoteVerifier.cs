using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>
/// Verifies Intel TDX DCAP quotes (v4/v5) as Intel's Quote Verification Library does: attestation-key signature,
/// QE report binding and signature, PCK chain to the pinned Intel SGX Root CA, CRLs, and with collateral the TCB
/// status (TCB info levels, TDX module identity, QE identity).
/// </summary>
internal static class TdxQuoteVerifier
{
    private const int QeReportDataHashLength = 32;

    /// <summary>Verifies a quote. Never throws for bad evidence: every failure is a result with a reason.</summary>
    /// <param name="quote">The quote bytes (trailing bytes are ignored).</param>
    /// <param name="options">Verification time, collateral and policy switches; null for defaults.</param>
    public static TdxVerificationResult Verify(ReadOnlySpan<byte> quote, TdxVerificationOptions? options = null)
    {
        options ??= new TdxVerificationOptions();
        var result = new TdxVerificationResult { VerificationTime = options.VerificationTime ?? DateTimeOffset.UtcNow };
        var warnings = new List<string>();
        try
        {
            Run(quote, options, result, warnings);
        }
        finally
        {
            result.Warnings = warnings;
        }
        return result;
    }

    private static void Run(ReadOnlySpan<byte> data, TdxVerificationOptions options, TdxVerificationResult result, List<string> warnings)
    {
        DateTimeOffset time = result.VerificationTime;
        if (!TdxQuote.TryParse(data, out TdxQuote? quote, out string? parseError))
        {
            Fail(result, TdxFailureReason.MalformedQuote, "invalid TDX quote: " + parseError);
            return;
        }
        result.Quote = quote;
        TdxQuoteSignatureData sig = quote.SignatureData;

        // 1. Attestation key signs header ‖ body. With a cache, a platform's attestation key is imported once.
        VerifyingKey? attestationKey = AttestationKey(sig.AttestationKey, options.ChainCache);
        if (attestationKey is null)
        {
            Fail(result, TdxFailureReason.InvalidAttestationKey, "attestation key is not a valid P-256 point");
            return;
        }
        bool signed;
        try
        {
            signed = attestationKey.Verify(quote.SignedData.Span, sig.Signature.Span);
        }
        finally
        {
            if (options.ChainCache is null) attestationKey.Key.Dispose();
        }
        if (!signed)
        {
            Fail(result, TdxFailureReason.QuoteSignatureInvalid, "quote signature over header and TD report does not verify with the attestation key");
            return;
        }

        // 2. QE report data binds the attestation key and QE auth data.
        Span<byte> expected = stackalloc byte[QeReportDataHashLength];
        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            hash.AppendData(sig.AttestationKey.Span);
            hash.AppendData(sig.QeAuthData.Span);
            hash.GetHashAndReset(expected);
        }
        ReadOnlySpan<byte> qeReportData = sig.QeReport.ReportData.Span;
        if (!qeReportData[..QeReportDataHashLength].SequenceEqual(expected) || qeReportData[QeReportDataHashLength..].ContainsAnyExcept((byte)0))
        {
            Fail(result, TdxFailureReason.QeReportBindingInvalid,
                "QE report data is not SHA-256(attestation key ‖ QE auth data) followed by 32 zero bytes: the attestation key is not bound to the QE");
            return;
        }

        // 3. PCK chain to the pinned root (or a chain the cache verified earlier, valid at this time), then
        // 4. the PCK signed the QE report, 5. the PCK SGX extension. A cache hit needs neither the root certificate
        // nor the chain parsed again: only the root's bytes (for the key) and the PCK key the cache kept.
        ReadOnlyMemory<byte> rootDer = options.TrustedRootOverride is { } over ? over.RawDataMemory : IntelSgxRootCa.Der;
        string? cacheKey = null;
        if (options.ChainCache is { } cache && sig.PckCertificationDataType == TdxQuoteSignatureData.CertificationDataTypePckChain)
        {
            cacheKey = CertificateChainCache.Key("tdx-pck", sig.PckCertificationData, rootDer);
            if (cache.TryGet(cacheKey, time, out PckChain hit))
            {
                if (!hit.VerifyQeReport(sig.QeReport.Raw.Span, sig.QeReportSignature.Span))
                {
                    Fail(result, TdxFailureReason.QeReportSignatureInvalid, "QE report signature does not verify with the PCK leaf key");
                    return;
                }
                result.Pck = hit.Extensions;
                if (options.Collateral is null)
                {
                    warnings.Add(NoCollateralWarning);
                    Succeed(result, NoCollateralVerdict);
                    return;
                }
                Evaluate(quote, hit.Extensions, [.. hit.Chain], rootDer, time, options, result, warnings);
                return;
            }
        }

        string? pem = sig.PckCertificateChainPem;
        if (pem is null)
        {
            Fail(result, TdxFailureReason.PckChainMissing, $"certification data type {sig.PckCertificationDataType} carries no PCK certificate chain (type 5 expected)");
            return;
        }
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            Fail(result, TdxFailureReason.PckChainMissing, "PCK certificate chain PEM does not parse: " + e.Message);
            return;
        }
        if (collection.Count == 0)
        {
            Fail(result, TdxFailureReason.PckChainMissing, "PCK certificate chain is empty");
            return;
        }
        List<X509Certificate2> chain = [.. collection.Cast<X509Certificate2>()];
        bool cached = false;
        try
        {
            using (X509Certificate2 root = X509CertificateLoader.LoadCertificate(rootDer.Span))
            {
                if (!ChainValidator.TryValidate(chain, root, time, "PCK", out TdxFailureReason chainReason, out string? chainError))
                {
                    Fail(result, chainReason, chainError);
                    return;
                }
            }
            X509Certificate2 leaf = chain[0];

            // 4. The PCK signed the QE report.
            ECDsa? pckKey = leaf.GetECDsaPublicKey();
            try
            {
                if (pckKey is null || !pckKey.VerifyData(sig.QeReport.Raw.Span, sig.QeReportSignature.Span, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
                {
                    Fail(result, TdxFailureReason.QeReportSignatureInvalid, "QE report signature does not verify with the PCK leaf key");
                    return;
                }

                // 5. PCK SGX extension.
                if (!PckCertificateExtensions.TryRead(leaf, out PckCertificateExtensions? pck, out string? extError))
                {
                    Fail(result, TdxFailureReason.PckExtensionInvalid, extError);
                    return;
                }
                result.Pck = pck;
                if (cacheKey is not null)
                {
                    // Cached certificates are owned by the cache from now on: copies, so the disposal below leaves them intact.
                    X509Certificate2[] owned = [.. chain.Select(c => X509CertificateLoader.LoadCertificate(c.RawDataMemory.Span))];
                    DateTimeOffset from = owned.Max(c => new DateTimeOffset(c.NotBefore.ToUniversalTime(), TimeSpan.Zero));
                    DateTimeOffset to = owned.Min(c => new DateTimeOffset(c.NotAfter.ToUniversalTime(), TimeSpan.Zero));
                    options.ChainCache!.Add(cacheKey, from, to, new PckChain(owned, pck, pckKey));
                    cached = true;
                }
            }
            finally
            {
                if (!cached) pckKey?.Dispose();
            }

            if (options.Collateral is null)
            {
                warnings.Add(NoCollateralWarning);
                Succeed(result, NoCollateralVerdict);
                return;
            }
            Evaluate(quote, result.Pck!, chain, rootDer, time, options, result, warnings);
        }
        finally
        {
            foreach (X509Certificate2 c in chain)
            {
                c.Dispose();
            }
        }
    }

    private const string NoCollateralWarning = "no collateral given: CRLs, TCB status and QE identity not checked";
    private const string NoCollateralVerdict = "quote signature, QE report and PCK chain to the Intel SGX Root CA are valid; TCB not evaluated (no collateral)";

    /// <summary>6. The TCB info of the PCK's FMSPC and CRLs, 7. collateral signatures and freshness, then the TCB evaluation.</summary>
    private static void Evaluate(TdxQuote quote, PckCertificateExtensions pck, List<X509Certificate2> chain, ReadOnlyMemory<byte> rootDer,
        DateTimeOffset time, TdxVerificationOptions options, TdxVerificationResult result, List<string> warnings)
    {
        using X509Certificate2 root = X509CertificateLoader.LoadCertificate(rootDer.Span);

        // 6. The TCB info of the PCK's FMSPC, then CRLs.
        TdxCollateral? collateral = options.Collateral!.ForFmspc(pck.FmspcHex, out string? noTcbInfo);
        if (collateral is null)
        {
            Fail(result, TdxFailureReason.FmspcMismatch, noTcbInfo!);
            return;
        }
        if (!CheckCrls(collateral.Crls, chain, time, options, result, warnings))
        {
            return;
        }

        // 7. Collateral signatures and freshness, then TCB evaluation.
        if (!CheckCollateralSignatures(collateral, root, time, options, result, warnings)
            || !CheckCollateralFreshness(collateral, time, options, result, warnings))
        {
            return;
        }
        TcbEvaluator.Evaluate(quote, pck, collateral, result, warnings);
        if (result.Reason == TdxFailureReason.None)
        {
            Succeed(result, result.TcbStatus is { } status
                ? $"quote verified; TCB status {status}"
                : "quote verified; no TCB info given, TCB not evaluated");
        }
    }

    /// <summary>
    /// A PCK chain (leaf first, root last) that verified, with its leaf's SGX extension and public key: a cache hit
    /// checks the QE report signature with the key as imported when the chain was verified.
    /// </summary>
    private sealed record PckChain(X509Certificate2[] Chain, PckCertificateExtensions Extensions, ECDsa LeafKey)
    {
        private readonly VerifyingKey _key = new(LeafKey);

        public bool VerifyQeReport(ReadOnlySpan<byte> qeReport, ReadOnlySpan<byte> signature) => _key.Verify(qeReport, signature);
    }

    /// <summary>A P-256 public key that may be shared by concurrent verifications (one at a time per key).</summary>
    private sealed class VerifyingKey(ECDsa key)
    {
        private readonly Lock _gate = new();

        public ECDsa Key { get; } = key;

        public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
        {
            lock (_gate) return Key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
    }

    /// <summary>The quote's attestation key: from the cache when it holds these exact 64 bytes, else imported (and cached).</summary>
    private static VerifyingKey? AttestationKey(ReadOnlyMemory<byte> xy, CertificateChainCache? cache)
    {
        VerifyingKey? Import() => ImportRawP256(xy.Span) is { } imported ? new VerifyingKey(imported) : null;
        return cache is null ? Import() : cache.GetOrAddKey(CertificateChainCache.Key("tdx-ak", xy), Import);
    }

    private static bool CheckCrls(IReadOnlyList<SgxCertificateRevocationList> crls, List<X509Certificate2> chain, DateTimeOffset time, TdxVerificationOptions options, TdxVerificationResult result, List<string> warnings)
    {
        if (crls.Count == 0)
        {
            warnings.Add("no CRLs given: revocation not checked");
            return true;
        }
        foreach (SgxCertificateRevocationList crl in crls)
        {
            X509Certificate2? issuer = chain.FirstOrDefault(c => c.SubjectName.RawData.AsSpan().SequenceEqual(crl.Issuer.RawData));
            if (issuer is null)
            {
                warnings.Add($"CRL from '{crl.Issuer.Name}' does not apply to this chain; ignored");
                continue;
            }
            if (!crl.IsSignedBy(issuer))
            {
                Fail(result, TdxFailureReason.CrlInvalid, $"CRL signature from '{crl.Issuer.Name}' does not verify with the issuer's key");
                return false;
            }
            if (crl.ThisUpdate > time || (crl.NextUpdate is { } next && next < time))
            {
                string what = $"collateral expired (CRL of '{crl.Issuer.Name}' nextUpdate {crl.NextUpdate:u}, thisUpdate {crl.ThisUpdate:u}, verification time {time:u})";
                if (!Expired(what, options, result, warnings))
                {
                    return false;
                }
            }
            foreach (X509Certificate2 cert in chain)
            {
                if (crl.IsRevoked(cert))
                {
                    Fail(result, TdxFailureReason.CertificateRevoked, $"certificate '{cert.Subject}' (serial {cert.SerialNumber}) is revoked by the CRL of '{crl.Issuer.Name}'"
                        + (crl.Source.Length > 0 ? $" ({crl.Source})" : ""));
                    return false;
                }
            }
        }
        return true;
    }

    private static bool CheckCollateralSignatures(TdxCollateral collateral, X509Certificate2 root, DateTimeOffset time, TdxVerificationOptions options, TdxVerificationResult result, List<string> warnings)
    {
        if (collateral.TcbInfo is null && collateral.QeIdentity is null)
        {
            return true;
        }
        if (collateral.TcbSigningChain is not { Count: > 0 } signingChain)
        {
            const string NotChecked = "collateral signature not checked: no TCB signing chain given";
            if (!options.AllowUnverifiedCollateralSignature)
            {
                Fail(result, TdxFailureReason.CollateralSignatureNotChecked, NotChecked);
                return false;
            }
            warnings.Add(NotChecked);
            return true;
        }

        List<X509Certificate2> chain = [.. signingChain.Cast<X509Certificate2>().Select(c => X509CertificateLoader.LoadCertificate(c.RawData))];
        try
        {
            if (!ChainValidator.TryValidate(chain, root, time, "TCB signing", out TdxFailureReason reason, out string? error))
            {
                Fail(result, reason == TdxFailureReason.CertificateExpired ? reason : TdxFailureReason.CollateralSignatureInvalid, error);
                return false;
            }
            using ECDsa? key = chain[0].GetECDsaPublicKey();
            foreach ((string name, ReadOnlyMemory<byte> body, ReadOnlyMemory<byte> signature) in new[]
            {
                ("tcbInfo", collateral.TcbInfo?.SignedBody ?? default, collateral.TcbInfo?.Signature ?? default),
                ("enclaveIdentity", collateral.QeIdentity?.SignedBody ?? default, collateral.QeIdentity?.Signature ?? default),
            })
            {
                if (body.IsEmpty)
                {
                    continue;
                }
                if (key is null || !key.VerifyData(body.Span, signature.Span, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
                {
                    Fail(result, TdxFailureReason.CollateralSignatureInvalid, $"collateral signature over \"{name}\" does not verify with the TCB signing key '{chain[0].Subject}'");
                    return false;
                }
            }
            result.CollateralSignatureVerified = true;
            return true;
        }
        finally
        {
            foreach (X509Certificate2 c in chain)
            {
                c.Dispose();
            }
        }
    }

    private static bool CheckCollateralFreshness(TdxCollateral collateral, DateTimeOffset time, TdxVerificationOptions options, TdxVerificationResult result, List<string> warnings)
    {
        if (collateral.TcbInfo is { } tcb && (time > tcb.NextUpdate || time < tcb.IssueDate)
            && !Expired($"collateral expired (tcbInfo nextUpdate {tcb.NextUpdate:u}, issueDate {tcb.IssueDate:u}, verification time {time:u})", options, result, warnings))
        {
            return false;
        }
        if (collateral.QeIdentity is { } qe && (time > qe.NextUpdate || time < qe.IssueDate)
            && !Expired($"collateral expired (QE identity nextUpdate {qe.NextUpdate:u}, issueDate {qe.IssueDate:u}, verification time {time:u})", options, result, warnings))
        {
            return false;
        }
        return true;
    }

    private static bool Expired(string message, TdxVerificationOptions options, TdxVerificationResult result, List<string> warnings)
    {
        result.CollateralExpired = true;
        if (options.AllowExpiredCollateral)
        {
            warnings.Add(message);
            return true;
        }
        Fail(result, TdxFailureReason.CollateralExpired, message);
        return false;
    }

    private static ECDsa? ImportRawP256(ReadOnlySpan<byte> xy)
    {
        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportParameters(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = xy[..32].ToArray(), Y = xy[32..64].ToArray() },
            });
            return ecdsa;
        }
        catch (CryptographicException)
        {
            ecdsa.Dispose();
            return null;
        }
    }

    internal static void Fail(TdxVerificationResult result, TdxFailureReason reason, string message)
    {
        result.Reason = reason;
        result.Message = message;
    }

    private static void Succeed(TdxVerificationResult result, string message)
    {
        result.Reason = TdxFailureReason.None;
        result.Message = message;
    }
}
