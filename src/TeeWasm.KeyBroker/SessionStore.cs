using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using TeeWasm.Attestation.Services.Kbs;
using TeeWasm.KeyBroker.Appraisers;

namespace TeeWasm.KeyBroker;

/// <summary>A challenge handed out by <c>/auth</c>: its cookie, the nonce the evidence must bind, the tee asked for.</summary>
internal sealed record Challenge(string Cookie, string Nonce, string Tee, DateTimeOffset Expires);

/// <summary>A session that attested: what its evidence established and the key its secrets are encrypted to.</summary>
internal sealed record AttestedSession(AppraisedEvidence Evidence, TeePublicKey TeeKey, DateTimeOffset Expires);

/// <summary>
/// The broker's sessions. A challenge (<c>/auth</c>) keeps no state: its cookie carries a random id, the tee, its
/// expiry and an HMAC-SHA256 tag under a key of this broker instance, and its nonce is an HMAC of the same; so
/// unauthenticated requests, however many, take no memory and push nobody out. A session is stored only when it has
/// attested: at most <c>maxSessions</c> (expired ones are dropped first), each for <c>sessionLifetime</c> from its
/// attestation, under its cookie.
/// </summary>
internal sealed class SessionStore(int maxSessions, TimeSpan challengeLifetime, TimeSpan sessionLifetime)
{
    // Cookie: ID.EXPIRES.TEE.TAG — ID 16 random bytes (hex), EXPIRES unix seconds, TEE [a-z0-9-], TAG HMAC-SHA256 (hex).
    private const int IdBytes = 16;
    private const int TagBytes = 32;
    private const int MaxTeeLength = 32;
    private static readonly byte[] s_tagLabel = "kbs-challenge-cookie\n"u8.ToArray();
    private static readonly byte[] s_nonceLabel = "kbs-challenge-nonce\n"u8.ToArray();

    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, AttestedSession> _attested = new(StringComparer.Ordinal);
    private readonly Lock _storeGate = new();

    /// <summary>How many attested sessions are held (expired ones included until they are dropped).</summary>
    public int Count => _attested.Count;

    /// <summary>How long a cookie may be kept: a challenge's lifetime and then a session's.</summary>
    public TimeSpan CookieLifetime => challengeLifetime + sessionLifetime;

    /// <summary>A new challenge for <paramref name="tee"/> (one of the names <c>/auth</c> accepts: [a-z0-9-]).</summary>
    public Challenge Issue(string tee, DateTimeOffset now)
    {
        if (tee.Length is 0 or > MaxTeeLength || !tee.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            throw new ArgumentException($"tee '{tee}' cannot be carried in a cookie", nameof(tee));
        string body = string.Create(CultureInfo.InvariantCulture,
            $"{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdBytes))}.{(now + challengeLifetime).ToUnixTimeSeconds()}.{tee}");
        return Open(body, Mac(s_tagLabel, body));
    }

    /// <summary>The challenge a cookie carries when its tag is this broker's; null otherwise. Its expiry is not checked here.</summary>
    public Challenge? Read(string? cookie)
    {
        if (cookie is null || cookie.Length > 2 * IdBytes + 24 + MaxTeeLength + 2 * TagBytes) return null;
        int tagAt = cookie.LastIndexOf('.');
        if (tagAt < 0 || cookie.Length - tagAt - 1 != 2 * TagBytes) return null;
        string body = cookie[..tagAt];
        byte[] tag;
        try
        {
            tag = Convert.FromHexString(cookie.AsSpan(tagAt + 1));
        }
        catch (FormatException)
        {
            return null;
        }
        if (!CryptographicOperations.FixedTimeEquals(tag, Mac(s_tagLabel, body))) return null;
        return Open(body, tag);
    }

    /// <summary>The attested session of a cookie, when it has one that has not expired.</summary>
    public AttestedSession? Find(string? cookie, DateTimeOffset now)
    {
        if (cookie is null || !_attested.TryGetValue(cookie, out var session)) return null;
        if (session.Expires > now) return session;
        _attested.TryRemove(new KeyValuePair<string, AttestedSession>(cookie, session));
        return null;
    }

    /// <summary>
    /// Stores the attested session of <paramref name="challenge"/> (replacing an earlier one of the same cookie); null
    /// when <c>maxSessions</c> live sessions are held already.
    /// </summary>
    public AttestedSession? Store(Challenge challenge, AppraisedEvidence evidence, TeePublicKey key, DateTimeOffset now)
    {
        var session = new AttestedSession(evidence, key, now + sessionLifetime);
        lock (_storeGate)
        {
            if (!_attested.ContainsKey(challenge.Cookie) && _attested.Count >= maxSessions)
            {
                foreach (var (cookie, s) in _attested)
                    if (s.Expires <= now) _attested.TryRemove(cookie, out _);
                if (_attested.Count >= maxSessions) return null;
            }
            // The keys replaced or dropped are public keys (nothing to wipe) that a request may still be using: the GC frees them.
            _attested[challenge.Cookie] = session;
        }
        return session;
    }

    private Challenge Open(string body, byte[] tag)
    {
        string[] parts = body.Split('.');
        long expires = parts.Length == 3 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long e) ? e : 0;
        return new Challenge(body + "." + Convert.ToHexStringLower(tag), Convert.ToBase64String(Mac(s_nonceLabel, body)), parts[^1],
            DateTimeOffset.FromUnixTimeSeconds(expires));
    }

    private byte[] Mac(byte[] label, string body)
    {
        byte[] message = [.. label, .. Encoding.ASCII.GetBytes(body)];
        return HMACSHA256.HashData(_key, message);
    }
}
