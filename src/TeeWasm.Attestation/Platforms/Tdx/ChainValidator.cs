using System.Security.Cryptography.X509Certificates;
using TeeWasm.Attestation.X509;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>
/// Validates an Intel certificate chain (leaf first) to a pinned root with <see cref="CertificateChain"/>, and words
/// what is wrong in TDX terms (<see cref="TdxFailureReason"/>).
/// </summary>
internal static class ChainValidator
{
    /// <summary>
    /// Validates <paramref name="chain"/> to <paramref name="root"/> at <paramref name="time"/>; when the chain stops
    /// below the root, a copy of the root is appended to it (the caller owns the chain's certificates).
    /// </summary>
    public static bool TryValidate(List<X509Certificate2> chain, X509Certificate2 root, DateTimeOffset time, string what, out TdxFailureReason reason, out string error)
    {
        int given = chain.Count;
        ChainValidation outcome = CertificateChain.Validate(chain, root, time);
        if (chain.Count > given) chain[^1] = X509CertificateLoader.LoadCertificate(root.RawData);
        (reason, error) = outcome switch
        {
            { Fault: ChainFault.None } => (TdxFailureReason.None, ""),
            { Fault: ChainFault.NotAtRoot, Certificate: { } last } => (TdxFailureReason.PckChainUntrusted,
                $"{what} chain ends at '{last.Subject}' (issuer '{last.Issuer}'), not at the pinned {CertificateChain.Name(root)} (SHA-256 {IntelSgxRootCa.Sha256Fingerprint})"),
            { Fault: ChainFault.Broken, Certificate: { } cert, Issuer: { } issuer } => (TdxFailureReason.PckChainInvalid,
                $"{what} chain is out of order: '{cert.Subject}' is issued by '{cert.Issuer}', next is '{issuer.Subject}'"),
            { Fault: ChainFault.IssuerNotCa, Issuer: { } issuer } => (TdxFailureReason.PckChainInvalid,
                $"{what} chain: issuer '{issuer.Subject}' is not a CA"),
            { Fault: ChainFault.BadSignature, Certificate: { } cert, Issuer: { } issuer } => (TdxFailureReason.PckChainInvalid,
                $"{what} chain: signature of '{cert.Subject}' does not verify with the key of '{issuer.Subject}'"),
            { Fault: ChainFault.OutsideValidity, Certificate: { } cert } => (TdxFailureReason.CertificateExpired,
                $"{what} chain: certificate {CertificateChain.DescribeValidity(cert, time)}"),
            _ => throw new InvalidOperationException($"unexpected chain outcome {outcome.Fault}"),
        };
        return outcome.IsValid;
    }
}
