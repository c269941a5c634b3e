using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Services.Kbs;

/// <summary>
/// Facts of the Confidential Containers (Trustee) KBS protocol, "RCAR": <c>POST /kbs/v0/auth</c> (Request → Challenge,
/// session cookie <c>kbs-session-id</c>), <c>POST /kbs/v0/attest</c> (the TEE public key and evidence whose report_data
/// binds the challenge nonce and that key), <c>GET /kbs/v0/resource/&lt;repository&gt;/&lt;type&gt;/&lt;tag&gt;</c>
/// (the secret as a flattened JWE encrypted to the TEE key).
/// </summary>
public static partial class KbsProtocol
{
    /// <summary>The protocol version this client and broker speak.</summary>
    public const string Version = "0.1.0";

    /// <summary>The session cookie's name.</summary>
    public const string SessionCookie = "kbs-session-id";

    /// <summary>Path of the Request → Challenge step.</summary>
    public const string AuthPath = "/kbs/v0/auth";

    /// <summary>Path of the Attestation step.</summary>
    public const string AttestPath = "/kbs/v0/attest";

    /// <summary>Prefix of resource paths.</summary>
    public const string ResourcePrefix = "/kbs/v0/resource/";

    /// <summary>Repository and type a bare secret name maps to: <c>name</c> → <c>default/secret/name</c>.</summary>
    public const string DefaultRepositoryAndType = "default/secret";

    /// <summary>
    /// The nonce bound into the evidence (the relying-party nonce of <see cref="ReportDataBinding"/>):
    /// SHA-256(UTF-8(challenge nonce) ‖ UTF-8(tee-pubkey n) ‖ UTF-8(tee-pubkey e)), so the report proves freshness and
    /// that the TEE holds the key the secret will be encrypted to.
    /// </summary>
    public static byte[] BindingNonce(string challengeNonce, string modulusBase64Url, string exponentBase64Url) =>
        SHA256.HashData(Encoding.UTF8.GetBytes(challengeNonce + modulusBase64Url + exponentBase64Url));

    /// <summary>
    /// The binding nonce for a TEE key given as its JWK's typed members (<see cref="TeePublicKey.Jwk"/>): RSA as
    /// <see cref="BindingNonce(string, string, string)"/>; EC SHA-256(UTF-8(challenge nonce) ‖ UTF-8(crv) ‖ UTF-8(x) ‖ UTF-8(y)).
    /// </summary>
    /// <exception cref="AttestationException">The JWK is neither an RSA nor an EC key.</exception>
    public static byte[] BindingNonce(string challengeNonce, System.Text.Json.Nodes.JsonObject jwk)
    {
        string Member(string name) => jwk[name]?.GetValue<string>() ?? throw new AttestationException($"tee-pubkey has no {name}");
        return (string?)jwk["kty"] switch
        {
            "RSA" => BindingNonce(challengeNonce, Member("n"), Member("e")),
            "EC" => SHA256.HashData(Encoding.UTF8.GetBytes(challengeNonce + Member("crv") + Member("x") + Member("y"))),
            var kty => throw new AttestationException($"tee-pubkey kty '{kty}' is neither RSA nor EC"),
        };
    }

    /// <summary>Normalises a secret name to <c>repository/type/tag</c>; null when it is not a valid name.</summary>
    public static string? ResourcePath(string name)
    {
        string[] parts = name.Split('/');
        if (parts.Length == 1) parts = [.. DefaultRepositoryAndType.Split('/'), parts[0]];
        if (parts.Length != 3 || !parts.All(p => Segment().IsMatch(p) && p is not ("." or ".."))) return null;
        return string.Join('/', parts);
    }

    /// <summary>
    /// The KBS <c>tee</c> a client names in its Request for TeeWasm evidence of a TEE: Trustee's names where Trustee
    /// has one (<c>snp</c>, <c>tdx</c>), else the TEE's ABI name in lower case with hyphens ("Foo TEE" → <c>foo-tee</c>).
    /// With TeeWasm evidence the broker reads the platform from the evidence itself; the name only has to be one it knows.
    /// </summary>
    public static string TeeName(TeeType type) => type switch
    {
        TeeType.AmdSevSnp => "snp",
        TeeType.IntelTdx => "tdx",
        _ => NonAlphanumeric().Replace(type.ToAbiName().ToLowerInvariant(), "-").Trim('-'),
    };

    /// <summary>The <c>tee</c> names of TeeWasm evidence: <see cref="TeeName"/> of every TEE that produces attestation evidence.</summary>
    public static IReadOnlyList<string> TeeWasmTeeNames { get; } =
        [.. Enum.GetValues<TeeType>().Where(t => t.SupportsAttestation()).Select(TeeName).Distinct()];

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NonAlphanumeric();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex Segment();
}
