using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Tokens;

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

    /// <summary>
    /// The report_data binding this service checks, for a report about to be collected: Azure Attestation's
    /// (SHA-256 of the runtime data) or Intel Trust Authority's (SHA-512 over a nonce it issues now, and the runtime data).
    /// The default is TeeWasm's own scheme, which a real service's runtime-data check does not accept. A
    /// <paramref name="workload"/> is bound too (its digest in the runtime data).
    /// </summary>
    /// <exception cref="Http.RemoteServiceException">The service failed to issue what the binding needs (ITA's nonce).</exception>
    VmBinding Bind(ReadOnlySpan<byte> moduleHash, ReadOnlySpan<byte> hostKey, ReadOnlySpan<byte> nonce, WorkloadIdentity? workload = null) =>
        VmBinding.TeeWasm(moduleHash, hostKey, nonce, workload);

    /// <summary>
    /// True when the service checks its binding through an Azure CVM's HCL <c>user-data</c> (Intel Trust Authority):
    /// then its <see cref="Bind"/> applies on Azure too, where report_data is otherwise the paravisor's.
    /// </summary>
    bool BindsThroughHclUserData => false;

    /// <summary>Sends the evidence (with its <see cref="AttestationEvidence.Binding"/>), receives the token, verifies it (signature, issuer, lifetime, nonce) and returns it.</summary>
    /// <exception cref="Http.RemoteServiceException">The service failed, refused, or answered a token that does not verify.</exception>
    string Attest(AttestationEvidence evidence);

    /// <summary>Verifies one of its tokens against its signing keys.</summary>
    TokenVerification Verify(string token);
}
