using System.Collections.Immutable;
using Runbooks.Storage.Snapshot;

namespace Runbooks.Capture;

/// <summary>
/// Parses the storage capture's walk of /proc/*/fd for deleted files still open: one line per descriptor,
/// "PID TAB FD TAB SIZE TAB BLOCKS TAB BLOCK-SIZE TAB COMM TAB PATH", sizes from <c>stat -L</c> through the
/// descriptor, PATH as the kernel names it without its " (deleted)".
/// </summary>
/// <remarks>The walk rather than <c>lsof +L1</c>: it needs only sh, ls and stat (lsof is often not installed, and
/// not on the challenge's image), its sizes are exact, and the output does not depend on lsof's column widths.</remarks>
public static class DeletedFilesParser
{
    public const string Format = "deleted open files (/proc/*/fd walk)";

    public static ImmutableArray<DeletedOpenFile> Parse(string text)
    {
        var files = ImmutableArray.CreateBuilder<DeletedOpenFile>();
        var number = 0;
        foreach (var line in text.Split('\n'))
        {
            number++;
            if (line.Length == 0)
                continue;
            var fields = line.Split('\t', 7);
            if (fields.Length < 7)
                throw CaptureFormatException.AtLine(Format, number, $"{fields.Length} tab-separated fields; expected 7 (pid fd size blocks block-size comm path)");
            files.Add(new DeletedOpenFile(Int(fields[0], "pid", number), fields[5], Int(fields[1], "fd", number), fields[6],
                Long(fields[2], "size", number), Long(fields[3], "blocks", number) * Long(fields[4], "block size", number)));
        }
        return files.ToImmutable();
    }

    internal static int Int(string text, string field, int line, string format = Format) =>
        Numbers.TryInt(text, out var value) ? value : throw CaptureFormatException.AtLine(format, line, $"{field} \"{text}\" is not a whole number");

    internal static long Long(string text, string field, int line, string format = Format) =>
        Numbers.TryLong(text, out var value) ? value : throw CaptureFormatException.AtLine(format, line, $"{field} \"{text}\" is not a whole number");
}
