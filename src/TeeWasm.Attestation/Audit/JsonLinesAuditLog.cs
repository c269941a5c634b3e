using System.Text;
using TeeWasm.Attestation.Evidence;

namespace TeeWasm.Attestation.Audit;

/// <summary>
/// Appends one JSON line per event to a file, flushed after each event. The file is opened for append only (existing
/// lines are never rewritten) and may be read by others while the log is open.
/// </summary>
public sealed class JsonLinesAuditLog : IAttestationAuditLog, IDisposable
{
    private readonly FileStream _stream;
    private readonly Lock _gate = new();

    /// <summary>Opens (or creates) <paramref name="path"/> for appending.</summary>
    /// <exception cref="AttestationException">The file cannot be opened.</exception>
    public JsonLinesAuditLog(string path)
    {
        Path = path;
        try
        {
            string? dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
            if (dir is not null) Directory.CreateDirectory(dir);
            _stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AttestationException($"audit log '{path}' cannot be opened: {e.Message}", e);
        }
    }

    /// <summary>The file written.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public void Write(AuditEvent auditEvent)
    {
        byte[] line = Encoding.UTF8.GetBytes(auditEvent.ToJsonLine() + "\n");
        lock (_gate)
        {
            _stream.Write(line);
            _stream.Flush();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate) _stream.Dispose();
    }
}
