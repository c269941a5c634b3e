using System.Text;

namespace TeeWasm.Attestation.Inputs;

/// <summary>
/// Reads an input whole, but never more than its cap (<see cref="InputLimits"/>): a regular file over the cap is
/// refused before a byte is read; a FIFO, a character device (<c>/dev/zero</c>) or a network stream is read up to one
/// byte past the cap and then refused. The one way TeeWasm reads a file or an answer whole.
/// </summary>
public static class BoundedRead
{
    private const int FirstChunk = 64 << 10;

    /// <summary>The bytes of the file at <paramref name="path"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="limit">The most bytes accepted.</param>
    /// <param name="what">What the file is, for the error ("evidence file", "--cert").</param>
    /// <exception cref="InputTooLargeException">The file holds more than <paramref name="limit"/> bytes.</exception>
    /// <exception cref="IOException">It cannot be read (missing, a directory, unreadable…).</exception>
    /// <exception cref="UnauthorizedAccessException">It may not be read.</exception>
    public static byte[] File(string path, int limit, string what)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        long known = stream.CanSeek ? stream.Length : 0; // 0 for /dev/zero and friends: read and see
        if (known > limit) throw new InputTooLargeException(what, path, limit);
        return Stream(stream, limit, what, path, known > 0 ? (int)known + 1 : FirstChunk);
    }

    /// <summary>The file at <paramref name="path"/> as text (UTF-8, or the encoding its byte order mark names, as <see cref="System.IO.File.ReadAllText(string)"/>).</summary>
    /// <exception cref="InputTooLargeException">The file holds more than <paramref name="limit"/> bytes.</exception>
    /// <exception cref="IOException">It cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">It may not be read.</exception>
    public static string Text(string path, int limit, string what) => Decode(File(path, limit, what));

    /// <summary>Everything left in <paramref name="stream"/>, when that is at most <paramref name="limit"/> bytes.</summary>
    /// <param name="stream">The stream (not disposed here).</param>
    /// <param name="limit">The most bytes accepted.</param>
    /// <param name="what">What it is, for the error.</param>
    /// <param name="source">Where it comes from (a path, a URL), for the error.</param>
    /// <exception cref="InputTooLargeException">The stream holds more than <paramref name="limit"/> bytes.</exception>
    public static byte[] Stream(Stream stream, int limit, string what, string source) => Stream(stream, limit, what, source, FirstChunk);

    /// <summary>Everything left in <paramref name="stream"/>, when that is at most <paramref name="limit"/> bytes (reads end with <paramref name="cancel"/>).</summary>
    /// <exception cref="InputTooLargeException">The stream holds more than <paramref name="limit"/> bytes.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> was cancelled.</exception>
    public static async Task<byte[]> StreamAsync(Stream stream, int limit, string what, string source, CancellationToken cancel)
    {
        long most = (long)limit + 1;
        byte[] buffer = new byte[(int)Math.Min(FirstChunk, most)];
        int total = 0;
        while (true)
        {
            if (total == buffer.Length)
            {
                if (buffer.Length >= most) break;
                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, most));
            }
            int read = await stream.ReadAsync(buffer.AsMemory(total), cancel).ConfigureAwait(false);
            if (read == 0) break;
            total += read;
        }
        if (total > limit) throw new InputTooLargeException(what, source, limit);
        Array.Resize(ref buffer, total);
        return buffer;
    }

    /// <summary>The UTF-8 text (byte order marks honoured) of <paramref name="bytes"/>.</summary>
    public static string Decode(byte[] bytes)
    {
        using var reader = new StreamReader(new MemoryStream(bytes, writable: false), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    private static byte[] Stream(Stream stream, int limit, string what, string source, int firstChunk)
    {
        // One byte past the cap tells "exactly the cap" from "more".
        long most = (long)limit + 1;
        byte[] buffer = new byte[(int)Math.Min(Math.Max(firstChunk, 1), most)];
        int total = 0;
        while (true)
        {
            if (total == buffer.Length)
            {
                if (buffer.Length >= most) break;
                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, most));
            }
            int read = stream.Read(buffer, total, buffer.Length - total);
            if (read == 0) break;
            total += read;
        }
        if (total > limit) throw new InputTooLargeException(what, source, limit);
        if (total != buffer.Length) Array.Resize(ref buffer, total);
        return buffer;
    }
}
