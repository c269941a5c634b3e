using System.Security.Cryptography;
using TeeWasm.Attestation;
using TeeWasm.Attestation.Bundles;
using TeeWasm.Attestation.Evidence;
using TeeWasm.Attestation.Receipts;

namespace TeeWasm.Runtime.Hosting;

/// <summary>
/// Records one run for its receipt (<see cref="RunOptions.Receipt"/>): attests the launch before the guest starts (the
/// VM and every GPU over a fresh receipt id), watches the preopened directories, hashes stdout on its way out, and when
/// the guest exits signs the receipt with the attested host key.
/// </summary>
internal sealed class ReceiptRecorder : IDisposable
{
    private readonly Attester _attester;
    private readonly WorkloadIdentity _workload;
    private readonly RuntimeMeasurementLog _log;
    private readonly RunOptions _options;
    private readonly byte[] _id;
    private readonly CompositeAttestationResult _launch;
    private readonly FileAccessTracker _files;
    private readonly IncrementalHash _stdout = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Stream? _forward;
    private readonly DateTimeOffset _started;
    private long _stdoutBytes;

    private ReceiptRecorder(Attester attester, WorkloadIdentity workload, RuntimeMeasurementLog log, RunOptions options, byte[] id,
        CompositeAttestationResult launch)
    {
        _attester = attester;
        _workload = workload;
        _log = log;
        _options = options;
        _id = id;
        _launch = launch;
        _files = new FileAccessTracker(options.Directories);
        _forward = options.StdoutPath is null ? Console.OpenStandardOutput() : null;
        _started = options.Attestation.Time.GetUtcNow();
    }

    /// <summary>Attests the launch; null with the reason when it cannot be attested (the guest must not start).</summary>
    public static ReceiptRecorder? Start(Attester attester, WorkloadIdentity workload, RuntimeMeasurementLog log, RunOptions options, out string? error)
    {
        byte[] id = RandomNumberGenerator.GetBytes(32);
        CompositeAttestationResult launch = attester.AttestAll(id);
        if (!launch.Success)
        {
            error = "--receipt: the launch could not be attested: " + launch.Error;
            return null;
        }
        error = null;
        return new ReceiptRecorder(attester, workload, log, options, id, launch);
    }

    /// <summary>What the guest writes to stdout, when the receipt hashes it on its way out (stdout not redirected to a file).</summary>
    public Wasmtime.WasiOutputCallback? StdoutCallback => _forward is null ? null : WriteStdout;

    private void WriteStdout(ReadOnlySpan<byte> data)
    {
        _stdout.AppendData(data);
        _stdoutBytes += data.Length;
        _forward!.Write(data);
    }

    /// <summary>The signed receipt of the run that ended with <paramref name="result"/>.</summary>
    public string Finish(RunResult result)
    {
        DateTimeOffset ended = _options.Attestation.Time.GetUtcNow();
        _forward?.Flush();
        var (read, written, deleted) = _files.Finish();
        byte[] stdoutSha;
        long stdoutBytes;
        if (_options.StdoutPath is { } path && File.Exists(path))
        {
            using var stream = File.OpenRead(path);
            stdoutBytes = stream.Length;
            stdoutSha = SHA256.HashData(stream);
        }
        else
        {
            stdoutSha = _stdout.GetHashAndReset();
            stdoutBytes = _stdoutBytes;
        }
        var receipt = new RunReceipt
        {
            ReceiptId = _id,
            Workload = _workload,
            MeasurementLog = _log.Entries,
            MeasurementLogValue = _log.Current,
            FilesRead = read,
            FilesWritten = written,
            FilesDeleted = deleted,
            FileTracking = _files.Tracking,
            StdoutSha256 = stdoutSha,
            StdoutBytes = stdoutBytes,
            ExitCode = result.ExitCode,
            Error = result.Error,
            Started = _started,
            Ended = ended,
            Tokens = _attester.IssuedTokens,
            LaunchAttestation = EvidenceDocument.Parse(_launch.ToJsonUtf8()),
            HostKey = _attester.HostKey.PublicPoint,
        };
        return ReceiptDocument.Sign(receipt, _attester.HostKey);
    }

    /// <summary>The offline bundle of the launch attestation and its collateral.</summary>
    public string Bundle() => BundleCollector.Bundle(_launch, _options.Attestation, _attester.HostKey);

    /// <inheritdoc />
    public void Dispose()
    {
        _files.Dispose();
        _stdout.Dispose();
        _forward?.Dispose();
    }
}
