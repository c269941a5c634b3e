using TeeWasm.Attestation.Tokens;

namespace TeeWasm.Attestation.Services;

/// <summary>
/// A remote verifier of VM evidence that answers with a signed token (Azure Attestation, Intel Trust Authority).
/// When one is configured the <see cref="Attester"/> hands the guest that service's token instead of the local one.
/// </summary>
public interface IVmTokenService
{
    /// <summary>"name at URL", for messages and the audit log.</summary>
    string Service { get; }

    /// <summary>The issuer its tokens carry.</summary>
    string Issuer { get; }

    /// <summary>Sends the evidence, receives the token, verifies it (signature, issuer, lifetime, nonce) and returns it.</summary>
    /// <exception cref="RemoteServiceException">The service failed, refused, or answered a token that does not verify.</exception>
    string Attest(ServiceEvidence evidence);

    /// <summary>Verifies one of its tokens against its signing keys.</summary>
    TokenVerification Verify(string token);
}
