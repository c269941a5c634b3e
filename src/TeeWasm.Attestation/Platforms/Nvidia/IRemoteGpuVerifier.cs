namespace TeeWasm.Attestation.Platforms.Nvidia;

/// <summary>A remote verifier of GPU evidence (NVIDIA's NRAS) whose verified verdict a GPU source adds to its own.</summary>
public interface IRemoteGpuVerifier
{
    /// <summary>Sends the reports with their chains, requested over <paramref name="nonce"/>, and returns the verdict once verified.</summary>
    /// <exception cref="NvidiaAttestationException">The service failed, refused, or answered a verdict that does not verify.</exception>
    RemoteGpuVerdict Attest(IReadOnlyList<(byte[] Report, string CertificateChainPem)> evidence, byte[] nonce, string arch);
}

/// <summary>A remote verifier's verified verdict.</summary>
/// <param name="OverallToken">The overall token (an EAT).</param>
/// <param name="OverallClaimsJson">Its claims (JSON).</param>
public sealed record RemoteGpuVerdict(string OverallToken, string OverallClaimsJson);
