using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Runbooks.Benchmarks;

/// <summary>What a benchmark cell must leave in the executed copy, so a run that did no real work is caught.</summary>
internal enum ExpectedOutput
{
    None,
    Stdout,
    Display,
    Result,
}

/// <summary>One generated cell: its source and what it must output (with the text its stdout must contain).</summary>
internal sealed record BenchCell(string Source, ExpectedOutput Output, string? StdoutContains = null);

/// <summary>
/// The generated notebooks: rounds of ten trivial-but-real cells (a variable, a loop, a string format,
/// console output, a LINQ query / comprehension, a display call, a record / dataclass, an awaited 1 ms
/// delay, a value as the last expression, a variable of an earlier cell). The C# and the Python
/// notebook do the same work cell for cell. Round r &gt; 1 suffixes every name with r, so a 60-cell
/// notebook is six rounds that each declare their own names, as a long runbook would.
/// </summary>
internal static class BenchNotebooks
{
    public const int CellsPerRound = 10;

    // 1000 iterations of the loop: 0 + 1 + ... + 999.
    private const int LoopSum = 499_500;

    // 42 + the squares of the multiples of 3 in 1..100.
    private static readonly int s_lastLine = 42 + Enumerable.Range(1, 100).Where(n => n % 3 == 0).Sum(n => n * n);

    private static readonly string s_formatted = string.Create(CultureInfo.InvariantCulture, $"count=42, sum={LoopSum:N0}");

    public static IReadOnlyList<BenchCell> CSharp(int cells) => Rounds(cells, CSharpRound);

    public static IReadOnlyList<BenchCell> Python(int cells) => Rounds(cells, PythonRound);

    private static List<BenchCell> Rounds(int cells, Func<string, BenchCell[]> round)
    {
        if (cells <= 0 || cells % CellsPerRound != 0)
            throw new ArgumentOutOfRangeException(nameof(cells), cells, $"a multiple of {CellsPerRound}");
        return [.. Enumerable.Range(1, cells / CellsPerRound).SelectMany(r => round(r == 1 ? string.Empty : r.ToString(CultureInfo.InvariantCulture)))];
    }

    private static BenchCell[] CSharpRound(string s) =>
    [
        new($"var count{s} = 42;", ExpectedOutput.None),
        new($"var total{s} = 0;\nfor (var i = 0; i < 1000; i++)\n    total{s} += i;", ExpectedOutput.None),
        new($"var text{s} = $\"count={{count{s}}}, sum={{total{s}:N0}}\";", ExpectedOutput.None),
        new($"Console.WriteLine(text{s});", ExpectedOutput.Stdout, s_formatted),
        new($"var squares{s} = Enumerable.Range(1, 100).Where(n => n % 3 == 0).Select(n => n * n).ToList();", ExpectedOutput.None),
        new($"display(squares{s}.Count);", ExpectedOutput.Display),
        new($"record Point{s}(int X, int Y);\nvar point{s} = new Point{s}(3, 4);", ExpectedOutput.None),
        new("await Task.Delay(1);", ExpectedOutput.None),
        new($"point{s}", ExpectedOutput.Result),
        new($"Console.WriteLine(count{s} + squares{s}.Sum());", ExpectedOutput.Stdout, s_lastLine.ToString(CultureInfo.InvariantCulture)),
    ];

    private static BenchCell[] PythonRound(string s) =>
    [
        new($"count{s} = 42", ExpectedOutput.None),
        new($"total{s} = 0\nfor i in range(1000):\n    total{s} += i", ExpectedOutput.None),
        new($"text{s} = f\"count={{count{s}}}, sum={{total{s}:,}}\"", ExpectedOutput.None),
        new($"print(text{s})", ExpectedOutput.Stdout, s_formatted),
        new($"squares{s} = [n * n for n in range(1, 101) if n % 3 == 0]", ExpectedOutput.None),
        new($"display(len(squares{s}))", ExpectedOutput.Display),
        new($"from dataclasses import dataclass\n\n@dataclass\nclass Point{s}:\n    x: int\n    y: int\n\npoint{s} = Point{s}(3, 4)", ExpectedOutput.None),
        new("import asyncio\nawait asyncio.sleep(0.001)", ExpectedOutput.None),
        new($"point{s}", ExpectedOutput.Result),
        new($"print(count{s} + sum(squares{s}))", ExpectedOutput.Stdout, s_lastLine.ToString(CultureInfo.InvariantCulture)),
    ];

    public static void WriteCSharpIpynb(string path, IReadOnlyList<BenchCell> cells)
    {
        var metadata = new JsonObject
        {
            ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" },
            ["language_info"] = new JsonObject { ["name"] = "polyglot-notebook" },
            ["polyglot_notebook"] = new JsonObject
            {
                ["kernelInfo"] = new JsonObject
                {
                    ["defaultKernelName"] = "csharp",
                    ["items"] = new JsonArray(new JsonObject { ["aliases"] = new JsonArray(), ["name"] = "csharp" }),
                },
            },
        };
        Write(path, cells, metadata, () => new JsonObject
        {
            ["dotnet_interactive"] = new JsonObject { ["language"] = "csharp" },
            ["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" },
        });
    }

    public static void WritePythonIpynb(string path, IReadOnlyList<BenchCell> cells)
    {
        var metadata = new JsonObject
        {
            ["kernelspec"] = new JsonObject { ["display_name"] = "Python 3", ["language"] = "python", ["name"] = "python3" },
            ["language_info"] = new JsonObject { ["name"] = "python" },
        };
        Write(path, cells, metadata, () => new JsonObject());
    }

    private static void Write(string path, IReadOnlyList<BenchCell> cells, JsonObject metadata, Func<JsonObject> cellMetadata)
    {
        var array = new JsonArray();
        for (var i = 0; i < cells.Count; i++)
        {
            array.Add(new JsonObject
            {
                ["cell_type"] = "code",
                ["execution_count"] = null,
                ["id"] = $"cell-{i + 1}",
                ["metadata"] = cellMetadata(),
                ["outputs"] = new JsonArray(),
                ["source"] = cells[i].Source,
            });
        }
        var root = new JsonObject
        {
            ["cells"] = array,
            ["metadata"] = metadata,
            ["nbformat"] = 4,
            ["nbformat_minor"] = 5,
        };
        File.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}
