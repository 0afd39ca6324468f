using System.Collections.Immutable;
using Runbooks.Storage.Snapshot;

namespace Runbooks.Capture;

/// <summary>
/// Parses <c>ps -e -ww -o pid=,ppid=,etimes=,stat=,args=</c>: no header, "PID PPID ELAPSED-SECONDS STAT ARGS",
/// the arguments being the rest of the line.
/// </summary>
public static class PsParser
{
    public const string Format = "ps -e -o pid=,ppid=,etimes=,stat=,args=";

    public static ImmutableArray<ProcessEntry> Parse(string text)
    {
        var processes = ImmutableArray.CreateBuilder<ProcessEntry>();
        foreach (var (number, line) in Columns.NumberedLines(text))
        {
            var columns = Columns.Split(line, 4);
            if (columns.Count < 5)
                throw CaptureFormatException.AtLine(Format, number, $"{columns.Count} columns; expected 5 (pid ppid etimes stat args)");
            processes.Add(new ProcessEntry(DeletedFilesParser.Int(columns[0], "pid", number, Format), DeletedFilesParser.Int(columns[1], "ppid", number, Format),
                DeletedFilesParser.Long(columns[2], "etimes", number, Format), columns[3], columns[4]));
        }
        return processes.ToImmutable();
    }
}
