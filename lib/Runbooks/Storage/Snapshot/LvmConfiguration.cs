using System.Collections.Immutable;
using System.Text;
using System.Text.RegularExpressions;

namespace Runbooks.Storage.Snapshot;

/// <summary>One setting of LVM's configuration that differs from its default (<c>lvmconfig --typeconfig diff</c>).</summary>
/// <param name="Path">Section and name, as lvmconfig names them: "devices/global_filter".</param>
/// <param name="Value">As printed: <c>["r|^/dev/loop|","a|.*|"]</c>, <c>1</c>, <c>"text"</c>.</param>
public sealed record LvmSetting(string Path, string Value)
{
    /// <summary>The setting's name without its section ("global_filter"): how it is written in lvm.conf.</summary>
    public string Name => Path[(Path.LastIndexOf('/') + 1)..];

    /// <summary>The strings of a list value (<c>["a","b"]</c> gives a and b), or the one string of a string value.</summary>
    public ImmutableArray<string> Strings()
    {
        var strings = ImmutableArray.CreateBuilder<string>();
        var current = new StringBuilder();
        var inside = false;
        for (var i = 0; i < Value.Length; i++)
        {
            var c = Value[i];
            if (!inside)
            {
                inside = c == '"';
                continue;
            }
            if (c == '\\' && i + 1 < Value.Length)
                current.Append(Value[++i]);
            else if (c == '"')
            {
                strings.Add(current.ToString());
                current.Clear();
                inside = false;
            }
            else
                current.Append(c);
        }
        return strings.ToImmutable();
    }
}

/// <summary>
/// An LVM device filter (<c>devices/filter</c>, <c>devices/global_filter</c>): a list of "a" (accept) and "r" (reject)
/// patterns, each a regular expression between delimiters of the author's choice ("r|^/dev/loop|"). LVM takes the
/// first pattern that matches a device's path; a path no pattern matches is accepted.
/// </summary>
public sealed record LvmDeviceFilter(string Setting, ImmutableArray<string> Patterns)
{
    /// <summary>Whether LVM would scan the device at <paramref name="path"/>, and the pattern that decided it (null when
    /// none matched). LVM also tries a device's other names (/dev/disk/by-…): a loop device has none by default.</summary>
    public (bool Accepted, string? By) Decide(string path)
    {
        foreach (var pattern in Patterns)
        {
            if (pattern.Length < 3 || pattern[0] is not ('a' or 'r'))
                continue;
            var delimiter = pattern[1];
            var end = pattern.LastIndexOf(delimiter);
            if (end <= 1)
                continue;
            Regex regex;
            try
            {
                regex = new Regex(pattern[2..end], RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException)
            {
                // LVM itself refuses a pattern it cannot compile, so it decides nothing there either.
                continue;
            }
            if (regex.IsMatch(path))
                return (pattern[0] == 'a', pattern);
        }
        return (true, null);
    }

    /// <summary>The filters a configuration sets, global first (it applies to every command and cache).</summary>
    public static ImmutableArray<LvmDeviceFilter> Of(IEnumerable<LvmSetting> settings) =>
        [.. new[] { "devices/global_filter", "devices/filter" }
            .Select(path => settings.FirstOrDefault(s => s.Path == path))
            .OfType<LvmSetting>()
            .Select(s => new LvmDeviceFilter(s.Path, s.Strings()))];
}
