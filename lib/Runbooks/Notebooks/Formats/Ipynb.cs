using System.Collections.Immutable;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Runbooks.Notebooks.Formats;

/// <summary>
/// nbformat 4 (.ipynb) as VS Code's Polyglot Notebooks writes it. Reading keeps each cell's JSON so that
/// writing back changes only what execution changed (outputs, execution counts, <c>metadata.runbook</c>).
/// </summary>
public static class Ipynb
{
    private static readonly JsonSerializerOptions s_writeOptions = new()
    {
        WriteIndented = true,
        IndentSize = 1,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonDocumentOptions s_readOptions = new() { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow };

    public static Notebook Parse(string json, string sourceName)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: s_readOptions) as JsonObject
                ?? throw new NotebookFormatException($"{sourceName}: the top level is not a JSON object; is this an .ipynb file?");
        }
        catch (JsonException e)
        {
            throw new NotebookFormatException($"{sourceName}: not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}", e);
        }

        var major = root["nbformat"]?.GetValue<int>() ?? throw new NotebookFormatException($"{sourceName}: no \"nbformat\" key; is this an .ipynb file?");
        if (major != 4)
            throw new NotebookFormatException($"{sourceName}: nbformat {major} is not supported; convert it to nbformat 4 (e.g. `jupyter nbconvert --to notebook`).");
        var minor = root["nbformat_minor"]?.GetValue<int>() ?? 0;
        var metadata = root["metadata"] as JsonObject ?? new JsonObject();
        var defaultLanguage = DefaultLanguage(metadata);
        if (root["cells"] is not JsonArray cells)
            throw new NotebookFormatException($"{sourceName}: no \"cells\" array.");

        var other = new JsonObject();
        foreach (var (key, value) in root)
            if (key is not ("cells" or "metadata" or "nbformat" or "nbformat_minor"))
                other[key] = value?.DeepClone();

        return new Notebook
        {
            Cells = [.. cells.Select((cell, index) => ParseCell(cell as JsonObject ?? throw new NotebookFormatException($"{sourceName}: cell {index + 1} is not a JSON object."), defaultLanguage, sourceName, index))],
            Metadata = (JsonObject)metadata.DeepClone(),
            FormatMajor = major,
            FormatMinor = minor,
            OtherTopLevel = other.Count > 0 ? other : null,
        };
    }

    private static string DefaultLanguage(JsonObject metadata)
    {
        var polyglot = metadata["polyglot_notebook"]?["kernelInfo"]?["defaultKernelName"]?.GetValue<string>();
        var kernelspec = metadata["kernelspec"]?["language"]?.GetValue<string>();
        return KernelNames.Canonical(polyglot ?? kernelspec ?? KernelNames.CSharp) ?? polyglot ?? kernelspec ?? KernelNames.CSharp;
    }

    private static NotebookCell ParseCell(JsonObject cell, string defaultLanguage, string sourceName, int index)
    {
        var kind = cell["cell_type"]?.GetValue<string>() switch
        {
            "code" => CellKind.Code,
            "markdown" => CellKind.Markdown,
            "raw" => CellKind.Raw,
            var other => throw new NotebookFormatException($"{sourceName}: cell {index + 1} has cell_type '{other}'; expected code, markdown or raw."),
        };
        var metadata = cell["metadata"] as JsonObject;
        var language = kind == CellKind.Code ? CellLanguage(metadata) ?? defaultLanguage : "markdown";
        return new NotebookCell
        {
            Kind = kind,
            Source = JoinText(cell["source"]),
            Language = language,
            Tags = [.. (metadata?["tags"] as JsonArray ?? []).Select(t => t?.GetValue<string>() ?? string.Empty)],
            Outputs = [.. (cell["outputs"] as JsonArray ?? []).OfType<JsonObject>().Select(ParseOutput)],
            ExecutionCount = cell["execution_count"] is JsonValue count ? count.GetValue<int>() : null,
            Id = cell["id"]?.GetValue<string>(),
            Run = ParseRun(metadata?["runbook"] as JsonObject),
            Original = (JsonObject)cell.DeepClone(),
        };
    }

    private static string? CellLanguage(JsonObject? metadata)
    {
        var name = metadata?["polyglot_notebook"]?["kernelName"]?.GetValue<string>()
            ?? metadata?["dotnet_interactive"]?["language"]?.GetValue<string>();
        return name is null ? null : KernelNames.Canonical(name) ?? name;
    }

    private static CellRunMetadata? ParseRun(JsonObject? run)
    {
        if (run?["started"]?.GetValue<string>() is not { } started)
            return null;
        return new CellRunMetadata(
            DateTimeOffset.Parse(started, CultureInfo.InvariantCulture),
            TimeSpan.FromMilliseconds(run["duration_ms"]?.GetValue<double>() ?? 0),
            Enum.TryParse<CellStatus>(run["status"]?.GetValue<string>()?.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var status) ? status : CellStatus.Ok);
    }

    private static CellOutput ParseOutput(JsonObject output) =>
        output["output_type"]?.GetValue<string>() switch
        {
            "stream" => new StreamOutput(output["name"]?.GetValue<string>() ?? StreamOutput.StandardOutput, JoinText(output["text"])),
            "error" => new ErrorOutput(
                output["ename"]?.GetValue<string>() ?? string.Empty,
                output["evalue"]?.GetValue<string>() ?? string.Empty,
                [.. (output["traceback"] as JsonArray ?? []).Select(t => t?.GetValue<string>() ?? string.Empty)]),
            var type => new DisplayOutput(
                [.. (output["data"] as JsonObject ?? []).Select(kv => ParseMimeData(kv.Key, kv.Value))],
                output["transient"]?["display_id"]?.GetValue<string>(),
                type == "execute_result" ? output["execution_count"]?.GetValue<int>() ?? 0 : null,
                output["metadata"] is JsonObject { Count: > 0 } m ? (JsonObject)m.DeepClone() : null),
        };

    private static MimeData ParseMimeData(string mimeType, JsonNode? value)
    {
        var data = new MimeData(mimeType, string.Empty);
        return data.IsJson ? data with { Value = value?.ToJsonString() ?? "null" } : data with { Value = JoinText(value) };
    }

    // nbformat allows multiline text as one string or as a list of lines; both read the same.
    private static string JoinText(JsonNode? node) => node switch
    {
        null => string.Empty,
        JsonArray lines => string.Concat(lines.Select(l => l?.GetValue<string>())),
        _ => node.GetValue<string>(),
    };

    private static JsonArray SplitLines(string text)
    {
        var lines = new JsonArray();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\n')
                continue;
            lines.Add(text[start..(i + 1)]);
            start = i + 1;
        }
        if (start < text.Length)
            lines.Add(text[start..]);
        return lines;
    }

    public static string Serialize(Notebook notebook)
    {
        var root = new JsonObject
        {
            ["cells"] = new JsonArray([.. notebook.Cells.Select((cell, i) => (JsonNode)SerializeCell(cell, notebook.FormatMinor, i))]),
            ["metadata"] = notebook.Metadata.DeepClone(),
            ["nbformat"] = notebook.FormatMajor,
            ["nbformat_minor"] = notebook.FormatMinor,
        };
        foreach (var (key, value) in notebook.OtherTopLevel ?? [])
            root[key] = value?.DeepClone();
        return root.ToJsonString(s_writeOptions) + "\n";
    }

    private static JsonObject SerializeCell(NotebookCell cell, int formatMinor, int index)
    {
        var json = cell.Original is { } original ? (JsonObject)original.DeepClone() : new JsonObject();
        json["cell_type"] = cell.Kind switch { CellKind.Code => "code", CellKind.Markdown => "markdown", _ => "raw" };
        if (cell.Kind == CellKind.Code)
            json["execution_count"] = cell.ExecutionCount is { } n ? JsonValue.Create(n) : null;
        var id = cell.Id ?? (formatMinor >= 5 ? $"cell-{index + 1}" : null);
        if (id is not null)
            json["id"] = id;
        json["metadata"] = SerializeCellMetadata(cell, json["metadata"] as JsonObject);
        if (cell.Kind == CellKind.Code)
            json["outputs"] = new JsonArray([.. cell.Outputs.Select(o => (JsonNode)SerializeOutput(o))]);
        json["source"] = SplitLines(cell.Source);
        return json;
    }

    private static JsonObject SerializeCellMetadata(NotebookCell cell, JsonObject? existing)
    {
        var metadata = existing ?? new JsonObject();
        if (cell.Kind == CellKind.Code && existing is null)
        {
            // VS Code picks a cell's kernel from here; without it a new cell would fall back to the default kernel.
            metadata["dotnet_interactive"] = new JsonObject { ["language"] = cell.Language };
            metadata["polyglot_notebook"] = new JsonObject { ["kernelName"] = cell.Language };
        }
        if (cell.Tags.IsEmpty)
            metadata.Remove("tags");
        else
            metadata["tags"] = new JsonArray([.. cell.Tags.Select(t => (JsonNode)JsonValue.Create(t))]);
        if (cell.Run is { } run)
            metadata["runbook"] = new JsonObject
            {
                ["started"] = run.Started.ToString("O", CultureInfo.InvariantCulture),
                ["duration_ms"] = Math.Round(run.Duration.TotalMilliseconds, 1),
                ["status"] = StatusName(run.Status),
            };
        else
            metadata.Remove("runbook");
        return metadata;
    }

    public static string StatusName(CellStatus status) => status switch
    {
        CellStatus.TimedOut => "timed-out",
        CellStatus.NotRun => "not-run",
        _ => status.ToString().ToLowerInvariant(),
    };

    private static JsonObject SerializeOutput(CellOutput output) => output switch
    {
        StreamOutput s => new JsonObject { ["name"] = s.Name, ["output_type"] = "stream", ["text"] = SplitLines(s.Text) },
        ErrorOutput e => new JsonObject
        {
            ["ename"] = e.Name,
            ["evalue"] = e.Value,
            ["output_type"] = "error",
            ["traceback"] = new JsonArray([.. e.Traceback.Select(t => (JsonNode)JsonValue.Create(t))]),
        },
        DisplayOutput d => SerializeDisplay(d),
        _ => throw new ArgumentOutOfRangeException(nameof(output), output.GetType().Name, "unknown output type"),
    };

    private static JsonObject SerializeDisplay(DisplayOutput display)
    {
        var data = new JsonObject();
        foreach (var item in display.Data)
            data[item.MimeType] = item.IsJson ? JsonNode.Parse(item.Value) : SplitLines(item.Value);
        var json = new JsonObject { ["data"] = data };
        if (display.ExecutionCount is { } count)
            json["execution_count"] = count;
        json["metadata"] = display.Metadata?.DeepClone() ?? new JsonObject();
        json["output_type"] = display.IsResult ? "execute_result" : "display_data";
        return json;
    }
}
