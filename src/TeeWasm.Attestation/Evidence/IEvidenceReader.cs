namespace TeeWasm.Attestation.Evidence;

/// <summary>Reads one platform's evidence from the evidence JSON (each platform registers one).</summary>
public interface IEvidenceReader
{
    /// <summary>This platform's evidence from <paramref name="document"/>, or null when the document holds another platform's.</summary>
    /// <exception cref="AttestationException">The document is this platform's evidence but malformed.</exception>
    /// <exception cref="FormatException">A member that must be base64 or hex is not.</exception>
    AttestationEvidence? TryRead(EvidenceDocument document);
}
