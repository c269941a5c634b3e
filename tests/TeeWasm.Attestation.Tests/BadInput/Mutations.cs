using System.Text;
using System.Text.Json;
using CsCheck;

namespace TeeWasm.Attestation.Tests.BadInput;

/// <summary>A changed copy of an input, and what was changed (printed, with CsCheck's seed, when a property fails).</summary>
internal sealed record Mutated(string Source, string Change, byte[] Data)
{
    public override string ToString() => $"{Source}: {Change} ({Data.Length} bytes)";
}

/// <summary>
/// Generators of hostile inputs for the randomized (CsCheck) suites: truncations, bit flips (anywhere, or only inside
/// a signed region), overwritten and inserted bytes, and random JSON shapes built from the names a reader looks for.
/// </summary>
internal static class Mutations
{
    /// <summary>Any change: a truncation, 1–8 bit flips, a window overwritten with random bytes, or random bytes inserted.</summary>
    public static Gen<Mutated> Of(string source, byte[] original) => Gen.OneOf(
        Truncations(source, original),
        BitFlips(source, original, 0, original.Length),
        Gen.Select(Gen.Int[0, original.Length - 1], Gen.Byte.Array[1, 64], (at, bytes) =>
        {
            byte[] d = (byte[])original.Clone();
            int n = Math.Min(bytes.Length, d.Length - at);
            bytes.AsSpan(0, n).CopyTo(d.AsSpan(at));
            // Random bytes can equal the ones they replace (1 in 256 for one byte): then it is no change at all.
            if (d.AsSpan(at, n).SequenceEqual(original.AsSpan(at, n))) d[at] ^= 0xFF;
            return new Mutated(source, $"{n} bytes overwritten at {at}", d);
        }),
        Gen.Select(Gen.Int[0, original.Length], Gen.Byte.Array[1, 64], (at, bytes) =>
            new Mutated(source, $"{bytes.Length} bytes inserted at {at}", [.. original.AsSpan(0, at), .. bytes, .. original.AsSpan(at)])));

    /// <summary>The first 0..length-1 bytes.</summary>
    public static Gen<Mutated> Truncations(string source, byte[] original) =>
        Gen.Int[0, original.Length - 1].Select(n => new Mutated(source, $"truncated to {n} bytes", original[..n]));

    /// <summary>1–8 distinct bits flipped, all inside [<paramref name="start"/>, <paramref name="end"/>): the copy always differs there.</summary>
    public static Gen<Mutated> BitFlips(string source, byte[] original, int start, int end) =>
        Gen.Int[start * 8, end * 8 - 1].Array[1, 8].Select(bits =>
        {
            int[] distinct = [.. bits.Distinct()];
            byte[] d = (byte[])original.Clone();
            foreach (int b in distinct) d[b / 8] ^= (byte)(1 << (b % 8));
            return new Mutated(source, "bits flipped at " + string.Join(", ", distinct.Select(b => $"0x{b / 8:X}.{b % 8}")), d);
        });

    /// <summary>
    /// Random JSON text up to <paramref name="depth"/> levels deep: objects whose member names are mostly drawn from
    /// <paramref name="names"/> (the ones the reader looks for), arrays, and scalars that include <paramref name="strings"/>.
    /// </summary>
    public static Gen<string> Json(int depth, string[] names, string[] strings)
    {
        Gen<string> scalar = Gen.OneOf(
            Gen.OneOf("null", "true", "false", "0", "-1", "1e400", "18446744073709551616", "\"\"", "{}", "[]"),
            Gen.Long.Select(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "0.5"),
            Gen.String.Select(s => JsonSerializer.Serialize(s)),
            Gen.OneOf(strings).Select(s => JsonSerializer.Serialize(s)));
        if (depth == 0) return scalar;
        Gen<string> inner = Json(depth - 1, names, strings);
        Gen<string> name = Gen.Frequency((4, Gen.OneOf(names)), (1, Gen.String[0, 8]));
        Gen<string> obj = Gen.Select(name, inner, (n, v) => JsonSerializer.Serialize(n) + ":" + v).Array[0, 6]
            .Select(members => "{" + string.Join(",", members) + "}");
        Gen<string> array = inner.Array[0, 4].Select(items => "[" + string.Join(",", items) + "]");
        return Gen.Frequency((2, scalar), (3, obj), (1, array));
    }

    /// <summary><paramref name="json"/> as UTF-8 bytes.</summary>
    public static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);
}
