using System.Security.Cryptography;

namespace TeeWasm.Attestation.X509;

/// <summary>
/// A small, bounded, thread-safe cache of certificate chains that already verified (signatures, names, CA
/// constraints, link to a trusted root), so that verifying many reports signed by the same VCEK/VLEK or PCK does not
/// repeat the chain's RSA/ECDSA signature checks.
/// </summary>
/// <remarks>
/// <para>
/// The key is SHA-256 over the DER (or, for TDX, the PEM bytes carried in the quote) of every certificate that took part
/// — the leaf, the supplied intermediates and the trusted roots — so a different leaf, intermediate or root is a miss.
/// Each entry also remembers the <em>verification-time window</em> in which the chain is valid: the latest notBefore and
/// the earliest notAfter of its certificates. A lookup hits only when the verification time lies inside that window;
/// otherwise the chain is verified again from scratch, so an expired certificate is still reported by name.
/// </para>
/// <para>
/// Only successful chain verifications are stored; failures are never cached. The report's or quote's own signature,
/// TCB, binding and report-data checks always run: the cache covers the chain and nothing else. When the cache holds
/// <see cref="Capacity"/> entries, the oldest entry is evicted (first in, first out).
/// </para>
/// </remarks>
public sealed class CertificateChainCache
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly Dictionary<string, object> _keys = new(StringComparer.Ordinal);
    private readonly Queue<string> _keyOrder = new();
    private long _hits;
    private long _misses;

    /// <summary>Creates a cache that holds at most <paramref name="capacity"/> verified chains.</summary>
    /// <param name="capacity">The maximum number of entries (1 to 65536; default 256).</param>
    public CertificateChainCache(int capacity = 256)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 65536);
        Capacity = capacity;
    }

    /// <summary>The maximum number of entries.</summary>
    public int Capacity { get; }

    /// <summary>The number of entries now held.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>How many lookups found a chain valid at the verification time.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>How many lookups found nothing usable (absent, or outside its time window).</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>Drops every entry.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _entries.Clear();
            _order.Clear();
            _keys.Clear();
            _keyOrder.Clear();
        }
    }

    /// <summary>The cache key for a chain: SHA-256 over a domain label and each part, each prefixed by its length.</summary>
    internal static string Key(string domain, params ReadOnlySpan<ReadOnlyMemory<byte>> parts)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.ASCII.GetBytes(domain));
        Span<byte> length = stackalloc byte[4];
        foreach (ReadOnlyMemory<byte> part in parts)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, part.Length);
            hash.AppendData(length);
            hash.AppendData(part.Span);
        }
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>Looks up a chain verified earlier that is valid at <paramref name="time"/>.</summary>
    internal bool TryGet<T>(string key, DateTimeOffset time, out T value)
        where T : class
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out Entry? e) && time >= e.NotBefore && time <= e.NotAfter && e.Value is T v)
            {
                _hits++;
                value = v;
                return true;
            }
            _misses++;
        }
        value = null!;
        return false;
    }

    /// <summary>Stores a chain that verified, valid from <paramref name="notBefore"/> to <paramref name="notAfter"/>.</summary>
    internal void Add(string key, DateTimeOffset notBefore, DateTimeOffset notAfter, object value)
    {
        lock (_lock)
        {
            if (_entries.ContainsKey(key))
            {
                _entries[key] = new Entry(notBefore, notAfter, value);
                return;
            }
            while (_entries.Count >= Capacity && _order.TryDequeue(out string? oldest))
            {
                _entries.Remove(oldest);
            }
            _entries[key] = new Entry(notBefore, notAfter, value);
            _order.Enqueue(key);
        }
    }

    /// <summary>
    /// A public key imported from evidence (e.g. a TDX quote's attestation key, the same for every quote of a
    /// platform), by a key of its exact bytes: made with <paramref name="create"/> once, kept up to
    /// <see cref="Capacity"/> keys (oldest out first). Keys are not chains: they count in neither <see cref="Count"/>
    /// nor <see cref="Hits"/> nor <see cref="Misses"/>, and <paramref name="create"/> returning null is not kept.
    /// </summary>
    internal T? GetOrAddKey<T>(string key, Func<T?> create)
        where T : class
    {
        lock (_lock)
        {
            if (_keys.TryGetValue(key, out object? found)) return (T)found;
        }
        T? made = create();
        if (made is null) return null;
        lock (_lock)
        {
            if (_keys.TryGetValue(key, out object? raced)) return (T)raced;
            while (_keys.Count >= Capacity && _keyOrder.TryDequeue(out string? oldest))
            {
                _keys.Remove(oldest);
            }
            _keys[key] = made;
            _keyOrder.Enqueue(key);
        }
        return made;
    }

    private sealed record Entry(DateTimeOffset NotBefore, DateTimeOffset NotAfter, object Value);
}
