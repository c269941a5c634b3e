using System.Security.Cryptography;

namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>
/// The XML-DSig signature method <c>http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384</c> (RFC 6931): SHA-384 digest,
/// signature r ‖ s. Public only because <see cref="CryptoConfig"/> requires registered algorithms to be; verification only.
/// </summary>
public sealed class EcdsaSha384XmlSignatureDescription : SignatureDescription
{
    /// <summary>Creates the description.</summary>
    public EcdsaSha384XmlSignatureDescription()
    {
        KeyAlgorithm = typeof(ECDsa).AssemblyQualifiedName;
        DigestAlgorithm = typeof(SHA384).AssemblyQualifiedName;
    }

    /// <inheritdoc />
    public override HashAlgorithm CreateDigest() => SHA384.Create();

    /// <inheritdoc />
    public override AsymmetricSignatureDeformatter CreateDeformatter(AsymmetricAlgorithm key) => new RimSignature.Deformatter((ECDsa)key);

    /// <inheritdoc />
    public override AsymmetricSignatureFormatter CreateFormatter(AsymmetricAlgorithm key) =>
        throw new NotSupportedException("RIM signatures are only verified");
}
