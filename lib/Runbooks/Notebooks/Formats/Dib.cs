using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Runbooks.Notebooks.Formats;

/// <summary>
/// Polyglot's plain-text notebook (.dib): cells start at a line <c>#!kernel</c> naming a kernel, an optional
/// <c>#!meta</c> cell holds the kernel info. Lines like <c>#!time</c> that name no kernel are magic
/// commands and stay inside their cell. A .dib has no metadata, so a C# cell whose first line is
/// <c>// parameters</c> is taken as the papermill <c>parameters</c> cell.
/// </summary>
public static class Dib
{
    public const string ParametersMarker = "// parameters";

    public static Notebook Parse(string text, string sourceName)
    {
        var cells = new List<NotebookCell>();
        JsonObject? meta = null;
        string? kernel = null;
        var body = new StringBuilder();

        void Flush()
        {
            if (kernel is null)
            {
                if (body.ToString().Trim().Length > 0)
                    throw new NotebookFormatException($"{sourceName}: text before the first '#!kernel' line; a .dib must start with a line such as '#!csharp' or '#!markdown'.");
                return;
            }
            var source = body.ToString().Trim('\n', '\r');
            if (kernel == "meta")
                meta = ParseMeta(source, sourceName);
            else if (kernel == "markdown")
                cells.Add(NotebookCell.Markdown(source));
            else
                cells.Add(new NotebookCell
                {
                    Kind = CellKind.Code,
                    Source = source,
                    Language = kernel,
                    Tags = source.TrimStart().StartsWith(ParametersMarker, StringComparison.OrdinalIgnoreCase) ? ["parameters"] : [],
                });
            body.Clear();
        }

        foreach (var line in text.ReplaceLineEndings("\n").Split('\n'))
        {
            if (line.StartsWith("#!", StringComparison.Ordinal) && KernelNames.Canonical(line[2..]) is { } name)
            {
                Flush();
                kernel = name;
                continue;
            }
            body.Append(line).Append('\n');
        }
        Flush();

        return new Notebook { Cells = [.. cells], Metadata = PolyglotMetadata(meta), FormatMinor = 4 };
    }

    private static JsonObject? ParseMeta(string source, string sourceName)
    {
        try
        {
            return JsonNode.Parse(source) as JsonObject;
        }
        catch (JsonException e)
        {
            throw new NotebookFormatException($"{sourceName}: the #!meta cell is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>The metadata VS Code writes into a new Polyglot C# notebook, so the executed copy opens as one.</summary>
    public static JsonObject PolyglotMetadata(JsonObject? dibMeta = null) => new()
    {
        ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" },
        ["language_info"] = new JsonObject { ["name"] = "polyglot-notebook" },
        ["polyglot_notebook"] = dibMeta?.DeepClone() ?? new JsonObject
        {
            ["kernelInfo"] = new JsonObject
            {
                ["defaultKernelName"] = "csharp",
                ["items"] = new JsonArray(new JsonObject { ["aliases"] = new JsonArray(), ["name"] = "csharp" }),
            },
        },
    };
}
