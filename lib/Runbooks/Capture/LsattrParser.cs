using System.Collections.Immutable;
using Runbooks.Storage.Snapshot;

namespace Runbooks.Capture;

/// <summary>Parses <c>lsattr -d PATH…</c>: "FLAGS PATH" per line, FLAGS one character per attribute or '-'.</summary>
public static class LsattrParser
{
    public static ImmutableArray<PathAttributes> Parse(string text) =>
        [.. Columns.NumberedLines(text).Select(line =>
        {
            var space = line.Line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0 || line.Line[..space].Any(c => c != '-' && !char.IsAsciiLetterLower(c)))
                throw new CaptureFormatException("lsattr -d", $"line {line.Number}", $"expected FLAGS PATH, got \"{line.Line}\"");
            return new PathAttributes(line.Line[(space + 1)..], line.Line[..space]);
        })];
}
