using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TeeWasm.Attestation.Platforms.Tdx;

/// <summary>The Intel SGX Root CA, pinned inside the library (embedded resource, fingerprint checked at load).</summary>
public static class IntelSgxRootCa
{
    /// <summary>SHA-256 fingerprint of the pinned Intel SGX Root CA certificate (DER), upper-case hex.</summary>
    public const string Sha256Fingerprint = "44A0196B2B99F889B8E149E95B807A350E7424964399E885A7CBB8CCFAB674D3";

    private const string ResourceName = "TeeWasm.Attestation.Platforms.Tdx.intel-sgx-root-ca.pem";

    private static readonly Lazy<byte[]> s_der = new(LoadDer);

    /// <summary>A fresh copy of the pinned certificate (the caller disposes it).</summary>
    public static X509Certificate2 Create() => X509CertificateLoader.LoadCertificate(s_der.Value);

    /// <summary>The root's DER bytes (checked against <see cref="Sha256Fingerprint"/> once).</summary>
    internal static ReadOnlyMemory<byte> Der => s_der.Value;

    private static byte[] LoadDer()
    {
        using Stream stream = typeof(IntelSgxRootCa).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new TdxException($"embedded resource {ResourceName} is missing");
        using var reader = new StreamReader(stream);
        using X509Certificate2 cert = X509Certificate2.CreateFromPem(reader.ReadToEnd());
        byte[] der = cert.RawData;
        string fingerprint = Convert.ToHexString(SHA256.HashData(der));
        if (fingerprint != Sha256Fingerprint)
        {
            throw new TdxException($"embedded Intel SGX Root CA has fingerprint {fingerprint}, expected {Sha256Fingerprint}");
        }
        return der;
    }
}
