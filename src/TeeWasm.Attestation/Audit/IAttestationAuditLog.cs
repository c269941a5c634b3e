namespace TeeWasm.Attestation.Audit;

/// <summary>
/// A sink for attestation audit events (detect, attest, verify, token issued/verified, secret requested/released/refused).
/// Implementations must never record a secret or a whole token and must not throw for I/O trouble they can report.
/// </summary>
public interface IAttestationAuditLog
{
    /// <summary>Records one event.</summary>
    void Write(AuditEvent auditEvent);
}

/// <summary>An audit log that records nothing (the default).</summary>
public sealed class NullAuditLog : IAttestationAuditLog
{
    /// <summary>The shared instance.</summary>
    public static NullAuditLog Instance { get; } = new();

    private NullAuditLog() { }

    /// <inheritdoc />
    public void Write(AuditEvent auditEvent) { }
}
