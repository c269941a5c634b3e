using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Platforms.Snp;

/// <summary>
/// Verifies an SEV-SNP report: parse; SIGNING_KEY vs certificate kind; VCEK/VLEK → ASK/ASVK → ARK chain (RSA-PSS
/// SHA-384) to a trusted ARK; every certificate's validity at the verification time; the report's ECDSA P-384 signature;
/// the VCEK/VLEK TCB extensions = REPORTED_TCB; hwID = CHIP_ID (VCEK); REPORT_DATA = expected. Stops at the first failure.
/// </summary>
internal sealed class SnpVerifier
{
    /// <summary>Verifies <paramref name="report"/> (its first 1184 bytes) under <paramref name="options"/>. Never throws for bad evidence.</summary>
    public SnpVerificationResult Verify(ReadOnlySpan<byte> report, SnpVerificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            return VerifyCore(report, options);
        }
        catch (Exception e) when (e is CryptographicException or AttestationException)
        {
            return Fail(SnpFailureReason.Malformed, e.Message, null);
        }
    }

    private static SnpVerificationResult VerifyCore(ReadOnlySpan<byte> data, SnpVerificationOptions options)
    {
        // 1. Parse.
        if (data.Length >= SnpReport.Size)
        {
            uint version = BinaryPrimitives.ReadUInt32LittleEndian(data);
            if (version is < SnpReport.MinVersion or > SnpReport.MaxVersion)
            {
                return Fail(SnpFailureReason.UnsupportedVersion, $"SEV-SNP report version {version} is not supported (expected 2..5)", null);
            }
        }
        if (!SnpReport.TryParse(data, out SnpReport? report, out string? parseError))
        {
            return Fail(SnpFailureReason.Malformed, parseError, null);
        }
        data = data[..SnpReport.Size];
        if (report.SignatureAlgorithm != SnpReport.EcdsaP384Sha384)
        {
            return Fail(SnpFailureReason.UnsupportedAlgorithm, $"signature algorithm {report.SignatureAlgorithm} is not ECDSA P-384/SHA-384 (1)", report);
        }

        // 2. Signing key type vs certificate.
        if (report.SigningKey is not (SnpSigningKey.Vcek or SnpSigningKey.Vlek))
        {
            return Fail(SnpFailureReason.SigningKeyMismatch, $"report SIGNING_KEY is {(int)report.SigningKey}: not signed by a VCEK or VLEK", report);
        }
        bool wantVlek = report.SigningKey == SnpSigningKey.Vlek;
        var leaves = options.Certificates.Where(IsEndorsementKey).ToList();
        if (leaves.Count == 0)
        {
            return Fail(SnpFailureReason.CertificateMissing, $"no {(wantVlek ? "VLEK" : "VCEK")} certificate was supplied", report);
        }
        X509Certificate2? leaf = leaves.Find(c => IsVlek(c) == wantVlek);
        if (leaf is null)
        {
            return Fail(SnpFailureReason.SigningKeyMismatch,
                $"report is signed by a {(wantVlek ? "VLEK" : "VCEK")} but the certificate supplied is a {(wantVlek ? "VCEK" : "VLEK")}", report, leaves[0]);
        }
        string leafName = wantVlek ? "VLEK" : "VCEK";
        string askName = wantVlek ? "ASVK" : "ASK";

        // 3. Chain: leaf -> ASK/ASVK -> trusted ARK (or a chain the cache verified earlier, valid at this time).
        var supplied = options.Certificates.Where(c => !ReferenceEquals(c, leaf) && !IsEndorsementKey(c)).ToList();
        DateTimeOffset now = options.VerificationTime ?? DateTimeOffset.UtcNow;
        string? cacheKey = null;
        if (options.ChainCache is { } cache)
        {
            List<ReadOnlyMemory<byte>> parts = [leaf.RawDataMemory, .. supplied.Select(c => c.RawDataMemory)];
            if (options.TrustedRoots is { } roots) parts.AddRange(roots.Select(c => c.RawDataMemory));
            else parts.Add("embedded AMD ARKs"u8.ToArray());
            cacheKey = CertificateChainCache.Key(wantVlek ? "snp-vlek" : "snp-vcek", [.. parts]);
            if (cache.TryGet(cacheKey, now, out SnpChain cached))
            {
                SnpProduct cachedProduct = AmdRootCertificates.ProductOf(cached.Ark);
                if (report.Product != SnpProduct.Unknown && cachedProduct != SnpProduct.Unknown && report.Product != cachedProduct)
                {
                    return Fail(SnpFailureReason.WrongRoot, $"report comes from a {report.Product} CPU but the chain ends at the {cachedProduct} root", report, leaf, cachedProduct);
                }
                return VerifySignedReport(data, report, options, leaf, leafName, wantVlek, cachedProduct, cached.Ark, cached.Ask);
            }
        }
        var intermediates = supplied.Where(c => !IsSelfIssued(c)).ToList();
        if (intermediates.Count == 0) intermediates = [.. AmdRootCertificates.Intermediates];
        X509Certificate2? ask = null;
        string? askError = null;
        foreach (X509Certificate2 candidate in intermediates.Where(c => SameName(c.SubjectName, leaf.IssuerName)))
        {
            if (AmdCertificateSignature.Verify(leaf, candidate, out askError)) { ask = candidate; break; }
        }
        if (ask is null)
        {
            string msg = askError is null
                ? $"no {askName} named '{leaf.Issuer}' (the {leafName}'s issuer) among the intermediates"
                : $"{leafName} is not signed by {askName} '{leaf.Issuer}': {askError}";
            return Fail(SnpFailureReason.ChainInvalid, msg, report, leaf);
        }

        IReadOnlyList<X509Certificate2> trusted = options.TrustedRoots ?? AmdRootCertificates.Arks;
        X509Certificate2? ark = null;
        foreach (X509Certificate2 root in trusted.Where(r => SameName(r.SubjectName, ask.IssuerName)))
        {
            if (AmdCertificateSignature.Verify(ask, root, out _) && AmdCertificateSignature.Verify(root, root, out _)) { ark = root; break; }
        }
        if (ark is null)
        {
            bool untrustedArkSigns = supplied.Any(c => IsSelfIssued(c) && SameName(c.SubjectName, ask.IssuerName) && AmdCertificateSignature.Verify(ask, c, out _));
            string msg = untrustedArkSigns
                ? $"the chain ends at '{ask.Issuer}', which is not a trusted root"
                : $"{askName} '{ask.Subject}' is not signed by any trusted root (its issuer is '{ask.Issuer}')";
            return Fail(SnpFailureReason.WrongRoot, msg, report, leaf);
        }
        SnpProduct product = AmdRootCertificates.ProductOf(ark);
        if (report.Product != SnpProduct.Unknown && product != SnpProduct.Unknown && report.Product != product)
        {
            return Fail(SnpFailureReason.WrongRoot, $"report comes from a {report.Product} CPU but the chain ends at the {product} root", report, leaf, product);
        }

        // 4. Validity windows.
        foreach ((X509Certificate2 cert, string name) in (ReadOnlySpan<(X509Certificate2, string)>)[(leaf, leafName), (ask, askName), (ark, "ARK")])
        {
            DateTimeOffset notBefore = new(cert.NotBefore.ToUniversalTime(), TimeSpan.Zero);
            DateTimeOffset notAfter = new(cert.NotAfter.ToUniversalTime(), TimeSpan.Zero);
            if (now > notAfter)
            {
                return Fail(SnpFailureReason.CertificateExpired, $"{name} expired on {notAfter.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}", report, leaf, product);
            }
            if (now < notBefore)
            {
                return Fail(SnpFailureReason.CertificateExpired, $"{name} is not valid before {notBefore.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}", report, leaf, product);
            }
        }

        if (cacheKey is not null)
        {
            DateTimeOffset from = new[] { leaf, ask, ark }.Max(c => new DateTimeOffset(c.NotBefore.ToUniversalTime(), TimeSpan.Zero));
            DateTimeOffset to = new[] { leaf, ask, ark }.Min(c => new DateTimeOffset(c.NotAfter.ToUniversalTime(), TimeSpan.Zero));
            options.ChainCache!.Add(cacheKey, from, to, new SnpChain(ask, ark));
        }
        return VerifySignedReport(data, report, options, leaf, leafName, wantVlek, product, ark, ask);
    }

    /// <summary>Steps after the chain: the report signature, TCB extensions, CHIP_ID and REPORT_DATA.</summary>
    private static SnpVerificationResult VerifySignedReport(ReadOnlySpan<byte> data, SnpReport report, SnpVerificationOptions options,
        X509Certificate2 leaf, string leafName, bool wantVlek, SnpProduct product, X509Certificate2 root, X509Certificate2 intermediate)
    {
        // 5. Report signature.
        using (ECDsa? key = leaf.GetECDsaPublicKey())
        {
            if (key is null || key.KeySize != 384)
            {
                return Fail(SnpFailureReason.UnsupportedAlgorithm, $"{leafName} key is not ECDSA P-384", report, leaf, product);
            }
            if (!SnpSignature.Verify(data, key))
            {
                return Fail(SnpFailureReason.SignatureInvalid, $"report signature does not verify with the {leafName} key", report, leaf, product);
            }
        }

        // 6. The certificate's product = the report's (CPUID, version 3 and later), then TCB extensions = REPORTED_TCB.
        AmdCertificateExtensions ext = AmdCertificateExtensions.FromCertificate(leaf);
        if (report.Product != SnpProduct.Unknown && ext.ProductName is { Length: > 0 } productName
            && !productName.StartsWith(report.Product.ToString(), StringComparison.OrdinalIgnoreCase))
        {
            return Fail(SnpFailureReason.ProductMismatch,
                $"the report comes from a {report.Product} CPU (CPUID family 0x{report.CpuidFamilyId:x2} model 0x{report.CpuidModelId:x2}) but the {leafName} is for '{productName}'",
                report, leaf, product);
        }
        SnpTcbLayout layout = report.Version >= 3 ? report.TcbLayout : product == SnpProduct.Turin ? SnpTcbLayout.Turin : SnpTcbLayout.MilanGenoa;
        SnpTcb tcb = report.ReportedTcb.WithLayout(layout);
        if (TcbMismatch(ext, tcb) is string tcbError)
        {
            return Fail(SnpFailureReason.TcbMismatch, $"{leafName} TCB differs from the report's REPORTED_TCB {tcb}: {tcbError}", report, leaf, product);
        }

        // 7. hwID = CHIP_ID (VCEK only).
        if (!wantVlek && options.RequireChipIdMatch)
        {
            if (report.MaskChipKey)
            {
                return Fail(SnpFailureReason.ChipIdMismatch, "report has MASK_CHIP_KEY set: its CHIP_ID cannot be matched to the VCEK", report, leaf, product);
            }
            if (ext.HardwareId is null || !ext.HardwareId.AsSpan().SequenceEqual(report.ChipId))
            {
                return Fail(SnpFailureReason.ChipIdMismatch, ext.HardwareId is null ? "VCEK has no hwID extension" : "VCEK hwID differs from the report's CHIP_ID", report, leaf, product);
            }
        }

        // 8. REPORT_DATA.
        if (options.ExpectedReportData is byte[] expected)
        {
            Span<byte> padded = stackalloc byte[64];
            if (expected.Length > 64)
            {
                return Fail(SnpFailureReason.ReportDataMismatch, $"expected report data is {expected.Length} bytes; REPORT_DATA holds 64", report, leaf, product);
            }
            expected.CopyTo(padded);
            if (!CryptographicOperations.FixedTimeEquals(padded, report.ReportData))
            {
                return Fail(SnpFailureReason.ReportDataMismatch, "REPORT_DATA differs from the expected value", report, leaf, product);
            }
        }

        return new SnpVerificationResult(SnpFailureReason.None,
            $"valid {leafName}-signed SEV-SNP report (version {report.Version}, {product} root, TCB {tcb})", report, product, leaf) { Root = root, Intermediate = intermediate };
    }

    private sealed record SnpChain(X509Certificate2 Ask, X509Certificate2 Ark);

    private static string? TcbMismatch(AmdCertificateExtensions ext, SnpTcb tcb)
    {
        var parts = new List<string>();
        Check("blSPL", ext.BootloaderSpl, tcb.Bootloader);
        Check("teeSPL", ext.TeeSpl, tcb.Tee);
        Check("snpSPL", ext.SnpSpl, tcb.Snp);
        Check("ucodeSPL", ext.MicrocodeSpl, tcb.Microcode);
        if (tcb.Layout == SnpTcbLayout.Turin) Check("fmcSPL", ext.FmcSpl, tcb.Fmc);
        return parts.Count == 0 ? null : string.Join(", ", parts);

        void Check(string name, int? certValue, byte reportValue)
        {
            if (certValue is null) parts.Add($"{name} missing");
            else if (certValue.Value != reportValue) parts.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {certValue} != {reportValue}"));
        }
    }

    private static bool IsEndorsementKey(X509Certificate2 c) => c.PublicKey.Oid.Value == "1.2.840.10045.2.1"; // id-ecPublicKey

    private static bool IsVlek(X509Certificate2 c) =>
        c.Extensions[AmdCertificateExtensions.CspIdOid] is not null ||
        c.GetNameInfo(X509NameType.SimpleName, false) == "SEV-VLEK";

    private static bool IsSelfIssued(X509Certificate2 c) => SameName(c.SubjectName, c.IssuerName);

    private static bool SameName(X500DistinguishedName a, X500DistinguishedName b) => a.RawData.AsSpan().SequenceEqual(b.RawData);

    private static SnpVerificationResult Fail(SnpFailureReason reason, string message, SnpReport? report, X509Certificate2? leaf = null, SnpProduct product = SnpProduct.Unknown) =>
        new(reason, message, report, product, leaf);
}
