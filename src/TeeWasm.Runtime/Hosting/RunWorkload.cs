using System.Reflection;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Services.Kbs;

namespace TeeWasm.Runtime.Hosting;

/// <summary>The <see cref="WorkloadIdentity"/> of a launch: what the runner measures before the guest starts.</summary>
public static class RunWorkload
{
    /// <summary>The runtime's version as the workload names it (the informational version: release and commit).</summary>
    public static string RuntimeVersion { get; } =
        typeof(RunWorkload).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(RunWorkload).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>
    /// The identity of running the module whose SHA-256 is <paramref name="moduleHash"/>, named <paramref name="moduleName"/>
    /// (the guest's argv[0]), with <paramref name="options"/>: the WASI configuration the guest will see and the host
    /// interfaces the options enable.
    /// </summary>
    public static WorkloadIdentity Describe(byte[] moduleHash, string moduleName, RunOptions options)
    {
        ArgumentNullException.ThrowIfNull(moduleHash);
        ArgumentNullException.ThrowIfNull(options);
        return new WorkloadIdentity
        {
            ModuleSha256 = moduleHash.ToArray(),
            Arguments = [moduleName, .. options.Arguments],
            Environment = [.. options.Environment],
            Directories = [.. options.Directories.Select(d => new WorkloadDirectory(d.GuestPath, d.Access))],
            Host = new WorkloadHost
            {
                Attestation = options.Attestation.Mode switch
                {
                    AttestationMode.None => "none",
                    AttestationMode.Simulate => "simulate",
                    _ => "auto",
                },
                Gpu = options.Gpu.ToString().ToLowerInvariant(),
                KeyBroker = options.KeyBroker?.Endpoint.AbsoluteUri,
                KeyBrokerEvidence = options.KeyBroker is { } kbs ? (kbs.Evidence == KbsEvidenceFormat.Trustee ? "trustee" : "teewasm") : null,
                PolicySha256 = options.Policy?.Sha256(),
                RequireAttestation = options.RequireAttestation,
            },
            RuntimeVersion = RuntimeVersion,
        };
    }
}
