using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Inputs;

namespace TeeWasm.Attestation.X509;

/// <summary>Loads VCEK/VLEK/ASK/ARK certificates from DER or PEM.</summary>
public static class CertificateLoader
{
    /// <summary>Loads every certificate in <paramref name="data"/>: one DER certificate, or any number of PEM blocks.</summary>
    public static IReadOnlyList<X509Certificate2> Load(ReadOnlySpan<byte> data)
    {
        if (data.IndexOf("-----BEGIN"u8) >= 0) return Load(Encoding.ASCII.GetString(data).AsSpan());
        try
        {
            return [Decode(data)];
        }
        catch (CryptographicException e)
        {
            throw new AttestationException("not a DER or PEM certificate", e);
        }
    }

    /// <summary>Loads every PEM certificate block in <paramref name="pem"/>.</summary>
    public static IReadOnlyList<X509Certificate2> Load(ReadOnlySpan<char> pem)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem);
            foreach (X509Certificate2 c in collection) ReadValidity(c);
        }
        catch (CryptographicException e)
        {
            throw new AttestationException("malformed PEM certificate", e);
        }
        if (collection.Count == 0) throw new AttestationException("no PEM certificate found");
        return [.. collection];
    }

    /// <summary>
    /// Loads one DER certificate and reads its validity dates: the platform decodes those only when they are read, so a
    /// certificate whose dates do not decode fails here, where it is loaded, not in a verifier that reads them later.
    /// </summary>
    /// <exception cref="CryptographicException">Not a certificate, or its validity does not decode.</exception>
    public static X509Certificate2 Decode(ReadOnlySpan<byte> der)
    {
        X509Certificate2 certificate = X509CertificateLoader.LoadCertificate(der);
        try
        {
            ReadValidity(certificate);
        }
        catch (CryptographicException)
        {
            certificate.Dispose();
            throw;
        }
        return certificate;
    }

    private static void ReadValidity(X509Certificate2 certificate) => _ = (certificate.NotBefore, certificate.NotAfter);

    /// <summary>Loads every certificate in a DER or PEM file (at most <see cref="InputLimits.Certificate"/> bytes).</summary>
    /// <exception cref="AttestationException">Not certificates, or larger than the cap (<see cref="InputTooLargeException"/>).</exception>
    public static IReadOnlyList<X509Certificate2> LoadFile(string path) => Load(BoundedRead.File(path, InputLimits.Certificate, "certificate file"));
}
