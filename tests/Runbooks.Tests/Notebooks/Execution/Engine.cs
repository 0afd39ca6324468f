using Runbooks.Notebooks;
using Runbooks.Notebooks.Execution;
using Runbooks.Notebooks.Formats;

namespace Runbooks.Tests.Notebooks.Execution;

/// <summary>Runs notebooks through the real engine: a real kernel process, real Roslyn.</summary>
internal static class Engine
{
    public static Notebook Dib(string text) => Runbooks.Notebooks.Formats.Dib.Parse(text, "test.dib");

    /// <summary>A notebook of C# cells, one per argument.</summary>
    public static Notebook Cells(params string[] sources) => new()
    {
        Cells = [.. sources.Select(s => NotebookCell.Code(s))],
        Metadata = Runbooks.Notebooks.Formats.Dib.PolyglotMetadata(),
    };

    public static Task<NotebookRunResult> RunAsync(Notebook notebook, string? folder = null, ExecutionOptions? options = null) =>
        new NotebookExecutor(options ?? new ExecutionOptions { CellTimeout = TimeSpan.FromSeconds(60) })
            .ExecuteAsync(notebook, folder ?? Path.GetTempPath());

    public static string AllText(this NotebookCell cell) => string.Concat(cell.Outputs.Select(o => o switch
    {
        StreamOutput s => s.Text,
        DisplayOutput d => string.Concat(d.Data.Select(x => x.Value)),
        ErrorOutput e => e.Name + ": " + e.Value + "\n" + string.Join("\n", e.Traceback),
        _ => string.Empty,
    }));

    public static string Stdout(this NotebookCell cell) => string.Concat(cell.Outputs.OfType<StreamOutput>().Where(s => s.Name == "stdout").Select(s => s.Text));

    public static NotebookCell CodeCell(this NotebookRunResult result, int codeIndex) =>
        result.Executed.Cells.Where(c => c.Kind == CellKind.Code).ElementAt(codeIndex);

    public static string Serialized(this NotebookRunResult result) => Ipynb.Serialize(result.Executed);
}
