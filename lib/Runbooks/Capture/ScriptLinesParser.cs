using System.Collections.Immutable;
using System.Globalization;
using Runbooks.Storage.Snapshot;

namespace Runbooks.Capture;

/// <summary>Parses <c>grep -n -H</c> output: "PATH:LINE:TEXT" per line.</summary>
public static class ScriptLinesParser
{
    public static ImmutableArray<ScriptLine> Parse(string text)
    {
        var lines = ImmutableArray.CreateBuilder<ScriptLine>();
        var number = 0;
        foreach (var line in text.Split('\n'))
        {
            number++;
            if (line.Length == 0)
                continue;
            var first = line.IndexOf(':');
            var second = first < 0 ? -1 : line.IndexOf(':', first + 1);
            if (first <= 0 || second < 0 || !int.TryParse(line.AsSpan(first + 1, second - first - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var lineNumber))
                throw new CaptureFormatException("grep -n -H", $"line {number}", $"expected PATH:LINE:TEXT, got \"{(line.Length > 80 ? line[..77] + "..." : line)}\"");
            lines.Add(new ScriptLine(line[..first], lineNumber, line[(second + 1)..]));
        }
        return lines.ToImmutable();
    }
}
