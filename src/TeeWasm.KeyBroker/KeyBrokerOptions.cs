using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TeeWasm.Attestation.Audit;

namespace TeeWasm.KeyBroker;

/// <summary>Settings of the embedded key broker.</summary>
public sealed record KeyBrokerOptions
{
    /// <summary>Where to listen: <c>HOST:PORT</c> or a URL; port 0 picks a free one. Loopback by default.</summary>
    public string Listen { get; init; } = "127.0.0.1:8080";

    /// <summary>
    /// Serve plain HTTP on an address other than loopback. Off by default: such a <see cref="Listen"/> is refused,
    /// since cookies and tokens (not the secrets, which are encrypted to the TEE key) would cross the network in clear.
    /// </summary>
    public bool AllowInsecureHttp { get; init; }

    /// <summary>The certificate (with its private key) for an <c>https://</c> <see cref="Listen"/> address; null for plain HTTP.</summary>
    public X509Certificate2? TlsCertificate { get; init; }

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

    /// <summary>Most attested sessions held at once (expired ones are dropped first); beyond it <c>/attest</c> answers 503. Challenges (<c>/auth</c>) take no memory.</summary>
    public int MaxSessions { get; init; } = 10_000;

    /// <summary>How long a challenge (<c>/auth</c>) may be answered (<c>/attest</c>).</summary>
    public TimeSpan ChallengeLifetime { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long an attested session (cookie) stays valid, from its attestation.</summary>
    public TimeSpan SessionLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Where verify/token/secret events go.</summary>
    public IAttestationAuditLog AuditLog { get; init; } = NullAuditLog.Instance;

    /// <summary>Where each request (method, path, status, latency, client address; never a body, cookie or secret) and each failure is logged.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>
    /// Workload documents the broker knows (<c>kbs serve --workloads</c>): a refusal of a launch that is not in a rule's
    /// <c>workload_digests</c> names how it differs from the closest allowed one among these.
    /// </summary>
    public IReadOnlyList<TeeWasm.Attestation.Evidence.WorkloadIdentity> Workloads { get; init; } = [];

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
