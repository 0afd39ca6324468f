using System.Text;

namespace Runbooks.Notebooks.Kernel;

/// <summary>
/// What a C# cell asks of the kernel beyond C#: Polyglot's <c>#!</c> magic lines and <c>#r "nuget:…"</c>.
/// Magic lines are blanked (not removed) so compiler line numbers still match the cell.
/// A <c>#r</c> of a library the engine itself provides (a notebook's <c>#r "../artifacts/bin/Runbooks/…/Runbooks.dll"</c>,
/// there for VS Code) is blanked too: the engine's own copy is already referenced, and a second copy of
/// the same assembly would make every type ambiguous.
/// </summary>
public sealed record PreparedCell(string Code, bool Timed, string? Unsupported)
{
    private static readonly string[] s_kernelSelectors = ["#!csharp", "#!c#", "#!C#"];

    private static readonly Lazy<HashSet<string>> s_provided = new(() =>
        [.. (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => name.StartsWith("Runbooks", StringComparison.Ordinal))]);

    public static PreparedCell From(string source) => From(source, KernelValues.None);

    /// <param name="values">What magic lines such as <c>#!share</c> and <c>#!who</c> read (MagicCommands).</param>
    public static PreparedCell From(string source, KernelValues values)
    {
        var lines = source.ReplaceLineEndings("\n").Split('\n');
        var code = new StringBuilder();
        var timed = false;
        string? unsupported = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var trimmed = line.Trim();
            if (trimmed.StartsWith("#!", StringComparison.Ordinal))
            {
                var magic = trimmed.Split(' ', 2)[0];
                if (s_kernelSelectors.Contains(magic))
                    line = string.Empty;
                else if (magic == "#!time")
                    (timed, line) = (true, string.Empty);
                else if (MagicCommands.Translate(trimmed, values) is var (translated, error))
                {
                    line = translated ?? string.Empty;
                    if (error is not null)
                        unsupported ??= $"line {i + 1}: {error}.";
                }
                else
                    unsupported ??= $"line {i + 1}: the magic command '{magic}' is not supported by the headless engine; do it in C# instead (understood: #!csharp, #!time, #!who, #!whos, #!set, #!share, and #!value cells).";
            }
            else if (trimmed.StartsWith("#r", StringComparison.Ordinal) && trimmed.Contains("\"nuget:", StringComparison.OrdinalIgnoreCase))
            {
                unsupported ??= $"line {i + 1}: NuGet reference ({trimmed}) reached the kernel unrestored; the engine restores them before the first cell (a bug if you see this).";
            }
            else if (trimmed.StartsWith("#r ", StringComparison.Ordinal) && ProvidedByEngine(trimmed))
            {
                line = string.Empty;
            }
            else if (trimmed.StartsWith("#i ", StringComparison.Ordinal))
            {
                unsupported ??= $"line {i + 1}: package sources (#i) are not supported by the headless engine.";
            }
            code.Append(line);
            if (i < lines.Length - 1)
                code.Append('\n');
        }
        return new PreparedCell(code.ToString(), timed, unsupported);
    }

    private static bool ProvidedByEngine(string directive)
    {
        var start = directive.IndexOf('"');
        var end = directive.LastIndexOf('"');
        return start >= 0 && end > start && s_provided.Value.Contains(Path.GetFileName(directive[(start + 1)..end]));
    }
}
