using System.Collections.Immutable;
using System.Text;

namespace Runbooks.Network.Fixes;

/// <summary>One key to set: in [Interface] (<paramref name="PeerIndex"/> null) or in the n-th [Peer] (0-based, file order).</summary>
public sealed record ConfigEdit(int? PeerIndex, string Key, string Value)
{
    public override string ToString() => $"{(PeerIndex is { } i ? $"[Peer #{i + 1}] " : "[Interface] ")}{Key} = {Value}";
}

/// <summary>
/// Edits a wg-quick config as lines, keeping everything it does not change (comments, order, unknown keys,
/// the PrivateKey placeholder) so the diff shows exactly the fix. A key set more than once in a section
/// (several Address lines) becomes one line; a key the section lacks is added after its last line.
/// </summary>
public static class WireGuardConfigEditor
{
    public static ImmutableArray<string> Apply(IReadOnlyList<string> lines, IEnumerable<ConfigEdit> edits)
    {
        var result = lines.ToList();
        foreach (var edit in edits)
        {
            var (start, end) = Section(result, edit.PeerIndex)
                ?? throw new ArgumentException($"the config has no {(edit.PeerIndex is { } i ? $"[Peer] number {i + 1}" : "[Interface]")} section", nameof(edits));
            var keyLines = Enumerable.Range(start + 1, end - start - 1).Where(n => KeyOf(result[n]) is { } k && k.Equals(edit.Key, StringComparison.OrdinalIgnoreCase)).ToList();
            var line = $"{edit.Key} = {edit.Value}";
            if (keyLines.Count == 0)
            {
                var last = end - 1;
                while (last > start && string.IsNullOrWhiteSpace(result[last]))
                    last--;
                result.Insert(last + 1, line);
                continue;
            }
            result[keyLines[0]] = line;
            foreach (var extra in keyLines.Skip(1).Reverse())
                result.RemoveAt(extra);
        }
        return [.. result];
    }

    /// <summary>The values <paramref name="key"/> has in a section (several for repeated keys), trimmed.</summary>
    public static ImmutableArray<string> Values(IReadOnlyList<string> lines, int? peerIndex, string key)
    {
        if (Section(lines, peerIndex) is not var (start, end))
            return [];
        return [.. Enumerable.Range(start + 1, end - start - 1)
            .Where(n => KeyOf(lines[n]) is { } k && k.Equals(key, StringComparison.OrdinalIgnoreCase))
            .Select(n => lines[n][(lines[n].IndexOf('=') + 1)..].Split('#')[0].Trim())];
    }

    /// <summary>Whether every edit already holds: the section sets the key once, to the value.</summary>
    public static bool Holds(IReadOnlyList<string> lines, ConfigEdit edit) =>
        Values(lines, edit.PeerIndex, edit.Key) is [var only] && only == edit.Value;

    /// <summary>The whole file with removed lines marked "- " and added lines "+ ", for showing a fix before it is applied.</summary>
    public static string Diff(string path, IReadOnlyList<string> before, IReadOnlyList<string> after)
    {
        // Lines are few (a wg0.conf has ~15): an LCS table is simplest and exact.
        var n = before.Count;
        var m = after.Count;
        var lcs = new int[n + 1, m + 1];
        for (var i = n - 1; i >= 0; i--)
            for (var j = m - 1; j >= 0; j--)
                lcs[i, j] = before[i] == after[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
        var text = new StringBuilder().Append("--- ").Append(path).Append('\n').Append("+++ ").Append(path).Append(" (fixed)\n");
        int a = 0, b = 0;
        while (a < n || b < m)
        {
            if (a < n && b < m && before[a] == after[b]) { text.Append("  ").Append(before[a]).Append('\n'); a++; b++; }
            else if (a < n && (b == m || lcs[a + 1, b] >= lcs[a, b + 1])) { text.Append("- ").Append(before[a]).Append('\n'); a++; }
            else { text.Append("+ ").Append(after[b]).Append('\n'); b++; }
        }
        return text.ToString();
    }

    private static string? KeyOf(string line)
    {
        var trimmed = line.TrimStart();
        if (trimmed.StartsWith('#') || trimmed.StartsWith('['))
            return null;
        var equals = trimmed.IndexOf('=');
        return equals > 0 ? trimmed[..equals].Trim() : null;
    }

    // (header line, first line after the section), 0-based.
    private static (int Start, int End)? Section(IReadOnlyList<string> lines, int? peerIndex)
    {
        var headers = Enumerable.Range(0, lines.Count).Where(n => lines[n].TrimStart().StartsWith('[')).ToList();
        var wanted = peerIndex is { } index
            ? headers.Where(n => lines[n].Trim().Equals("[Peer]", StringComparison.OrdinalIgnoreCase)).Skip(index).Cast<int?>().FirstOrDefault()
            : headers.Where(n => lines[n].Trim().Equals("[Interface]", StringComparison.OrdinalIgnoreCase)).Cast<int?>().FirstOrDefault();
        if (wanted is not { } start)
            return null;
        var end = headers.FirstOrDefault(h => h > start, lines.Count);
        return (start, end);
    }
}
