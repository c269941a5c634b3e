using System.Security.Cryptography;

namespace TeeWasm.Attestation.Tokens;

/// <summary>
/// The host's ephemeral P-256 key, made at start-up. Its public key is bound into every hardware report
/// (see <see cref="Evidence.ReportDataBinding"/>) and it signs the tokens the local verifier issues.
/// </summary>
public sealed class HostAttestationKey : IDisposable
{
    private HostAttestationKey(ECDsa key)
    {
        Key = key;
        var p = key.ExportParameters(false);
        PublicPoint = [0x04, .. p.Q.X!, .. p.Q.Y!];
        KeyId = Convert.ToHexStringLower(SHA256.HashData(PublicPoint))[..16];
    }

    /// <summary>The private key (never leaves the process).</summary>
    public ECDsa Key { get; }

    /// <summary>The public key as an uncompressed SEC1 point (0x04 ‖ X ‖ Y, 65 bytes): the bytes bound into report_data.</summary>
    public byte[] PublicPoint { get; }

    /// <summary>A short identifier of the key (first 16 hex digits of SHA-256 of the public point), used as the JWT <c>kid</c>.</summary>
    public string KeyId { get; }

    /// <summary>Makes a fresh key.</summary>
    public static HostAttestationKey Create() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>Wraps an existing P-256 key (tests, or a key kept by the caller).</summary>
    public static HostAttestationKey FromKey(ECDsa key)
    {
        if (key.KeySize != 256) throw new ArgumentException("the host attestation key must be P-256", nameof(key));
        return new HostAttestationKey(key);
    }

    /// <summary>The public half as a standalone key (for verifiers).</summary>
    public ECDsa ExportPublic()
    {
        var pub = ECDsa.Create();
        pub.ImportParameters(Key.ExportParameters(false));
        return pub;
    }

    /// <inheritdoc />
    public void Dispose() => Key.Dispose();
}
