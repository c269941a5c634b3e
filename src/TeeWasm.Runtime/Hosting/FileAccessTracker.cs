using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using TeeWasm.Attestation.Receipts;

namespace TeeWasm.Runtime.Hosting;

/// <summary>
/// Watches the preopened directories of one run for the receipt: a snapshot of every file (length, last write) before
/// the guest starts, Linux inotify events while it runs (which files it read, wrote, created, deleted), and a snapshot
/// at exit. Written files are those inotify saw changed plus those whose snapshot differs; read files are those inotify
/// saw read. Without inotify (another OS, no instance left) only writes are found, from the snapshots. The runtime
/// itself does not touch the directories while the guest runs, so what happens in them is the guest's doing (or another
/// process's: do not share them during a run).
/// </summary>
public sealed partial class FileAccessTracker : IDisposable
{
    private const uint InAccess = 0x1, InModify = 0x2, InCloseWrite = 0x8, InMovedFrom = 0x40, InMovedTo = 0x80, InCreate = 0x100,
        InDelete = 0x200, InQueueOverflow = 0x4000, InIgnored = 0x8000, InIsDir = 0x40000000;
    private const uint Mask = InAccess | InModify | InCloseWrite | InMovedFrom | InMovedTo | InCreate | InDelete;
    private const int InNonBlock = 0x800, InCloseOnExec = 0x80000, EventHeader = 16;

    private readonly IReadOnlyList<DirectoryMapping> _directories;
    private readonly Dictionary<string, (long Length, DateTime Written)> _before;
    private readonly Dictionary<int, (DirectoryMapping Dir, string Relative)> _watches = [];
    private readonly HashSet<string> _read = new(StringComparer.Ordinal), _written = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly int _fd = -1;
    private readonly Thread? _reader;
    private volatile bool _stopping;
    private bool _overflowed;

    /// <summary>Takes the first snapshot and starts watching <paramref name="directories"/>.</summary>
    public FileAccessTracker(IReadOnlyList<DirectoryMapping> directories)
    {
        _directories = directories;
        _before = Snapshot();
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            _fd = InotifyInit1(InNonBlock | InCloseOnExec);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _fd = -1;
        }
        if (_fd < 0) return;
        foreach (DirectoryMapping d in directories)
        {
            Watch(d, "");
            foreach (string sub in Directory.EnumerateDirectories(d.HostPath, "*", SearchOption.AllDirectories))
                Watch(d, Relative(d, sub));
        }
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = "tee-wasm receipt file tracker" };
        _reader.Start();
    }

    /// <summary>"inotify" while events are read, else "snapshot" (writes only).</summary>
    public string Tracking => _fd >= 0 && !_overflowed ? "inotify" : "snapshot";

    /// <summary>
    /// Stops watching and returns what the guest read and wrote, with digests: a written file's content now; a read
    /// file's content now when the guest did not also change it (else no digest: the content it read is gone).
    /// </summary>
    public (IReadOnlyList<ReceiptFile> Read, IReadOnlyList<ReceiptFile> Written, IReadOnlyList<string> Deleted) Finish()
    {
        StopReading();
        Dictionary<string, (long Length, DateTime Written)> after = Snapshot();
        HashSet<string> written, read;
        lock (_gate)
        {
            written = [.. _written];
            read = [.. _read];
        }
        foreach (var (key, state) in after)
            if (!_before.TryGetValue(key, out var was) || was != state) written.Add(key);
        written.RemoveWhere(k => !after.ContainsKey(k));
        var deleted = _before.Keys.Where(k => !after.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var readFiles = read.Where(after.ContainsKey).Order(StringComparer.Ordinal)
            .Select(k => written.Contains(k) ? WithoutDigest(k) : Describe(k)).ToList();
        var writtenFiles = written.Order(StringComparer.Ordinal).Select(Describe).ToList();
        return (readFiles, writtenFiles, [.. deleted.Select(GuestPath)]);
    }

    /// <inheritdoc />
    public void Dispose() => StopReading();

    private void StopReading()
    {
        if (_stopping) return;
        _stopping = true;
        _reader?.Join();
        if (_fd >= 0) Close(_fd);
    }

    // Keys are "index of the directory mapping" NUL "relative path", so two mappings of one host folder stay apart.
    private Dictionary<string, (long, DateTime)> Snapshot()
    {
        var files = new Dictionary<string, (long, DateTime)>(StringComparer.Ordinal);
        for (int i = 0; i < _directories.Count; i++)
        {
            DirectoryMapping d = _directories[i];
            if (!Directory.Exists(d.HostPath)) continue;
            foreach (string f in Directory.EnumerateFiles(d.HostPath, "*", SearchOption.AllDirectories))
            {
                var info = new FileInfo(f);
                files[$"{i}\0{Relative(d, f)}"] = (info.Length, info.LastWriteTimeUtc);
            }
        }
        return files;
    }

    private ReceiptFile Describe(string key)
    {
        var (dir, relative) = Split(key);
        string path = Path.Combine(dir.HostPath, relative);
        using var stream = File.OpenRead(path);
        long length = stream.Length;
        return new ReceiptFile(dir.GuestPath, relative, SHA256.HashData(stream), length);
    }

    private ReceiptFile WithoutDigest(string key)
    {
        var (dir, relative) = Split(key);
        return new ReceiptFile(dir.GuestPath, relative, null, -1);
    }

    private string GuestPath(string key)
    {
        var (dir, relative) = Split(key);
        return dir.GuestPath.TrimEnd('/') + "/" + relative;
    }

    private (DirectoryMapping Dir, string Relative) Split(string key)
    {
        int sep = key.IndexOf('\0', StringComparison.Ordinal);
        return (_directories[int.Parse(key[..sep], System.Globalization.CultureInfo.InvariantCulture)], key[(sep + 1)..]);
    }

    private static string Relative(DirectoryMapping d, string path) => Path.GetRelativePath(d.HostPath, path).Replace('\\', '/');

    private void Watch(DirectoryMapping d, string relative)
    {
        int wd = InotifyAddWatch(_fd, relative.Length == 0 ? d.HostPath : Path.Combine(d.HostPath, relative), Mask);
        if (wd >= 0)
        {
            lock (_gate) _watches[wd] = (d, relative);
        }
    }

    private void ReadLoop()
    {
        byte[] buffer = new byte[64 * 1024];
        while (true)
        {
            bool stopping = _stopping; // read once more after the stop is asked: the last events of the guest
            long n;
            while ((n = Read(_fd, buffer, buffer.Length)) > 0) Handle(buffer.AsSpan(0, (int)n));
            if (stopping) return;
            Thread.Sleep(10);
        }
    }

    private void Handle(ReadOnlySpan<byte> events)
    {
        while (events.Length >= EventHeader)
        {
            int wd = BinaryPrimitives.ReadInt32LittleEndian(events);
            uint mask = BinaryPrimitives.ReadUInt32LittleEndian(events[4..]);
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(events[12..]);
            ReadOnlySpan<byte> raw = events.Slice(EventHeader, length);
            string name = System.Text.Encoding.UTF8.GetString(raw[..(raw.IndexOf((byte)0) is int z and >= 0 ? z : raw.Length)]);
            events = events[(EventHeader + length)..];
            if ((mask & InQueueOverflow) != 0)
            {
                _overflowed = true;
                continue;
            }
            if ((mask & InIgnored) != 0 || name.Length == 0) continue;
            (DirectoryMapping Dir, string Relative) watch;
            lock (_gate)
            {
                if (!_watches.TryGetValue(wd, out watch)) continue;
            }
            string relative = watch.Relative.Length == 0 ? name : watch.Relative + "/" + name;
            if ((mask & InIsDir) != 0)
            {
                if ((mask & (InCreate | InMovedTo)) != 0) Watch(watch.Dir, relative);
                continue;
            }
            string key = $"{IndexOf(watch.Dir)}\0{relative}";
            lock (_gate)
            {
                if ((mask & InAccess) != 0) _read.Add(key);
                if ((mask & (InModify | InCloseWrite | InCreate | InMovedTo)) != 0) _written.Add(key);
            }
        }
    }

    private int IndexOf(DirectoryMapping d)
    {
        for (int i = 0; i < _directories.Count; i++)
            if (ReferenceEquals(_directories[i], d)) return i;
        return -1;
    }

    [LibraryImport("libc", EntryPoint = "inotify_init1", SetLastError = true)]
    private static partial int InotifyInit1(int flags);

    [LibraryImport("libc", EntryPoint = "inotify_add_watch", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int InotifyAddWatch(int fd, string path, uint mask);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int fd, [Out] byte[] buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
