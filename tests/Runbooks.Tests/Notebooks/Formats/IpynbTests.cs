using System.Text.Json.Nodes;
using Runbooks.Notebooks;
using Runbooks.Notebooks.Formats;

namespace Runbooks.Tests.Notebooks.Formats;

public class IpynbTests
{
    // As VS Code's Polyglot Notebooks writes it, plus keys this engine has never heard of.
    private const string Polyglot = """
        {
         "cells": [
          {
           "cell_type": "markdown",
           "metadata": { "custom": { "keep": true } },
           "source": [ "# Title\n", "text" ]
          },
          {
           "cell_type": "code",
           "execution_count": null,
           "metadata": {
            "dotnet_interactive": { "language": "csharp" },
            "polyglot_notebook": { "kernelName": "csharp" },
            "tags": [ "parameters" ],
            "vscode": { "languageId": "polyglot-notebook" }
           },
           "outputs": [],
           "source": "var host = \"client\";"
          },
          {
           "cell_type": "code",
           "execution_count": 3,
           "metadata": { "polyglot_notebook": { "kernelName": "pwsh" } },
           "outputs": [
            { "data": { "application/json": { "a": [1, 2] }, "text/plain": [ "line1\n", "line2" ] }, "execution_count": 3, "metadata": {}, "output_type": "execute_result" },
            { "ename": "E", "evalue": "v", "output_type": "error", "traceback": [ "t1", "t2" ] },
            { "name": "stderr", "output_type": "stream", "text": "warn\n" }
           ],
           "source": [ "Get-Date" ]
          }
         ],
         "metadata": {
          "kernelspec": { "display_name": ".NET (C#)", "language": "C#", "name": ".net-csharp" },
          "language_info": { "name": "polyglot-notebook" },
          "polyglot_notebook": { "kernelInfo": { "defaultKernelName": "csharp", "items": [ { "aliases": [], "name": "csharp" } ] } },
          "zzz_unknown": 1
         },
         "nbformat": 4,
         "nbformat_minor": 2,
         "extra_top_level": "kept"
        }
        """;

    [Fact]
    public void Reads_cells_languages_tags_and_outputs()
    {
        var notebook = Ipynb.Parse(Polyglot, "p.ipynb");

        Assert.Equal([CellKind.Markdown, CellKind.Code, CellKind.Code], notebook.Cells.Select(c => c.Kind));
        Assert.Equal("# Title\ntext", notebook.Cells[0].Source);
        Assert.True(notebook.Cells[1].HasTag("parameters"));
        Assert.Equal("csharp", notebook.Cells[1].Language);
        Assert.Equal("pwsh", notebook.Cells[2].Language);
        var result = Assert.IsType<DisplayOutput>(notebook.Cells[2].Outputs[0]);
        Assert.Equal("line1\nline2", result.Text("text/plain"));
        Assert.Equal("""{"a":[1,2]}""", result.Text("application/json"));
        Assert.Equal(["t1", "t2"], Assert.IsType<ErrorOutput>(notebook.Cells[2].Outputs[1]).Traceback.ToArray());
    }

    [Fact]
    public void Writing_keeps_unknown_metadata_and_key_order()
    {
        var written = JsonNode.Parse(Ipynb.Serialize(Ipynb.Parse(Polyglot, "p.ipynb")))!;

        Assert.True(written["cells"]![0]!["metadata"]!["custom"]!["keep"]!.GetValue<bool>());
        Assert.Equal("polyglot-notebook", written["cells"]![1]!["metadata"]!["vscode"]!["languageId"]!.GetValue<string>());
        Assert.Equal(1, written["metadata"]!["zzz_unknown"]!.GetValue<int>());
        Assert.Equal("kept", written["extra_top_level"]!.GetValue<string>());
        Assert.Equal(["dotnet_interactive", "polyglot_notebook", "tags", "vscode"], written["cells"]![1]!["metadata"]!.AsObject().Select(kv => kv.Key));
        Assert.Equal(".net-csharp", written["metadata"]!["kernelspec"]!["name"]!.GetValue<string>());
        Assert.Equal(2, written["nbformat_minor"]!.GetValue<int>());
    }

    [Fact]
    public void An_executed_notebook_round_trips_through_the_reader_unchanged()
    {
        var once = Ipynb.Serialize(Ipynb.Parse(Polyglot, "p.ipynb") with { });
        var notebook = Ipynb.Parse(once, "once.ipynb");
        notebook = notebook.WithCells(notebook.Cells.SetItem(1, notebook.Cells[1] with
        {
            Outputs = [new StreamOutput("stdout", "a\nb\n"), new DisplayOutput([new MimeData("text/html", "<b>x</b>"), new MimeData("text/plain", "x")])],
            ExecutionCount = 1,
            Run = new CellRunMetadata(DateTimeOffset.Parse("2026-11-22T01:02:03.4560000+00:00", System.Globalization.CultureInfo.InvariantCulture), TimeSpan.FromMilliseconds(12.5), CellStatus.Ok),
        }));
        var executed = Ipynb.Serialize(notebook);

        var again = Ipynb.Serialize(Ipynb.Parse(executed, "executed.ipynb"));

        Assert.Equal(executed, again);
        Assert.Equal(notebook.Cells[1].Run, Ipynb.Parse(executed, "x").Cells[1].Run);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[]", "not a JSON object")]
    [InlineData("{\"cells\": []}", "no \"nbformat\"")]
    [InlineData("{\"nbformat\": 3, \"cells\": []}", "nbformat 3 is not supported")]
    [InlineData("{\"nbformat\": 4, \"nbformat_minor\": 2, \"metadata\": {}, \"cells\": [{\"cell_type\": \"heading\", \"source\": \"\"}]}", "cell 1 has cell_type 'heading'")]
    public void Malformed_files_get_an_error_naming_the_file_and_the_problem(string json, string expected)
    {
        var error = Assert.Throws<NotebookFormatException>(() => Ipynb.Parse(json, "broken.ipynb"));
        Assert.StartsWith("broken.ipynb: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_and_unknown_files_are_reported_by_path()
    {
        using var folder = new TempFolder();
        Assert.Contains("no such notebook file", Assert.Throws<NotebookFormatException>(() => NotebookFile.Read(folder.Combine("nope.ipynb"))).Message, StringComparison.Ordinal);
        var text = folder.File("notes.txt", "x");
        Assert.Contains("'.txt' is not a notebook format", Assert.Throws<NotebookFormatException>(() => NotebookFile.Read(text)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Written_notebooks_are_valid_nbformat_4_by_jupyters_own_validator()
    {
        using var folder = new TempFolder();
        // nbformat's schema allows no extra top-level keys; everything else in the sample is schema-valid.
        var notebook = Ipynb.Parse(Polyglot, "p.ipynb") with { OtherTopLevel = null };
        var path = folder.Combine("out.ipynb");
        NotebookFile.WriteIpynb(notebook with { FormatMinor = 5 }, path);

        var validation = Runbooks.Tests.Processes.Run("/usr/bin/python3", "-c", "import nbformat,sys; nbformat.validate(nbformat.read(sys.argv[1], as_version=4)); print('valid')", path);

        Assert.True(validation.ExitCode == 0, validation.Output);
        Assert.Contains("valid", validation.Output, StringComparison.Ordinal);
    }
}
