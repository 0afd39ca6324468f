using System.Collections.Immutable;
using System.Text;
using Runbooks.Storage.Snapshot;

namespace Runbooks.Capture;

/// <summary>
/// Parses /etc/fstab: "spec mountpoint type [options [dump [pass]]]" per line, separated by spaces or tabs, '#'
/// starting a comment line. Spaces inside a field are written as \040 (and a tab as \011), decoded here as mount does.
/// </summary>
/// <remarks>Missing options mean "defaults", missing dump and pass mean 0, as in mount(8).</remarks>
public static class FstabParser
{
    public const string Format = "/etc/fstab";

    public static ImmutableArray<FstabEntry> Parse(string text)
    {
        var entries = ImmutableArray.CreateBuilder<FstabEntry>();
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd('\r');
            var trimmed = line.TrimStart();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
                continue;
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 3)
                throw CaptureFormatException.AtLine(Format, number, $"{fields.Length} field(s); expected at least 3 (spec mountpoint type [options [dump [pass]]])");
            if (fields.Length > 6)
                throw CaptureFormatException.AtLine(Format, number, $"{fields.Length} fields; expected at most 6 (a space inside a field must be written \\040)");
            entries.Add(new FstabEntry(number, Unescape(fields[0]), Unescape(fields[1]), fields[2],
                [.. (fields.Length > 3 ? fields[3] : "defaults").Split(',', StringSplitOptions.RemoveEmptyEntries)],
                fields.Length > 4 ? Int(fields[4], "dump", number) : 0,
                fields.Length > 5 ? Int(fields[5], "pass", number) : 0,
                line));
        }
        return entries.ToImmutable();
    }

    private static int Int(string text, string field, int line) =>
        Numbers.TryInt(text, out var value) ? value : throw CaptureFormatException.AtLine(Format, line, $"{field} \"{text}\" is not a number; expected 0, 1 or 2");

    // \NNN octal, as getmntent decodes it.
    private static string Unescape(string field)
    {
        if (!field.Contains('\\'))
            return field;
        var result = new StringBuilder();
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && IsOctal(field.AsSpan(i + 1, 3)))
            {
                result.Append(ToChar(field.AsSpan(i + 1, 3)));
                i += 3;
            }
            else
            {
                result.Append(field[i]);
            }
        }
        return result.ToString();
    }

    private static bool IsOctal(ReadOnlySpan<char> digits) => digits.Length == 3 && digits.IndexOfAnyExceptInRange('0', '7') < 0;

    private static char ToChar(ReadOnlySpan<char> octal) => (char)((octal[0] - '0') * 64 + (octal[1] - '0') * 8 + (octal[2] - '0'));
}
