namespace Runbooks.Text;

/// <summary>"Did you mean" hints for misspelt names: keys, runbooks, profiles, options.</summary>
public static class Suggestions
{
    /// <summary>The end of a "no such name" message: <c>; did you mean "x"?</c> when one is close, else <c>.</c></summary>
    public static string Hint(string input, IEnumerable<string> candidates) =>
        Closest(input, candidates) is { } closest ? $"; did you mean \"{closest}\"?" : ".";

    /// <summary>
    /// The candidate closest to <paramref name="input"/> by case-insensitive Levenshtein distance, or null
    /// when none is close enough to be a plausible typo: distance at most max(2, input length / 3).
    /// A truncated name also counts as close when the input is within input length / 3 edits of the
    /// start of the candidate, because people shorten long names ("timeout", "cellTimout" for
    /// "cellTimeoutSeconds") far more than plain edit distance allows.
    /// The nearest wins; ties go to the smaller whole-name distance, then to the earliest candidate.
    /// </summary>
    public static string? Closest(string input, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(candidates);

        // With nothing typed every short candidate would be "close", which helps nobody.
        if (string.IsNullOrWhiteSpace(input))
            return null;

        var normalisedInput = input.ToLowerInvariant();
        var typoAllowance = Math.Max(2, input.Length / 3);
        // No floor here: for short input a prefix that far off is just another word.
        var truncationAllowance = input.Length / 3;

        string? best = null;
        (int Score, int Whole) bestRank = (int.MaxValue, int.MaxValue);
        foreach (var candidate in candidates)
        {
            var (whole, toPrefix) = Distances(normalisedInput, candidate.ToLowerInvariant());
            int score;
            if (whole <= typoAllowance)
                score = whole;
            else if (toPrefix <= truncationAllowance)
                score = toPrefix;
            else
                continue;

            if ((score, whole).CompareTo(bestRank) < 0)
            {
                best = candidate;
                bestRank = (score, whole);
            }
        }
        return best;
    }

    /// <summary>Levenshtein distance: insertions, deletions and substitutions each cost one.</summary>
    internal static int EditDistance(string a, string b) => Distances(a, b).Whole;

    /// <summary>
    /// Levenshtein distance from <paramref name="input"/> to all of <paramref name="candidate"/>, and to the
    /// nearest of its prefixes (the last row of the same table, so it costs nothing extra).
    /// </summary>
    private static (int Whole, int ToPrefix) Distances(string input, string candidate)
    {
        // Two rolling rows keep memory linear; the inputs here are short names anyway.
        var previous = new int[candidate.Length + 1];
        var current = new int[candidate.Length + 1];
        for (var j = 0; j <= candidate.Length; j++)
            previous[j] = j;

        for (var i = 1; i <= input.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= candidate.Length; j++)
            {
                var substitution = previous[j - 1] + (input[i - 1] == candidate[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            (previous, current) = (current, previous);
        }
        return (previous[candidate.Length], previous.Min());
    }
}
