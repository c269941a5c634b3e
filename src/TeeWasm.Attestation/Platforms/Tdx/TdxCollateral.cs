using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Inputs;
using TeeWasm.Attestation.Verification;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>
/// Verification collateral from Intel PCS (or a PCCS/cache): TDX TCB info, TD QE identity, the TCB signing chain
/// that signed them, and CRLs. Every part is optional; what is missing is not checked and the result says so.
/// </summary>
public sealed class TdxCollateral
{
    /// <summary>TDX TCB info for the platform's FMSPC.</summary>
    public TdxTcbInfo? TcbInfo { get; init; }

    /// <summary>
    /// TDX TCB infos of several platforms (a folder from <see cref="LoadDirectory"/>): the one of the PCK's FMSPC is
    /// chosen for each quote (<see cref="ForFmspc"/>); empty when <see cref="TcbInfo"/> is given directly.
    /// </summary>
    public IReadOnlyList<TdxTcbInfo> TcbInfos { get; init; } = [];

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
            chain.ImportFromPem(BoundedRead.Text(tcbSigningChainPemPath, InputLimits.Certificate, "collateral file"));
        }
        return new TdxCollateral
        {
            TcbInfo = tcbInfoPath is null ? null : TdxTcbInfo.Parse(ReadFile(tcbInfoPath)),
            QeIdentity = qeIdentityPath is null ? null : TdxQeIdentity.Parse(ReadFile(qeIdentityPath)),
            TcbSigningChain = chain,
            Crls = [.. crlPaths.Select(p => SgxCertificateRevocationList.Parse(ReadFile(p), p))],
        };
    }

    /// <summary>
    /// This collateral for a platform of <paramref name="fmspc"/>: the TCB info of that FMSPC chosen from
    /// <see cref="TcbInfos"/>; null with <paramref name="error"/> when TCB infos were given but none is for it.
    /// </summary>
    public TdxCollateral? ForFmspc(string fmspc, out string? error)
    {
        error = null;
        if (TcbInfo is not null || TcbInfos.Count == 0) return this;
        TdxTcbInfo? match = TcbInfos.FirstOrDefault(t => string.Equals(t.Fmspc, fmspc, StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            error = $"no TDX TCB info for the PCK's FMSPC {fmspc} in the collateral (it holds FMSPC {string.Join(", ", TcbInfos.Select(t => t.Fmspc))})";
            return null;
        }
        return new TdxCollateral { TcbInfo = match, QeIdentity = QeIdentity, TcbSigningChain = TcbSigningChain, Crls = Crls };
    }

    /// <summary>What a collateral folder must hold for TDX evidence, in words.</summary>
    public const string FolderContents = "Intel TDX TCB info (PCS /tdx/certification/v4/tcb), TD QE identity, the TCB signing chain (PEM) or PCK/root CA CRLs";

    /// <summary>
    /// Loads collateral from a directory, every file recognised by content (never by name): PCS TCB info JSON (TDX
    /// ones kept, chosen per quote by FMSPC; SGX ones recognised and left out), QE identity JSON (TD_QE), the TCB
    /// signing chain (PEM with the "Intel SGX TCB Signing" certificate), other Intel certificate chains (PEM,
    /// recognised, not needed), CRLs (DER or PEM) of Intel's CAs.
    /// </summary>
    /// <param name="directory">The folder.</param>
    /// <exception cref="VerificationInputException">A file is not Intel collateral, or nothing in the folder applies to TDX.</exception>
    public static TdxCollateral LoadDirectory(string directory)
    {
        CollateralFolder folder = CollateralFolder.Load(directory);
        TdxCollateral collateral = FromFolder(folder)!;
        folder.RequireEveryFileRecognised();
        return collateral;
    }

    /// <summary>
    /// Recognises the Intel collateral in <paramref name="folder"/> (marking its files) and loads it; null for a set's
    /// pieces (a bundle's) none of which is Intel collateral.
    /// </summary>
    /// <exception cref="VerificationInputException">A recognised file is malformed, or nothing in a <c>--collateral</c> folder applies to TDX.</exception>
    public static TdxCollateral? FromFolder(CollateralFolder folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var tcbInfos = new List<TdxTcbInfo>();
        TdxQeIdentity? qe = null;
        X509Certificate2Collection? signingChain = null;
        var crls = new List<SgxCertificateRevocationList>();
        foreach (CollateralFile f in folder.Files)
        {
            try
            {
                Recognise(f, tcbInfos, ref qe, ref signingChain, crls);
            }
            catch (Exception e) when (e is AttestationException or JsonException or FormatException)
            {
                throw new VerificationInputException($"{f.Label}: {e.Message}", e);
            }
        }
        folder.RequireSomethingUsed(FolderContents);
        if (!folder.GivenByUser && tcbInfos.Count == 0 && qe is null && signingChain is null && crls.Count == 0) return null;
        return new TdxCollateral { TcbInfos = tcbInfos, QeIdentity = qe, TcbSigningChain = signingChain, Crls = crls };
    }

    private static void Recognise(CollateralFile f, List<TdxTcbInfo> tcbInfos, ref TdxQeIdentity? qe, ref X509Certificate2Collection? signingChain,
        List<SgxCertificateRevocationList> crls)
    {
        ReadOnlySpan<byte> text = f.Data.AsSpan().Trim(" \t\r\n"u8);
        if (TdxPlatform.IsQuote(f.Data)) return; // a quote carries a PCK chain, but it is evidence, not collateral
        if (text.Length > 0 && text[0] == (byte)'{')
        {
            using JsonDocument doc = JsonDocument.Parse(f.Data);
            JsonElement root = doc.RootElement;
            if (root.TryGetProperty("tcbInfo", out JsonElement t) && t.ValueKind == JsonValueKind.Object)
            {
                string id = t.TryGetProperty("id", out JsonElement i) ? i.GetString() ?? "" : "SGX";
                string fmspc = t.TryGetProperty("fmspc", out JsonElement fm) ? fm.GetString() ?? "" : "";
                if (id != "TDX")
                {
                    f.Recognise($"Intel {id} TCB info, FMSPC {fmspc}, for SGX enclaves, not TDX", used: false);
                    return;
                }
                tcbInfos.Add(TdxTcbInfo.Parse(f.Data));
                f.Recognise($"Intel TDX TCB info, FMSPC {fmspc}");
                return;
            }
            if (root.TryGetProperty("enclaveIdentity", out JsonElement q) && q.ValueKind == JsonValueKind.Object)
            {
                string id = q.TryGetProperty("id", out JsonElement i) ? i.GetString() ?? "" : "";
                if (id != "TD_QE")
                {
                    f.Recognise($"Intel {id} identity, not the TD QE's", used: false);
                    return;
                }
                if (qe is not null) throw new TdxException("a second TD QE identity (give one)");
                qe = TdxQeIdentity.Parse(f.Data);
                f.Recognise("Intel TD QE identity");
            }
            return;
        }
        if (text.IndexOf("-----BEGIN CERTIFICATE"u8) >= 0)
        {
            IReadOnlyList<X509Certificate2> certs = CertificateLoader.Load(text);
            if (certs.Any(c => CertificateChain.Name(c) == "Intel SGX TCB Signing"))
            {
                signingChain = [.. certs];
                f.Recognise("Intel SGX TCB signing chain");
            }
            else if (certs.Any(c => CertificateChain.Name(c).StartsWith("Intel SGX", StringComparison.Ordinal)))
            {
                f.Recognise($"Intel SGX certificates ({string.Join(", ", certs.Select(CertificateChain.Name))}; not needed: the quote carries the PCK chain)", used: false);
            }
            return;
        }
        if (CertificateRevocationList.TryParse(f.Data, out CertificateRevocationList? crl) && crl!.IssuerName.StartsWith("Intel SGX", StringComparison.Ordinal))
        {
            crls.Add(SgxCertificateRevocationList.Parse(f.Data, f.Path));
            f.Recognise($"CRL of {crl.IssuerName}");
        }
    }

    private static byte[] ReadFile(string path) => BoundedRead.File(path, InputLimits.Collateral, "collateral file");
}
