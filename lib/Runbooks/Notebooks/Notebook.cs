using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace Runbooks.Notebooks;

public enum CellKind
{
    Code,
    Markdown,
    Raw,
}

/// <summary>
/// One cell. <see cref="Original"/> is the cell's JSON as read (never mutated), so that writing the notebook
/// back keeps every key and metadata entry this engine does not know about, in its place.
/// </summary>
public sealed record NotebookCell
{
    public required CellKind Kind { get; init; }

    public required string Source { get; init; }

    /// <summary>The kernel that runs a code cell (<c>csharp</c>, <c>pwsh</c>, …), from cell metadata or a <c>#!kernel</c> first line.</summary>
    public string Language { get; init; } = KernelNames.CSharp;

    public ImmutableArray<string> Tags { get; init; } = [];

    public ImmutableArray<CellOutput> Outputs { get; init; } = [];

    public int? ExecutionCount { get; init; }

    public string? Id { get; init; }

    /// <summary>What the engine records about the cell's run (timing, status), written as <c>metadata.runbook</c>.</summary>
    public CellRunMetadata? Run { get; init; }

    public JsonObject? Original { get; init; }

    public bool HasTag(string tag) => Tags.Contains(tag, StringComparer.Ordinal);

    public static NotebookCell Code(string source, params string[] tags) =>
        new() { Kind = CellKind.Code, Source = source, Tags = [.. tags] };

    public static NotebookCell Markdown(string source) => new() { Kind = CellKind.Markdown, Source = source, Language = "markdown" };
}

public enum CellStatus
{
    Ok,
    Failed,
    TimedOut,
    Skipped,
    NotRun,
}

public sealed record CellRunMetadata(DateTimeOffset Started, TimeSpan Duration, CellStatus Status);

/// <summary>A notebook as read from .ipynb or .dib; immutable: execution returns a new one.</summary>
public sealed record Notebook
{
    public required ImmutableArray<NotebookCell> Cells { get; init; }

    /// <summary>Top-level <c>metadata</c>; kept whole so kernelspec and polyglot_notebook survive.</summary>
    public required JsonObject Metadata { get; init; }

    public int FormatMajor { get; init; } = 4;

    public int FormatMinor { get; init; } = 5;

    /// <summary>Top-level keys other than cells, metadata and the format numbers.</summary>
    public JsonObject? OtherTopLevel { get; init; }

    public Notebook WithCells(IEnumerable<NotebookCell> cells) => this with { Cells = [.. cells] };
}

public static class KernelNames
{
    public const string CSharp = "csharp";

    /// <summary>The value kernel: a cell of text kept under a name (<c>#!value --name NAME</c>), for C# cells to <c>#!share</c>.</summary>
    public const string Value = "value";

    private static readonly Dictionary<string, string> s_aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["csharp"] = CSharp, ["c#"] = CSharp, ["C#"] = CSharp,
        ["fsharp"] = "fsharp", ["f#"] = "fsharp",
        ["pwsh"] = "pwsh", ["powershell"] = "pwsh",
        ["javascript"] = "javascript", ["js"] = "javascript",
        ["markdown"] = "markdown", ["md"] = "markdown",
        ["html"] = "html", ["mermaid"] = "mermaid", ["sql"] = "sql", ["kql"] = "kql",
        ["value"] = "value", ["http"] = "http", ["python"] = "python", ["r"] = "r",
        ["meta"] = "meta",
    };

    /// <summary>The canonical kernel name for a name or alias, or null if it names no kernel.</summary>
    public static string? Canonical(string nameOrAlias) =>
        s_aliases.TryGetValue(nameOrAlias.Trim(), out var name) ? name : null;
}
