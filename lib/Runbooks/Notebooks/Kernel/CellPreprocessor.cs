using System.Text;

namespace Runbooks.Notebooks.Kernel;

/// <summary>
/// What a C# cell asks of the kernel beyond C#: Polyglot's <c>#!</c> magic lines and <c>#r "nuget:…"</c>.
/// Magic lines are blanked (not removed) so compiler line numbers still match the cell.
/// </summary>
public sealed record PreparedCell(string Code, bool Timed, string? Unsupported)
{
    private static readonly string[] s_kernelSelectors = ["#!csharp", "#!c#", "#!C#"];

    public static PreparedCell From(string source)
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
                else
                    unsupported ??= $"line {i + 1}: the magic command '{magic}' is not supported by the headless engine; do it in C# instead (only #!csharp and #!time are understood).";
            }
            else if (trimmed.StartsWith("#r", StringComparison.Ordinal) && trimmed.Contains("\"nuget:", StringComparison.OrdinalIgnoreCase))
            {
                unsupported ??= $"line {i + 1}: NuGet reference ({trimmed}) reached the kernel unrestored; the engine restores them before the first cell (a bug if you see this).";
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
}
