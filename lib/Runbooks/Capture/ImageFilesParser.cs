using System.Collections.Immutable;
using Runbooks.Storage.Snapshot;

namespace Runbooks.Capture;

/// <summary>
/// Parses <c>stat -c '%s %b %B %n' FILE…</c>: apparent size, allocated blocks, the size of those blocks, and the
/// path as the rest of the line.
/// </summary>
public static class ImageFilesParser
{
    public const string Format = "stat -c '%s %b %B %n'";

    public static ImmutableArray<ImageFile> Parse(string text)
    {
        var files = ImmutableArray.CreateBuilder<ImageFile>();
        var number = 0;
        foreach (var line in text.Split('\n'))
        {
            number++;
            if (line.Length == 0)
                continue;
            var fields = line.Split(' ', 4);
            if (fields.Length < 4 || fields[3].Length == 0)
                throw CaptureFormatException.AtLine(Format, number, $"\"{line}\" is not \"SIZE BLOCKS BLOCK-SIZE PATH\"");
            files.Add(new ImageFile(fields[3], DeletedFilesParser.Long(fields[0], "size", number, Format),
                DeletedFilesParser.Long(fields[1], "blocks", number, Format) * DeletedFilesParser.Long(fields[2], "block size", number, Format)));
        }
        return files.ToImmutable();
    }
}
