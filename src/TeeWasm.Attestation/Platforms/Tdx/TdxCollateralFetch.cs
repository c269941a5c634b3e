using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.Verification;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>
/// What a TDX quote needs from Intel PCS, asked of an <see cref="ICollateralFetcher"/>: the TDX TCB info of the PCK's
/// FMSPC (its <c>TCB-Info-Issuer-Chain</c> becomes the TCB signing chain), the TD QE identity, the CRL of the PCK's
/// CA (platform or processor) and the Intel SGX Root CA CRL.
/// </summary>
public static class TdxCollateralFetch
{
    /// <summary>Fetches the collateral of <paramref name="quote"/>.</summary>
    /// <exception cref="VerificationInputException">The quote carries no PCK chain with an SGX extension to read the FMSPC from.</exception>
    /// <exception cref="CollateralUnavailableException">PCS did not give a piece.</exception>
    public static TdxCollateral For(ICollateralFetcher fetcher, ReadOnlySpan<byte> quote)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        if (!TdxQuote.TryParse(quote, out TdxQuote? q, out string? error))
            throw new VerificationInputException("--fetch: the TDX quote does not parse: " + error);
        if (q.SignatureData.PckCertificateChainPem is not { } pem)
            throw new VerificationInputException("--fetch: the quote carries no PCK certificate chain, so its FMSPC is not known");
        IReadOnlyList<X509Certificate2> chain = CertificateLoader.Load(pem.AsSpan());
        if (!PckCertificateExtensions.TryRead(chain[0], out PckCertificateExtensions? pck, out string? extError))
            throw new VerificationInputException("--fetch: " + extError);
        string ca = chain[0].IssuerName.Name.Contains("Processor", StringComparison.Ordinal) ? "processor" : "platform";

        CollateralItem tcb = fetcher.Fetch(new CollateralRequest { Kind = CollateralKind.IntelTcbInfo, Fmspc = pck.FmspcHex });
        CollateralItem qe = fetcher.Fetch(new CollateralRequest { Kind = CollateralKind.IntelQeIdentity });
        CollateralItem pckCrl = fetcher.Fetch(new CollateralRequest { Kind = CollateralKind.IntelPckCrl, Ca = ca });
        CollateralItem rootCrl = fetcher.Fetch(new CollateralRequest { Kind = CollateralKind.IntelRootCaCrl });
        X509Certificate2Collection? signing = null;
        if ((tcb.IssuerChainPem ?? qe.IssuerChainPem) is { } issuer)
        {
            signing = [];
            signing.ImportFromPem(issuer);
        }
        return new TdxCollateral
        {
            TcbInfo = TdxTcbInfo.Parse(tcb.Body),
            QeIdentity = TdxQeIdentity.Parse(qe.Body),
            TcbSigningChain = signing,
            Crls = [SgxCertificateRevocationList.Parse(pckCrl.Body, pckCrl.Source), SgxCertificateRevocationList.Parse(rootCrl.Body, rootCrl.Source)],
        };
    }
}
