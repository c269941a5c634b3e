using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace TeeWasm.Attestation.Services.Collateral;

/// <summary>A cache entry as read: the answer and when it must be fetched again.</summary>
/// <param name="Url">The URL it answers.</param>
/// <param name="Body">The content.</param>
/// <param name="IssuerChainPem">The issuer chain sent with it, or null.</param>
/// <param name="FetchedAt">When it was fetched.</param>
/// <param name="NextUpdate">When it goes stale.</param>
public sealed record CollateralCacheEntry(Uri Url, byte[] Body, string? IssuerChainPem, DateTimeOffset FetchedAt, DateTimeOffset NextUpdate);

/// <summary>
/// Fetched collateral on disk, keyed by URL: one file per URL, named by SHA-256 of the URL, holding a header line
/// (<c>{url, fetched_at, next_update, sha256, issuer_chain}</c>) and the body. On read the URL and the body's SHA-256
/// are checked (a damaged or foreign entry is deleted and counts as a miss, as the module cache does); an entry past
/// its next update is stale: the fetcher refreshes it (and <c>--offline</c> refuses it).
/// </summary>
public sealed class CollateralCache
{
    private static readonly byte[] s_magic = "TEEWASM-COLLATERAL 1\n"u8.ToArray();
    private readonly Action<string>? _log;

    /// <summary>Creates a cache in <paramref name="directory"/> (made on first store).</summary>
    public CollateralCache(string directory, Action<string>? log = null)
    {
        Directory = directory;
        _log = log;
    }

    /// <summary>The folder.</summary>
    public string Directory { get; }

    /// <summary>Lookups that found a fresh entry.</summary>
    public int Hits { get; private set; }

    /// <summary>Lookups that found nothing usable (absent, damaged, stale).</summary>
    public int Misses { get; private set; }

    /// <summary>The entry file of <paramref name="url"/>.</summary>
    public string EntryPath(Uri url) =>
        Path.Combine(Directory, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url.AbsoluteUri))) + ".entry");

    /// <summary>Reads the entry of <paramref name="url"/>, fresh or stale; null when absent or damaged (a damaged one is deleted).</summary>
    public CollateralCacheEntry? Read(Uri url)
    {
        string path = EntryPath(url);
        byte[] data;
        try
        {
            if (!File.Exists(path)) return null;
            data = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log?.Invoke($"collateral cache: cannot read {path}: {e.Message}");
            return null;
        }
        if (TryDecode(data, url, out CollateralCacheEntry? entry, out string? error)) return entry;
        _log?.Invoke($"collateral cache: entry for {url} discarded: {error}");
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return null;
    }

    /// <summary>A fresh entry of <paramref name="url"/> at <paramref name="now"/>, counting a hit or a miss.</summary>
    public CollateralCacheEntry? ReadFresh(Uri url, DateTimeOffset now)
    {
        CollateralCacheEntry? e = Read(url);
        if (e is not null && now <= e.NextUpdate)
        {
            Hits++;
            return e;
        }
        Misses++;
        return null;
    }

    /// <summary>Stores an answer (atomically: a temporary file renamed over the entry).</summary>
    public void Write(CollateralCacheEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        string path = EntryPath(entry.Url);
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            string tmp = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
            File.WriteAllBytes(tmp, Encode(entry));
            File.Move(tmp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log?.Invoke($"collateral cache: cannot write {path}: {e.Message} (continuing without cache)");
        }
    }

    private static byte[] Encode(CollateralCacheEntry entry)
    {
        using var header = new MemoryStream();
        using (var w = new Utf8JsonWriter(header))
        {
            w.WriteStartObject();
            w.WriteString("url", entry.Url.AbsoluteUri);
            w.WriteString("fetched_at", entry.FetchedAt);
            w.WriteString("next_update", entry.NextUpdate);
            w.WriteString("sha256", Convert.ToHexStringLower(SHA256.HashData(entry.Body)));
            if (entry.IssuerChainPem is null) w.WriteNull("issuer_chain"); else w.WriteString("issuer_chain", entry.IssuerChainPem);
            w.WriteEndObject();
        }
        return [.. s_magic, .. header.ToArray(), (byte)'\n', .. entry.Body];
    }

    private static bool TryDecode(byte[] data, Uri url, out CollateralCacheEntry? entry, out string? error)
    {
        entry = null;
        if (!data.AsSpan().StartsWith(s_magic))
        {
            error = "not a collateral cache entry";
            return false;
        }
        ReadOnlySpan<byte> rest = data.AsSpan(s_magic.Length);
        int newline = rest.IndexOf((byte)'\n');
        if (newline < 0)
        {
            error = "truncated header";
            return false;
        }
        try
        {
            using JsonDocument doc = JsonDocument.Parse(rest[..newline].ToArray());
            JsonElement h = doc.RootElement;
            byte[] body = rest[(newline + 1)..].ToArray();
            if (h.GetProperty("url").GetString() != url.AbsoluteUri)
            {
                error = "entry is for another URL";
                return false;
            }
            if (!string.Equals(h.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(body)), StringComparison.Ordinal))
            {
                error = "content does not match its SHA-256 (damaged)";
                return false;
            }
            entry = new CollateralCacheEntry(url, body,
                h.GetProperty("issuer_chain").ValueKind == JsonValueKind.String ? h.GetProperty("issuer_chain").GetString() : null,
                h.GetProperty("fetched_at").GetDateTimeOffset(), h.GetProperty("next_update").GetDateTimeOffset());
            error = null;
            return true;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            error = "malformed header: " + e.Message;
            return false;
        }
    }
}
