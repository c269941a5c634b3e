using TeeWasm.Attestation.Audit;

namespace TeeWasm.KeyBroker;

/// <summary>Settings of the embedded key broker.</summary>
public sealed record KeyBrokerOptions
{
    /// <summary>Where to listen: <c>HOST:PORT</c> or a URL; port 0 picks a free one. Loopback by default.</summary>
    public string Listen { get; init; } = "127.0.0.1:8080";

    /// <summary>The secrets: the file <c>DIR/repository/type/tag</c> is the secret <c>repository/type/tag</c>.</summary>
    public required string SecretsDirectory { get; init; }

    /// <summary>Who gets which secret.</summary>
    public required SecretPolicy Policy { get; init; }

    /// <summary>The simulator's directory, whose root is trusted only when some policy rule allows simulated platforms.</summary>
    public string? SimulatorDirectory { get; init; }

    /// <summary>A directory of TDX collateral (TCB info, QE identity, CRLs) for the TCB status of TDX quotes; null skips it.</summary>
    public string? TdxCollateralDirectory { get; init; }

    /// <summary>
    /// Fetches vendor collateral the evidence lacks (SEV-SNP: the VCEK from AMD's KDS when the evidence carries none,
    /// with the chain and CRL; TDX: Intel PCS collateral by the quote's FMSPC when no <see cref="TdxCollateralDirectory"/>
    /// is given); null (the default) stays offline.
    /// </summary>
    public TeeWasm.Attestation.Verification.ICollateralFetcher? CollateralFetcher { get; init; }

    /// <summary>Most sessions held at once (older expired ones are dropped first); beyond it /auth answers 503.</summary>
    public int MaxSessions { get; init; } = 10_000;

    /// <summary>How long an attested session (cookie) stays valid.</summary>
    public TimeSpan SessionLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Where verify/token/secret events go.</summary>
    public IAttestationAuditLog AuditLog { get; init; } = NullAuditLog.Instance;

    /// <summary>
    /// Workload documents the broker knows (<c>kbs serve --workloads</c>): a refusal of a launch that is not in a rule's
    /// <c>workload_digests</c> names how it differs from the closest allowed one among these.
    /// </summary>
    public IReadOnlyList<TeeWasm.Attestation.Evidence.WorkloadIdentity> Workloads { get; init; } = [];

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
