using System.Diagnostics.CodeAnalysis;
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

    // The base methods create algorithms by name (CryptoConfig) and carry RequiresUnreferencedCode; these do not, but an
    // override must carry what its base carries.
    private const string NoReflection = "Creates its algorithms directly; annotated only to match the base method.";

    /// <inheritdoc />
    [RequiresUnreferencedCode(NoReflection)]
    public override HashAlgorithm CreateDigest() => SHA384.Create();

    /// <inheritdoc />
    [RequiresUnreferencedCode(NoReflection)]
    public override AsymmetricSignatureDeformatter CreateDeformatter(AsymmetricAlgorithm key) => new RimSignature.Deformatter((ECDsa)key);

    /// <inheritdoc />
    [RequiresUnreferencedCode(NoReflection)]
    public override AsymmetricSignatureFormatter CreateFormatter(AsymmetricAlgorithm key) =>
        throw new NotSupportedException("RIM signatures are only verified");
}
