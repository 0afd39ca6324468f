using Runbooks.Notebooks;
using Runbooks.Notebooks.Formats;

namespace Runbooks.Tests.Notebooks.Execution;

/// <summary>Notebooks written in VS Code by people who never heard of this engine run unchanged.</summary>
public class ForeignNotebookTests
{
    private static string Fixture => Path.Combine(AppContext.BaseDirectory, "Notebooks", "Data", "vscode-polyglot.ipynb");

    [Fact]
    public async Task A_vscode_polyglot_notebook_runs_unchanged_and_its_stale_outputs_are_replaced()
    {
        var result = await Engine.RunAsync(NotebookFile.Read(Fixture));

        Assert.True(result.Succeeded, result.FirstFailure?.Error);
        var text = result.Serialized();
        Assert.DoesNotContain("stale output from VS Code", text, StringComparison.Ordinal);
        var second = result.CodeCell(1).Outputs.Cast<DisplayOutput>().ToList();
        Assert.Equal("<b>data0</b> 2.8 GiB", second[0].Text("text/html"));
        Assert.Equal("<hr/>", second[1].Text("text/html"));
        Assert.Equal("10.8 GiB", second[2].Text("text/plain"));
        var third = result.CodeCell(2);
        Assert.Contains("total 10.8 GiB\n", third.Stdout(), StringComparison.Ordinal);
        Assert.Contains("Wall time:", third.Stdout(), StringComparison.Ordinal);
        Assert.Equal("step 3/3", third.Outputs.OfType<DisplayOutput>().Single().Text("text/plain"));
        Assert.Contains("\"languageId\": \"polyglot-notebook\"", text, StringComparison.Ordinal);
    }
}
