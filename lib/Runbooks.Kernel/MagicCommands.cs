using System.Collections.Immutable;
using System.Net;
using Microsoft.CodeAnalysis.CSharp;

namespace Runbooks.Notebooks.Kernel;

/// <summary>What a cell's magic lines may read: the C# variables of earlier cells and the texts of <c>#!value</c> cells.</summary>
public sealed record KernelValues(ImmutableArray<string> Variables, ImmutableDictionary<string, string> ValueCells)
{
    public static KernelValues None { get; } = new([], ImmutableDictionary<string, string>.Empty);
}

/// <summary>
/// The magic commands of VS Code's kernel that a C#-only notebook uses, each turned into one line of C# so the cell's
/// line numbers stay true: <c>#!who</c>/<c>#!whos</c> (the variables so far), <c>#!set --name N --value V</c> (a string,
/// or <c>@csharp:x</c>/<c>@value:n</c>), and <c>#!share --from csharp|value NAME [--as NEW]</c>.
/// </summary>
public static class MagicCommands
{
    /// <summary>The C# line for <paramref name="line"/>, or an error naming what is wrong; null for a magic this engine does not know.</summary>
    public static (string? Code, string? Error)? Translate(string line, KernelValues values)
    {
        var words = Words(line.Trim());
        return words[0] switch
        {
            "#!who" or "#!whos" => (Who(values.Variables), null),
            "#!set" => Set(words, values),
            "#!share" => Share(words, values),
            _ => null,
        };
    }

    /// <summary>The name a <c>#!value --name NAME</c> cell stores its text under, and that text; null when the first line names none.</summary>
    public static (string Name, string Text)? ValueCell(string source)
    {
        var lines = source.ReplaceLineEndings("\n").Split('\n');
        var words = Words(lines[0].Trim());
        return words[0] == "#!value" && Option(words, "--name") is { } name ? (name, string.Join('\n', lines.Skip(1))) : null;
    }

    private static string Who(ImmutableArray<string> variables) =>
        $"System.DisplayExtensions.DisplayAs({Literal("<div>" + Microsoft.DotNet.Interactive.Formatting.HtmlFormatter.Plain("[ " + string.Join(", ", variables) + " ]") + "</div>")}, \"text/html\");";

    private static (string?, string?) Set(string[] words, KernelValues values)
    {
        if (Option(words, "--name") is not { } name || Option(words, "--value") is not { } value)
            return (null, "#!set needs --name NAME --value VALUE");
        if (value.StartsWith("@input:", StringComparison.Ordinal) || value.StartsWith("@password:", StringComparison.Ordinal))
            return (null, $"#!set --value {value} asks a person for the value, which a headless run cannot: declare it in the parameters cell instead");
        return value switch
        {
            _ when value.StartsWith("@csharp:", StringComparison.Ordinal) => ($"var {name} = {value["@csharp:".Length..]};", null),
            _ when value.StartsWith("@value:", StringComparison.Ordinal) => FromValueCell(value["@value:".Length..], name, values),
            _ => ($"var {name} = {Literal(value)};", null),
        };
    }

    private static (string?, string?) Share(string[] words, KernelValues values)
    {
        var from = Option(words, "--from");
        string? name = null;
        for (var i = 1; i < words.Length && name is null; i++)
        {
            if (words[i].StartsWith("--", StringComparison.Ordinal))
                i++;   // the option's value
            else
                name = words[i];
        }
        if (from is null || name is null)
            return (null, "#!share needs --from KERNEL NAME");
        var target = Option(words, "--as") ?? name;
        return from switch
        {
            "csharp" or "c#" or "C#" => ($"var {target} = {name};", null),
            "value" => FromValueCell(name, target, values),
            _ => (null, $"#!share --from {from}: this engine runs C# cells only, so there is no '{from}' kernel to share from"),
        };
    }

    private static (string?, string?) FromValueCell(string source, string target, KernelValues values) =>
        values.ValueCells.TryGetValue(source, out var text)
            ? ($"var {target} = {Literal(text)};", null)
            : (null, $"no #!value cell named '{source}' ran before this one");

    private static string Literal(string text) => SymbolDisplay.FormatLiteral(text, quote: true);

    private static string? Option(string[] words, string option)
    {
        var at = Array.IndexOf(words, option);
        return at >= 0 && at + 1 < words.Length ? words[at + 1] : null;
    }

    // Words separated by blanks; a "quoted value" is one word, without its quotes.
    private static string[] Words(string line)
    {
        var words = new List<string>();
        var i = 0;
        while (i < line.Length)
        {
            if (char.IsWhiteSpace(line[i]))
            {
                i++;
                continue;
            }
            var quoted = line[i] == '"';
            var end = quoted ? line.IndexOf('"', i + 1) : line.IndexOfAny([' ', '\t'], i);
            if (end < 0)
                end = line.Length;
            words.Add(quoted ? line[(i + 1)..end] : line[i..end]);
            i = end + 1;
        }
        return words.Count == 0 ? [string.Empty] : [.. words];
    }
}
