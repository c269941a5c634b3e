using System.Security.Cryptography;

namespace TeeWasm.Attestation.Evidence;

/// <summary>How a guest may use a preopened directory.</summary>
public enum DirectoryAccess
{
    /// <summary>Read and write (create, rename, delete).</summary>
    ReadWrite,

    /// <summary>Read only: the runtime refuses every operation that would change it.</summary>
    ReadOnly,
}

/// <summary>A directory preopened for the guest, as the guest sees it (the host path is not part of the identity).</summary>
/// <param name="GuestPath">The name the guest opens it by.</param>
/// <param name="Access">What the guest may do in it.</param>
public sealed record WorkloadDirectory(string GuestPath, DirectoryAccess Access);

/// <summary>The host interfaces a launch enables, as the command line chose them.</summary>
public sealed record WorkloadHost
{
    /// <summary>The evidence source: "auto", "simulate" or "none" (<c>--tee</c>).</summary>
    public required string Attestation { get; init; }

    /// <summary>The <c>wasi:gpu</c> backend asked for: "auto", "cuda", "webgpu", "cpu" or "none" (<c>--gpu</c>).</summary>
    public required string Gpu { get; init; }

    /// <summary>The key broker <c>get_secret</c> asks (<c>--kbs</c>), or null.</summary>
    public string? KeyBroker { get; init; }

    /// <summary>The evidence sent to the key broker ("teewasm", "trustee"), or null without one.</summary>
    public string? KeyBrokerEvidence { get; init; }

    /// <summary>SHA-256 of the attestation policy's canonical form (<c>--policy</c>), or null without one.</summary>
    public byte[]? PolicySha256 { get; init; }

    /// <summary>Whether the VM is attested and the policy checked before the guest starts (<c>--require-attestation</c>).</summary>
    public bool RequireAttestation { get; init; }
}

/// <summary>
/// The identity of one launch: the module, the WASI configuration the guest sees (arguments, environment, preopened
/// directories with their access), the host interfaces enabled and the runtime. Its digest (SHA-256 of the RFC 8785
/// canonical form of its document, <see cref="WorkloadDocument"/>) is bound into report_data, carried in tokens and
/// receipts, and matched by the key broker's <c>workload_digests</c>. Everything the guest can observe at start-up is
/// here, so changing any of it (one environment variable, one argument) changes the digest. docs/workload.md has the format.
/// </summary>
public sealed record WorkloadIdentity
{
    private byte[]? _digest;

    /// <summary>A copy (<c>with</c>): every member but the cached digest, which the copy computes for itself.</summary>
    private WorkloadIdentity(WorkloadIdentity original)
    {
        ModuleSha256 = original.ModuleSha256;
        Arguments = original.Arguments;
        Environment = original.Environment;
        Directories = original.Directories;
        Host = original.Host;
        RuntimeName = original.RuntimeName;
        RuntimeVersion = original.RuntimeVersion;
    }

    /// <summary>An identity; set every required member.</summary>
    public WorkloadIdentity() { }

    /// <summary>SHA-256 of the guest module (for a precompiled module, the one recorded in it).</summary>
    public required byte[] ModuleSha256 { get; init; }

    /// <summary>The arguments as the guest sees them, the program name (argv[0]) first.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>The environment variables as the guest sees them, in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; } = [];

    /// <summary>The preopened directories, in the order the guest sees them.</summary>
    public IReadOnlyList<WorkloadDirectory> Directories { get; init; } = [];

    /// <summary>The host interfaces enabled.</summary>
    public required WorkloadHost Host { get; init; }

    /// <summary>The runtime that launches the guest ("tee-wasm").</summary>
    public string RuntimeName { get; init; } = "tee-wasm";

    /// <summary>Its version (informational version: release and commit).</summary>
    public required string RuntimeVersion { get; init; }

    /// <summary>SHA-256 of the canonical document (computed once).</summary>
    public byte[] Digest => _digest ??= SHA256.HashData(WorkloadDocument.Canonical(this));

    /// <summary>The digest as lower-case hex.</summary>
    public string DigestHex => Convert.ToHexStringLower(Digest);

    /// <summary>
    /// What differs from <paramref name="other"/> (an allowed launch, say), one phrase per difference, the other's value
    /// first ("environment EPOCHS: '10' → '20'", "argument 2 '--fast' added"); empty when both are the same launch.
    /// </summary>
    public IReadOnlyList<string> DifferencesFrom(WorkloadIdentity other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var d = new List<string>();
        if (!ModuleSha256.AsSpan().SequenceEqual(other.ModuleSha256))
            d.Add($"module sha256 {Short(other.ModuleSha256)} → {Short(ModuleSha256)}");
        for (int i = 0; i < Math.Max(Arguments.Count, other.Arguments.Count); i++)
        {
            string? was = i < other.Arguments.Count ? other.Arguments[i] : null, now = i < Arguments.Count ? Arguments[i] : null;
            if (was == now) continue;
            d.Add(was is null ? $"argument {i} {Quote(now!)} added" : now is null ? $"argument {i} {Quote(was)} removed" : $"argument {i}: {Quote(was)} → {Quote(now)}");
        }
        DiffEnvironment(other, d);
        var dirs = Directories.ToDictionary(x => x.GuestPath, x => x.Access, StringComparer.Ordinal);
        var otherDirs = other.Directories.ToDictionary(x => x.GuestPath, x => x.Access, StringComparer.Ordinal);
        foreach (var (path, access) in otherDirs)
        {
            if (!dirs.TryGetValue(path, out var now)) d.Add($"directory {Quote(path)} removed");
            else if (now != access) d.Add($"directory {Quote(path)}: {WorkloadDocument.AccessName(access)} → {WorkloadDocument.AccessName(now)}");
        }
        foreach (var (path, access) in dirs.Where(x => !otherDirs.ContainsKey(x.Key)))
            d.Add($"directory {Quote(path)} ({WorkloadDocument.AccessName(access)}) added");
        if (dirs.Count == otherDirs.Count && dirs.Keys.All(otherDirs.ContainsKey)
            && !Directories.Select(x => x.GuestPath).SequenceEqual(other.Directories.Select(x => x.GuestPath), StringComparer.Ordinal))
            d.Add("preopened directories in another order");
        Compare(d, "--tee", other.Host.Attestation, Host.Attestation);
        Compare(d, "--gpu", other.Host.Gpu, Host.Gpu);
        Compare(d, "key broker", other.Host.KeyBroker, Host.KeyBroker);
        Compare(d, "key broker evidence", other.Host.KeyBrokerEvidence, Host.KeyBrokerEvidence);
        Compare(d, "policy sha256", Hex(other.Host.PolicySha256), Hex(Host.PolicySha256));
        if (other.Host.RequireAttestation != Host.RequireAttestation)
            d.Add($"--require-attestation {(Host.RequireAttestation ? "added" : "removed")}");
        Compare(d, "runtime", $"{other.RuntimeName} {other.RuntimeVersion}", $"{RuntimeName} {RuntimeVersion}");
        return d;
    }

    private void DiffEnvironment(WorkloadIdentity other, List<string> d)
    {
        var now = Environment.GroupBy(e => e.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(e => e.Value).ToList(), StringComparer.Ordinal);
        var was = other.Environment.GroupBy(e => e.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(e => e.Value).ToList(), StringComparer.Ordinal);
        foreach (var (name, values) in was)
        {
            if (!now.TryGetValue(name, out var current)) d.Add($"environment {name} (was {Quote(values[0])}) removed");
            else if (!values.SequenceEqual(current, StringComparer.Ordinal)) d.Add($"environment {name}: {Quote(values[0])} → {Quote(current[0])}");
        }
        foreach (var (name, values) in now.Where(x => !was.ContainsKey(x.Key)))
            d.Add($"environment {name}={Quote(values[0])} added");
        if (now.Count == was.Count && now.Keys.All(was.ContainsKey) && Environment.Count == other.Environment.Count
            && !Environment.Select(e => e.Key).SequenceEqual(other.Environment.Select(e => e.Key), StringComparer.Ordinal))
            d.Add("environment variables in another order");
    }

    private static void Compare(List<string> d, string what, string? was, string? now)
    {
        if (!string.Equals(was, now, StringComparison.Ordinal)) d.Add($"{what}: {was ?? "none"} → {now ?? "none"}");
    }

    private static string? Hex(byte[]? b) => b is null ? null : Short(b);

    private static string Short(byte[] b) => Convert.ToHexStringLower(b)[..Math.Min(16, b.Length * 2)] + "…";

    /// <summary>A value in quotes, shortened to 48 characters (refusals are read by people, values can be long).</summary>
    private static string Quote(string value) => value.Length <= 48 ? $"'{value}'" : $"'{value[..45]}…'";
}
