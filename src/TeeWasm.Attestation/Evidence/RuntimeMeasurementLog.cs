using System.Security.Cryptography;

namespace TeeWasm.Attestation.Evidence;

/// <summary>The value of a <see cref="RuntimeMeasurementLog"/> after some number of entries.</summary>
/// <param name="Value">The hash chain's value (32 bytes).</param>
/// <param name="Entries">How many entries it covers.</param>
public sealed record MeasurementLogValue(byte[] Value, int Entries)
{
    /// <summary>The value as lower-case hex.</summary>
    public string Hex => Convert.ToHexStringLower(Value);
}

/// <summary>
/// The runtime measurement log of one run: what the guest sent to the GPU, outside the Wasm sandbox — every WGSL
/// shader module it compiled and every <c>wasi:gpu</c> kernel kind it dispatched (each the first time only) — kept as a
/// hash chain like a TDX RTMR: it starts at 32 zero bytes and each entry extends it,
/// <c>value = SHA-256(value ‖ SHA-256(JCS(entry)))</c>. The value is given to the guest, put into tokens and
/// receipts, and <see cref="Replay"/> recomputes it from the entries. Thread-safe.
/// </summary>
public sealed class RuntimeMeasurementLog
{
    /// <summary>The value before any entry.</summary>
    public static ReadOnlySpan<byte> InitialValue => new byte[32];

    private readonly Lock _gate = new();
    private readonly List<MeasurementLogEntry> _entries = [];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private byte[] _value = new byte[32];

    /// <summary>The current value and entry count.</summary>
    public MeasurementLogValue Current
    {
        get
        {
            lock (_gate) return new MeasurementLogValue(_value.ToArray(), _entries.Count);
        }
    }

    /// <summary>The entries so far, in order.</summary>
    public IReadOnlyList<MeasurementLogEntry> Entries
    {
        get
        {
            lock (_gate) return [.. _entries];
        }
    }

    /// <summary>Appends <paramref name="entry"/> and extends the value, unless the same shader or kernel kind was logged before.</summary>
    /// <returns>True when the entry was appended.</returns>
    public bool Extend(MeasurementLogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            if (_seen.Contains(entry.Key)) return false;
        }
        byte[] digest = entry.EventDigest; // outside the lock: a canonical JSON round trip
        lock (_gate)
        {
            if (!_seen.Add(entry.Key)) return false;
            _entries.Add(entry);
            _value = Next(_value, digest);
            return true;
        }
    }

    /// <summary>The value after each entry of <paramref name="entries"/>: element i covers the first i entries (element 0 is the initial value).</summary>
    public static IReadOnlyList<MeasurementLogValue> Replay(IEnumerable<MeasurementLogEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        byte[] value = InitialValue.ToArray();
        var values = new List<MeasurementLogValue> { new(value, 0) };
        foreach (MeasurementLogEntry e in entries)
        {
            value = Next(value, e.EventDigest);
            values.Add(new MeasurementLogValue(value, values.Count));
        }
        return values;
    }

    private static byte[] Next(byte[] value, byte[] eventDigest)
    {
        Span<byte> both = stackalloc byte[64];
        value.CopyTo(both);
        eventDigest.CopyTo(both[32..]);
        return SHA256.HashData(both);
    }
}
