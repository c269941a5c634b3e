using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Receipts;

/// <summary>A file of a preopened directory the guest read or wrote, and its digest.</summary>
/// <param name="Directory">The preopened directory's guest name.</param>
/// <param name="Path">The file's path inside it ('/'-separated).</param>
/// <param name="Sha256">Its SHA-256: for a written file its content when the guest exited; for a read file the content it
/// read (null when the guest also changed it during the run, so the content read is not known).</param>
/// <param name="Bytes">Its length in bytes (-1 with no digest).</param>
public sealed record ReceiptFile(string Directory, string Path, byte[]? Sha256, long Bytes)
{
    /// <summary>"directory/path".</summary>
    public string GuestPath => Directory.TrimEnd('/') + "/" + Path;
}

/// <summary>
/// What a run did, signed by the attested host key when the guest exited (<c>tee-wasm run --receipt</c>): the workload
/// identity, the runtime measurement log, the files the guest read and wrote in its preopened directories, its stdout
/// digest, exit code, start and end times, the tokens it ran under, and the launch attestation (the VM and every GPU
/// over the receipt's id as nonce), which binds the host key and the workload. docs/receipts.md has the format.
/// </summary>
public sealed record RunReceipt
{
    /// <summary>The <c>format</c> of this version.</summary>
    public const string Format = "tee-wasm-receipt/1";

    /// <summary>A fresh random 32 bytes: the nonce of the launch attestation.</summary>
    public required byte[] ReceiptId { get; init; }

    /// <summary>The launch.</summary>
    public required WorkloadIdentity Workload { get; init; }

    /// <summary>The runtime measurement log's entries when the guest exited.</summary>
    public required IReadOnlyList<MeasurementLogEntry> MeasurementLog { get; init; }

    /// <summary>Its value then (what replaying <see cref="MeasurementLog"/> must give).</summary>
    public required MeasurementLogValue MeasurementLogValue { get; init; }

    /// <summary>The files the guest read, by directory and path.</summary>
    public IReadOnlyList<ReceiptFile> FilesRead { get; init; } = [];

    /// <summary>The files the guest created or changed, with their content at exit.</summary>
    public IReadOnlyList<ReceiptFile> FilesWritten { get; init; } = [];

    /// <summary>The files that existed at start and were gone at exit ("directory/path").</summary>
    public IReadOnlyList<string> FilesDeleted { get; init; } = [];

    /// <summary>How reads and writes were observed: "inotify" (reads and writes), or "snapshot" (writes only: reads not tracked).</summary>
    public required string FileTracking { get; init; }

    /// <summary>SHA-256 of everything the guest wrote to stdout.</summary>
    public required byte[] StdoutSha256 { get; init; }

    /// <summary>How many bytes that was.</summary>
    public required long StdoutBytes { get; init; }

    /// <summary>The guest's exit code.</summary>
    public required int ExitCode { get; init; }

    /// <summary>Why the guest did not finish normally (trap, limit), or null.</summary>
    public string? Error { get; init; }

    /// <summary>When the guest started.</summary>
    public required DateTimeOffset Started { get; init; }

    /// <summary>When it ended.</summary>
    public required DateTimeOffset Ended { get; init; }

    /// <summary>Every token the run's attester issued, in order (the launch attestation's among the first).</summary>
    public IReadOnlyList<string> Tokens { get; init; } = [];

    /// <summary>The launch attestation: the composite result (the VM and every GPU over <see cref="ReceiptId"/>), as its JSON reads.</summary>
    public required EvidenceDocument LaunchAttestation { get; init; }

    /// <summary>The host key that signs the receipt (SEC1), the one the launch evidence binds.</summary>
    public required byte[] HostKey { get; init; }
}
