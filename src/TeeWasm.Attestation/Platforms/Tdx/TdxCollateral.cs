using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Verification;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>
/// Verification collateral from Intel PCS (or a PCCS/cache): TDX TCB info, TD QE identity, the TCB signing chain
/// that signed them, and CRLs. Every part is optional; what is missing is not checked and the result says so.
/// </summary>
public sealed class TdxCollateral
{
    /// <summary>TDX TCB info for the platform's FMSPC.</summary>
    public TdxTcbInfo? TcbInfo { get; init; }

    /// <summary>TD_QE identity.</summary>
    public TdxQeIdentity? QeIdentity { get; init; }

    /// <summary>
    /// The Intel SGX TCB Signing certificate chain (the PCS <c>TCB-Info-Issuer-Chain</c> header: signing cert, then
    /// the Root CA). Without it the collateral signatures cannot be checked.
    /// </summary>
    public X509Certificate2Collection? TcbSigningChain { get; init; }

    /// <summary>CRLs: PCK Platform/Processor CA CRL, Intel Root CA CRL.</summary>
    public IReadOnlyList<SgxCertificateRevocationList> Crls { get; init; } = [];

    /// <summary>Loads collateral from files; null paths are skipped.</summary>
    /// <param name="tcbInfoPath">PCS TCB info response (JSON).</param>
    /// <param name="qeIdentityPath">PCS QE identity response (JSON).</param>
    /// <param name="tcbSigningChainPemPath">TCB signing chain (PEM).</param>
    /// <param name="crlPaths">CRL files (DER or PEM).</param>
    public static TdxCollateral Load(string? tcbInfoPath, string? qeIdentityPath = null, string? tcbSigningChainPemPath = null, params string[] crlPaths)
    {
        X509Certificate2Collection? chain = null;
        if (tcbSigningChainPemPath is not null)
        {
            chain = [];
            chain.ImportFromPemFile(tcbSigningChainPemPath);
        }
        return new TdxCollateral
        {
            TcbInfo = tcbInfoPath is null ? null : TdxTcbInfo.Parse(File.ReadAllBytes(tcbInfoPath)),
            QeIdentity = qeIdentityPath is null ? null : TdxQeIdentity.Parse(File.ReadAllBytes(qeIdentityPath)),
            TcbSigningChain = chain,
            Crls = [.. crlPaths.Select(p => SgxCertificateRevocationList.Parse(File.ReadAllBytes(p)))],
        };
    }

    /// <summary>
    /// The TDX collateral of a <see cref="CollateralSet"/> (a bundle's): its TCB info, QE identity and signing chain (the
    /// first of each) and its Intel CRLs; null when the set holds none of them.
    /// </summary>
    /// <exception cref="VerificationInputException">A piece does not parse; the message names it.</exception>
    public static TdxCollateral? FromSet(CollateralSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        CollateralItem? tcb = set.Of(CollateralKind.TdxTcbInfo).FirstOrDefault(), qe = set.Of(CollateralKind.TdxQeIdentity).FirstOrDefault();
        CollateralItem? chain = set.Of(CollateralKind.TcbSigningChain).FirstOrDefault();
        var crls = set.Of(CollateralKind.IntelCrl).ToList();
        if (tcb is null && qe is null && chain is null && crls.Count == 0) return null;
        CollateralItem? current = null;
        try
        {
            X509Certificate2Collection? signing = null;
            if ((current = chain) is not null)
            {
                signing = [];
                signing.ImportFromPem(System.Text.Encoding.ASCII.GetString(chain!.Data));
            }
            return new TdxCollateral
            {
                TcbInfo = (current = tcb) is null ? null : TdxTcbInfo.Parse(tcb!.Data),
                QeIdentity = (current = qe) is null ? null : TdxQeIdentity.Parse(qe!.Data),
                TcbSigningChain = signing,
                Crls = [.. crls.Select(c => SgxCertificateRevocationList.Parse((current = c).Data))],
            };
        }
        catch (Exception e) when (e is Evidence.AttestationException or System.Security.Cryptography.CryptographicException or FormatException or System.Text.Json.JsonException)
        {
            throw new VerificationInputException($"collateral {current?.Name}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Loads collateral from a directory: a file whose name contains "tcbinfo" (TCB info), "qeidentity" (QE identity),
    /// "tcb_signing"/"tcbsigning"/"issuer_chain" (signing chain PEM), "crl" (CRLs); names are matched case-insensitively.
    /// </summary>
    /// <param name="directory">The folder.</param>
    public static TdxCollateral LoadDirectory(string directory)
    {
        string[] files = Directory.GetFiles(directory);
        string? Find(params string[] keys) =>
            files.Where(f => keys.Any(k => Path.GetFileName(f).Contains(k, StringComparison.OrdinalIgnoreCase))).Order(StringComparer.Ordinal).FirstOrDefault();
        return Load(
            Find("tcbinfo"),
            Find("qeidentity"),
            Find("tcb_signing", "tcbsigning", "issuer_chain"),
            [.. files.Where(f => Path.GetFileName(f).Contains("crl", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal)]);
    }
}
