using Runbooks.Network.Snapshot;

namespace Runbooks.Network.Checks;

/// <summary>Finds a config file's lines for evidence: "path:line: text", as an editor or grep would show them.</summary>
public static class ConfigLines
{
    /// <summary>The lines of the section whose header is on <paramref name="sectionLine"/> that set <paramref name="key"/> (case-insensitive, as wg-quick reads it).</summary>
    public static IEnumerable<(int Line, string Text)> KeyLines(WireGuardConfig config, int sectionLine, string key)
    {
        for (var n = sectionLine + 1; n <= config.Lines.Length; n++)
        {
            var text = config.Lines[n - 1];
            var trimmed = text.TrimStart();
            if (trimmed.StartsWith('['))
                yield break;
            var equals = trimmed.IndexOf('=');
            if (equals > 0 && trimmed[..equals].Trim().Equals(key, StringComparison.OrdinalIgnoreCase))
                yield return (n, text);
        }
    }

    public static string Cite(WireGuardConfig config, int line, string? machine = null) =>
        $"{(machine is null ? "" : machine + ":")}{config.Path}:{line}: {config.Lines[line - 1].Trim()}";

    /// <summary>The lines setting <paramref name="key"/>, cited; or a line saying the section has none.</summary>
    /// <param name="machine">Prefixes each citation ("server:/etc/…"), for evidence that quotes the other machine's file.</param>
    public static IEnumerable<string> Evidence(WireGuardConfig config, int sectionLine, string key, string? machine = null)
    {
        var lines = KeyLines(config, sectionLine, key).Select(l => Cite(config, l.Line, machine)).ToList();
        var where = machine is null ? config.Path : $"{machine}:{config.Path}";
        return lines.Count > 0 ? lines
            : sectionLine > 0 ? [$"{where}:{sectionLine}: {config.Lines[sectionLine - 1].Trim()} has no {key}"]
            : [$"{where}: no [Interface] section, so no {key}"];
    }
}
