using System.Security.Cryptography.X509Certificates;

namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>The NVIDIA roots pinned in the library (embedded resources, never the platform trust store).</summary>
public static class NvidiaRootCertificates
{
    /// <summary>SHA-256 fingerprint of "NVIDIA Device Identity CA", the root of GPU device certificate chains.</summary>
    public const string DeviceIdentityCaSha256 = "102BF659D5419614C9D8E6AECEBC80454EB26B1DF6A769AC720B9A690B167B48";

    /// <summary>SHA-256 fingerprint of "NVIDIA CoRIM signing Root CA", the root of RIM signing chains.</summary>
    public const string RimRootCaSha256 = "12977B5115ACB0381179279FFFEB5A8C4D264971EBB32298023A465FA41DF5D1";

    private static readonly Lazy<X509Certificate2> s_device = new(() => Load("nvidia-device-identity-ca.pem", DeviceIdentityCaSha256));
    private static readonly Lazy<X509Certificate2> s_rim = new(() => Load("nvidia-corim-root-ca.pem", RimRootCaSha256));

    /// <summary>NVIDIA Device Identity CA.</summary>
    public static X509Certificate2 DeviceIdentityCa => s_device.Value;

    /// <summary>NVIDIA CoRIM signing Root CA.</summary>
    public static X509Certificate2 RimRootCa => s_rim.Value;

    private static X509Certificate2 Load(string name, string sha256)
    {
        using Stream stream = typeof(NvidiaRootCertificates).Assembly.GetManifestResourceStream("TeeWasm.Attestation.Platforms.Nvidia.Roots." + name)
            ?? throw new InvalidOperationException($"embedded NVIDIA root {name} is missing");
        using var reader = new StreamReader(stream);
        var cert = X509Certificate2.CreateFromPem(reader.ReadToEnd());
        string actual = Convert.ToHexString(cert.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256));
        if (actual != sha256) throw new InvalidOperationException($"embedded NVIDIA root {name} has fingerprint {actual}, expected {sha256}");
        return cert;
    }
}
