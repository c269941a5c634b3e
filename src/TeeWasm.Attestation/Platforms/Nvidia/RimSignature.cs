using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Security.Cryptography.Xml;
using System.Xml;

namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>
/// Checks the enveloped XML signature of a RIM (ECDSA-SHA384 over SignedInfo, one same-document reference with the
/// enveloped-signature and C14N 1.1 transforms, SHA-384 digest). For a whole document without xml:id/xml:base subtleties
/// C14N 1.1 and C14N 1.0 produce the same bytes, so the 1.1 URI is served by the 1.0 transform.
/// </summary>
internal static class RimSignature
{
    public const string C14N11 = "http://www.w3.org/2006/12/xml-c14n11";
    public const string EcdsaSha384 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384";
    public const string EnvelopedSignature = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
    public const string Sha384Digest = "http://www.w3.org/2001/04/xmldsig-more#sha384";
    private static readonly Lock s_gate = new();
    private static bool s_registered;

    /// <summary>True when the document's signature verifies with <paramref name="key"/>; otherwise false and why.</summary>
    /// <remarks>
    /// <see cref="SignedXml"/> makes the algorithms a signature names by their URIs through <see cref="CryptoConfig"/>,
    /// which the trimmer cannot follow; every algorithm a RIM signature uses is registered here by its type, its
    /// constructors kept (<see cref="Add{T}"/>), so the native build checks RIMs as the .NET build does
    /// (scripts/test-packages.sh compares the two on the RIM vectors). A signature naming any other transform (an
    /// XSLT one, the reason for the dynamic-code warning) is refused in both: .NET's SignedXml does not run transforms
    /// outside its safe list, and in the native build the transform is not there at all.
    /// </remarks>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "RIM algorithms are registered by type in Register().")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "XSLT transforms are refused (see remarks).")]
    public static bool Verify(XmlDocument document, ECDsa key, out string? error)
    {
        Register();
        var signatureElement = document.GetElementsByTagName("Signature", SignedXml.XmlDsigNamespaceUrl).OfType<XmlElement>().ToList();
        if (signatureElement.Count != 1)
        {
            error = $"RIM has {signatureElement.Count} XML signatures (exactly one expected)";
            return false;
        }
        var signed = new SignedXml(document);
        signed.SafeCanonicalizationMethods.Add(C14N11);
        try
        {
            signed.LoadXml(signatureElement[0]);
        }
        catch (Exception e) when (e is CryptographicException or FormatException) // FormatException: a DigestValue that is not base64
        {
            error = "RIM signature element is malformed: " + e.Message;
            return false;
        }
        if (signed.SignatureMethod != EcdsaSha384)
        {
            error = $"RIM signature method {signed.SignatureMethod} is not ECDSA-SHA384";
            return false;
        }
        if (signed.SignedInfo?.References.Count != 1 || signed.SignedInfo.References[0] is not Reference { Uri: "" })
        {
            error = "RIM signature must have exactly one reference to the whole document (URI=\"\")";
            return false;
        }
        bool ok;
        try
        {
            ok = signed.CheckSignature(key);
        }
        catch (CryptographicException e)
        {
            error = "RIM signature could not be checked: " + e.Message;
            return false;
        }
        error = ok ? null : "RIM XML signature does not verify (document digest or ECDSA signature over SignedInfo is wrong)";
        return ok;
    }

    private static void Register()
    {
        lock (s_gate)
        {
            if (s_registered) return;
            Add<EcdsaSha384XmlSignatureDescription>(EcdsaSha384);
            Add<XmlDsigC14NTransform>(C14N11);
            Add<XmlDsigEnvelopedSignatureTransform>(EnvelopedSignature);
            // The digest .NET maps this URI to by default (SHA384Managed: obsolete as an API, the same SHA-384 inside).
#pragma warning disable SYSLIB0021
            Add<SHA384Managed>(Sha384Digest);
#pragma warning restore SYSLIB0021
            s_registered = true;
        }
    }

    /// <summary>Maps <paramref name="uri"/> to <typeparamref name="T"/>, whose constructors the trimmer then keeps for <see cref="CryptoConfig"/>.</summary>
    private static void Add<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>(string uri) =>
        CryptoConfig.AddAlgorithm(typeof(T), uri);

    internal sealed class Deformatter(ECDsa key) : AsymmetricSignatureDeformatter
    {
        private ECDsa _key = key;

        public override void SetKey(AsymmetricAlgorithm key) => _key = (ECDsa)key;

        public override void SetHashAlgorithm(string strName) { }

        public override bool VerifySignature(byte[] rgbHash, byte[] rgbSignature) =>
            _key.VerifyHash(rgbHash, rgbSignature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }
}
