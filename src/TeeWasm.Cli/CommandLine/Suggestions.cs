namespace TeeWasm.Cli.CommandLine;

/// <summary>"Did you mean …?": the closest of a set of names (commands, options, policy keys) to a mistyped one.</summary>
internal static class Suggestions
{
    /// <summary>
    /// The candidate closest to <paramref name="input"/> (case-insensitive, optimal string alignment distance: one
    /// insertion, deletion, substitution or swap of neighbours each), when it is close enough to be what was meant:
    /// at most one edit per three characters (at least one), or the only candidate that starts with the input.
    /// </summary>
    public static string? Closest(string input, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        var prefixed = new List<string>();
        foreach (string c in candidates.Distinct(StringComparer.Ordinal))
        {
            if (string.Equals(c, input, StringComparison.OrdinalIgnoreCase)) return c;
            int d = Distance(input.ToLowerInvariant(), c.ToLowerInvariant());
            if (d < bestDistance) (best, bestDistance) = (c, d);
            if (input.Length >= 3 && c.StartsWith(input, StringComparison.OrdinalIgnoreCase)) prefixed.Add(c);
        }
        if (best is not null && bestDistance <= Math.Max(1, Math.Min(input.Length, best.Length) / 3)) return best;
        return prefixed.Count == 1 ? prefixed[0] : null;
    }

    /// <summary>"; did you mean 'x'?" or "".</summary>
    public static string DidYouMean(string input, IEnumerable<string> candidates) =>
        Closest(input, candidates) is { } s ? $"; did you mean '{s}'?" : "";

    /// <summary>Optimal string alignment distance (Levenshtein with transpositions of neighbours).</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
