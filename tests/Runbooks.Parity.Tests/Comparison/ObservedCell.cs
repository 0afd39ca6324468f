using Runbooks.Notebooks;

namespace Runbooks.Tests.Parity.Comparison;

public enum OutputKind
{
    Stdout,
    Stderr,
    Display,
    Result,
}

/// <summary>One output of a cell as either kernel produced it; a display's data changes when a later update replaces it.</summary>
public sealed class ObservedOutput(OutputKind kind, IReadOnlyList<(string MimeType, string Value)> data)
{
    public OutputKind Kind { get; } = kind;

    public IReadOnlyList<(string MimeType, string Value)> Data { get; set; } = data;

    public IEnumerable<string> MimeTypes => Data.Select(d => d.MimeType);

    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()} [{string.Join(", ", MimeTypes)}]";
}

/// <summary>How a cell ended in one kernel and what it showed, in the shape both kernels can be read into.</summary>
public sealed record ObservedCell(bool Succeeded, string? Error, IReadOnlyList<ObservedOutput> Outputs)
{
    /// <summary>The cell's tag that says its text shows live state of a machine (listeners, uptime), which two runs need not share.</summary>
    public const string LiveOutputTag = "live-output";

    /// <summary>Tagged <see cref="LiveOutputTag"/>: text differences are listed, not failed; kinds and MIME types still count.</summary>
    public bool LiveOutput { get; init; }

    /// <summary>Display updates the real kernel sent under an id no display of the run had.</summary>
    public IReadOnlyList<IReadOnlyList<(string MimeType, string Value)>> StrayUpdates { get; init; } = [];

    /// <summary>The cell as the engine's executed copy records it; null for a cell it did not run (not run, skipped).</summary>
    public static ObservedCell? FromExecuted(NotebookCell cell)
    {
        if (cell.Run is not { } run || run.Status is CellStatus.NotRun or CellStatus.Skipped)
            return null;
        var outputs = cell.Outputs.Select(o => o switch
        {
            StreamOutput { Name: StreamOutput.StandardError } s => new ObservedOutput(OutputKind.Stderr, [("text/plain", s.Text)]),
            StreamOutput s => new ObservedOutput(OutputKind.Stdout, [("text/plain", s.Text)]),
            DisplayOutput d => new ObservedOutput(d.IsResult ? OutputKind.Result : OutputKind.Display, [.. d.Data.Select(m => (m.MimeType, m.Value))]),
            _ => null,
        }).OfType<ObservedOutput>().ToList();
        var error = cell.Outputs.OfType<ErrorOutput>().Select(e => $"{e.Name}: {e.Value}").FirstOrDefault();
        return new ObservedCell(run.Status == CellStatus.Ok, error, outputs) { LiveOutput = cell.HasTag(LiveOutputTag) };
    }
}
