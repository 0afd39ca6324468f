using System.Text.RegularExpressions;

namespace Runbooks.Tests.Parity.Comparison;

/// <summary>One way a cell differs between the engine and the real kernel; <see cref="Known"/> ones are listed in docs/engine.md.</summary>
public sealed record CellDifference(int Cell, string What, bool Known)
{
    public override string ToString() => $"cell {Cell}: {(Known ? "(known) " : "")}{What}";
}

/// <summary>
/// Compares a cell as the engine ran it with the same cell run by the real kernel: success, then the outputs in order
/// (kind and MIME types), then each output's text. Text is compared after masking what differs from one run to the
/// next on live machines (numbers, keys, the real kernel's style sheet), so a difference left is one of form.
/// </summary>
public static partial class CellComparison
{
    public static IReadOnlyList<CellDifference> Compare(int cell, ObservedCell ours, ObservedCell real)
    {
        var differences = new List<CellDifference>();
        if (ours.Succeeded != real.Succeeded)
        {
            differences.Add(new(cell, ours.Succeeded
                ? $"passes in the engine, fails in the real kernel: {FirstLine(real.Error)}"
                : $"fails in the engine ({FirstLine(ours.Error)}), passes in the real kernel", false));
            return differences;
        }
        var mine = Merged(ours.Outputs);
        var theirs = Merged(real.Outputs);
        if (theirs.RemoveAll(IsRestoreProgress) > 0)
            differences.Add(new(cell, "the real kernel shows its NuGet restore's progress (Installing/Installed Packages); the engine restores before the first cell", true));
        var shape = string.Join("; ", mine.Select(o => o.ToString()));
        var realShape = string.Join("; ", theirs.Select(o => o.ToString()));
        if (shape != realShape)
        {
            differences.Add(new(cell, $"outputs differ: engine [{shape}], real kernel [{realShape}]", false));
            return differences;
        }
        for (var i = 0; i < mine.Count; i++)
        {
            foreach (var ((mime, value), (_, realValue)) in mine[i].Data.Zip(theirs[i].Data))
            {
                var (a, b) = (Normalize(value), Normalize(realValue));
                if (a == b)
                    continue;
                if (real.StrayUpdates.SelectMany(u => u).Any(u => u.MimeType == mime && Normalize(u.Value) == a))
                {
                    differences.Add(new(cell, $"output {i + 1} ({mime}): the engine shows the display's update, the real kernel sent that update under another id", true));
                    continue;
                }
                if (mime == "text/html" && Skeleton(a) == Skeleton(b))
                {
                    // The same markup around different values: the machines' state, not the kernel, differs.
                    differences.Add(new(cell, $"output {i + 1} ({mime}): same markup, other values: engine {Excerpt(a, b)}, real kernel {Excerpt(b, a)}", true));
                    continue;
                }
                // Objects render in the real kernel's markup here too, so other markup is a difference; only a cell's
                // live text may differ.
                var known = mime != "text/html" && ours.LiveOutput;
                differences.Add(new(cell, $"output {i + 1} ({mime}) differs{(ours.LiveOutput && known ? " (live output)" : "")}: engine {Excerpt(a, b)}, real kernel {Excerpt(b, a)}", known));
            }
        }
        return differences;
    }

    /// <summary>The HTML's tags alone, text between them dropped.</summary>
    public static string Skeleton(string html) => string.Concat(Tag().Matches(html).Select(m => m.Value));

    private static bool IsRestoreProgress(ObservedOutput output) =>
        output.Kind == OutputKind.Display && output.Data.Any(d => d.MimeType == "text/html"
            && (d.Value.Contains("<strong>Installing Packages</strong>", StringComparison.Ordinal)
                || d.Value.Contains("<strong>Installed Packages</strong>", StringComparison.Ordinal)
                || d.Value.Contains("<strong>Restore sources</strong>", StringComparison.Ordinal)
                // What a failed restore's progress display is updated to at its end: its three sections, empty.
                || d.Value.Trim() == "<div><div></div><div></div><div></div></div>"));

    /// <summary>Adjacent stream outputs of one kind joined: how a kernel splits what a cell printed is not part of the result.</summary>
    private static List<ObservedOutput> Merged(IReadOnlyList<ObservedOutput> outputs)
    {
        var merged = new List<ObservedOutput>();
        foreach (var output in outputs)
        {
            if (output.Kind is OutputKind.Stdout or OutputKind.Stderr && merged.Count > 0 && merged[^1].Kind == output.Kind)
                merged[^1] = new ObservedOutput(output.Kind, [("text/plain", merged[^1].Data[0].Value + output.Data[0].Value)]);
            else
                merged.Add(output);
        }
        return merged;
    }

    /// <summary>The text with what changes between two runs on live machines masked: numbers, durations, base64 keys, hex digests, style sheets.</summary>
    public static string Normalize(string text)
    {
        var normalized = StyleSheet().Replace(text.ReplaceLineEndings("\n"), string.Empty);
        normalized = Base64Key().Replace(normalized, "KEY");
        normalized = Hex().Replace(normalized, "HEX");
        // A duration is printed in the unit that suits it ("850 ms", "1.2 s"): two runs may pick other units.
        normalized = Duration().Replace(normalized, "DURATION");
        return Digits().Replace(normalized, "0");
    }

    private static string Excerpt(string text, string other)
    {
        var at = 0;
        while (at < text.Length && at < other.Length && text[at] == other[at])
            at++;
        var start = Math.Max(0, at - 40);
        return $"\"…{text.Substring(start, Math.Min(120, text.Length - start))}…\" (at {at} of {text.Length})";
    }

    private static string FirstLine(string? text) => (text ?? "no message").ReplaceLineEndings("\n").Split('\n')[0];

    [GeneratedRegex("<style>.*?</style>", RegexOptions.Singleline)]
    private static partial Regex StyleSheet();

    [GeneratedRegex("(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{43}=")]
    private static partial Regex Base64Key();

    [GeneratedRegex("\\b[0-9a-f]{12,}\\b")]
    private static partial Regex Hex();

    [GeneratedRegex("\\b[0-9]+(?:\\.[0-9]+)? ?(?:ms|s|min)\\b")]
    private static partial Regex Duration();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tag();

    [GeneratedRegex("[0-9]+")]
    private static partial Regex Digits();
}
