using System.Collections.Immutable;
using System.Text;

namespace Runbooks.Autoextend;

/// <summary>The names of <see cref="GrowthEvent"/> in files and plots: kebab-case ("add-disk"), as people type them.</summary>
public static class GrowthEvents
{
    private static readonly ImmutableDictionary<GrowthEvent, string> ByKind =
        Enum.GetValues<GrowthEvent>().ToImmutableDictionary(k => k, k => Kebab(k.ToString()));

    private static readonly ImmutableDictionary<string, GrowthEvent> ByName = ByKind.ToImmutableDictionary(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal);

    public static ImmutableArray<string> Names { get; } = [.. Enum.GetValues<GrowthEvent>().Select(k => ByKind[k])];

    public static string Name(GrowthEvent kind) => ByKind.TryGetValue(kind, out var name) ? name : throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a growth event");

    public static bool TryParse(string name, out GrowthEvent kind) => ByName.TryGetValue(name, out kind);

    /// <summary>Extend, AddDisk and Repair change the volume; Sample, Alert and Error do not.</summary>
    public static bool IsAction(GrowthEvent kind) => kind is GrowthEvent.Extend or GrowthEvent.AddDisk or GrowthEvent.Repair;

    private static string Kebab(string pascal)
    {
        var text = new StringBuilder();
        foreach (var c in pascal)
        {
            if (char.IsUpper(c) && text.Length > 0)
                text.Append('-');
            text.Append(char.ToLowerInvariant(c));
        }
        return text.ToString();
    }
}
