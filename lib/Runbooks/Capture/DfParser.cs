using System.Collections.Immutable;
using Runbooks.Storage.Snapshot;

namespace Runbooks.Capture;

/// <summary>
/// Parses <c>df -B1 --output=source,fstype,size,used,avail,pcent,itotal,iused,iavail,ipcent,target</c>: a header,
/// then one line per filesystem, sizes in bytes. The mount point is the rest of the line, so it may hold spaces.
/// </summary>
/// <remarks>df prints "-" for a percentage it cannot compute (a size of 0, or no inodes as on vfat), and lists a
/// filesystem mounted at several places once.</remarks>
public static class DfParser
{
    public const string Format = "df -B1 --output";

    public static ImmutableArray<FilesystemUsage> Parse(string text)
    {
        var rows = ImmutableArray.CreateBuilder<FilesystemUsage>();
        foreach (var (number, line) in Columns.NumberedLines(text))
        {
            if (number == 1 && line.StartsWith("Filesystem", StringComparison.Ordinal))
                continue;
            var columns = Columns.Split(line, 10);
            if (columns.Count < 11)
                throw CaptureFormatException.AtLine(Format, number, $"{columns.Count} columns; expected 11 (source fstype size used avail pcent itotal iused iavail ipcent target)");
            rows.Add(new FilesystemUsage(columns[0], columns[1],
                Long(columns[2], "size", number), Long(columns[3], "used", number), Long(columns[4], "avail", number), Percent(columns[5], "pcent", number),
                Long(columns[6], "itotal", number), Long(columns[7], "iused", number), Long(columns[8], "iavail", number), Percent(columns[9], "ipcent", number),
                columns[10]));
        }
        return rows.ToImmutable();
    }

    private static long Long(string text, string column, int line) =>
        Numbers.TryLong(text, out var value) ? value
        : text == "-" ? 0
        : throw CaptureFormatException.AtLine(Format, line, $"{column} \"{text}\" is not a whole number; expected bytes (-B1) or a count");

    private static int? Percent(string text, string column, int line) =>
        text == "-" ? null
        : text.EndsWith('%') && Numbers.TryInt(text[..^1], out var value) ? value
        : throw CaptureFormatException.AtLine(Format, line, $"{column} \"{text}\" is not a percentage; expected e.g. \"17%\" or \"-\"");
}
