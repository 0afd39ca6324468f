using System.Collections.Immutable;
using Runbooks.Storage.Snapshot;

namespace Runbooks.Capture;

/// <summary>
/// Parses <c>lvmconfig --typeconfig diff</c>: the settings that differ from LVM's defaults, as nested
/// <c>section {</c> … <c>}</c> blocks of <c>name=value</c> lines (a value is a number, a quoted string or a
/// <c>[…]</c> list on one line). Empty output is a configuration with every default.
/// </summary>
public static class LvmConfigParser
{
    public static ImmutableArray<LvmSetting> Parse(string text)
    {
        var settings = ImmutableArray.CreateBuilder<LvmSetting>();
        var sections = new List<string>();
        foreach (var line in Columns.NumberedLines(text))
        {
            var trimmed = line.Line.Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
                continue;
            if (trimmed == "}")
            {
                if (sections.Count == 0)
                    throw new CaptureFormatException("lvmconfig", $"line {line.Number}", "a '}' closes no section");
                sections.RemoveAt(sections.Count - 1);
                continue;
            }
            if (trimmed.EndsWith('{'))
            {
                sections.Add(trimmed[..^1].Trim());
                continue;
            }
            var equals = trimmed.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
                throw new CaptureFormatException("lvmconfig", $"line {line.Number}", $"expected name=value, a section or '}}', got \"{trimmed}\"");
            settings.Add(new LvmSetting(string.Join('/', sections.Append(trimmed[..equals].Trim())), trimmed[(equals + 1)..].Trim()));
        }
        if (sections.Count > 0)
            throw new CaptureFormatException("lvmconfig", "end", $"section {string.Join('/', sections)} is not closed");
        return settings.ToImmutable();
    }
}
