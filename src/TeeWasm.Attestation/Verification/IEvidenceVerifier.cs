using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Verification;

/// <summary>
/// Verifies one platform's evidence. Every platform has one (configured with its own options: roots, collateral, RIMs);
/// all return an <see cref="Appraisal"/> and none throws for a verdict.
/// </summary>
public interface IEvidenceVerifier
{
    /// <summary>True when this verifier verifies <paramref name="evidence"/> (its platform's record type).</summary>
    bool CanVerify(AttestationEvidence evidence);

    /// <summary>Verifies <paramref name="evidence"/>; a rejection is an appraisal, never an exception.</summary>
    /// <exception cref="ArgumentException">The evidence is another platform's (<see cref="CanVerify"/> is false).</exception>
    Appraisal Verify(AttestationEvidence evidence, VerificationContext context);
}

/// <summary>Base of a platform verifier for one evidence record type.</summary>
/// <typeparam name="TEvidence">The platform's evidence record.</typeparam>
public abstract class EvidenceVerifier<TEvidence> : IEvidenceVerifier
    where TEvidence : AttestationEvidence
{
    /// <inheritdoc />
    public bool CanVerify(AttestationEvidence evidence) => evidence is TEvidence;

    /// <inheritdoc />
    public Appraisal Verify(AttestationEvidence evidence, VerificationContext context)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        ArgumentNullException.ThrowIfNull(context);
        return evidence is TEvidence typed
            ? Verify(typed, context)
            : throw new ArgumentException($"{GetType().Name} verifies {typeof(TEvidence).Name}, not {evidence.GetType().Name}", nameof(evidence));
    }

    /// <summary>Verifies this platform's evidence.</summary>
    public abstract Appraisal Verify(TEvidence evidence, VerificationContext context);
}
