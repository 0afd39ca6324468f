using Runbooks.Notebooks;
using Runbooks.Notebooks.Formats;

namespace Runbooks.Tests.Notebooks.Formats;

public class DibTests
{
    [Fact]
    public void Splits_cells_at_kernel_lines_and_keeps_magic_commands_inside_cells()
    {
        var notebook = Dib.Parse("""
            #!meta

            {"kernelInfo":{"defaultKernelName":"csharp","items":[{"aliases":[],"name":"csharp"}]}}

            #!markdown

            # Storage

            #!csharp

            // parameters
            string host = "storage";

            #!csharp

            #!time
            Console.WriteLine(host);

            #!pwsh

            Get-Date
            """, "s.dib");

        Assert.Equal([CellKind.Markdown, CellKind.Code, CellKind.Code, CellKind.Code], notebook.Cells.Select(c => c.Kind));
        Assert.Equal("# Storage", notebook.Cells[0].Source);
        Assert.True(notebook.Cells[1].HasTag("parameters"));
        Assert.Equal("#!time\nConsole.WriteLine(host);", notebook.Cells[2].Source);
        Assert.Equal("pwsh", notebook.Cells[3].Language);
        Assert.Equal(".net-csharp", notebook.Metadata["kernelspec"]!["name"]!.GetValue<string>());
        Assert.Equal("csharp", notebook.Metadata["polyglot_notebook"]!["kernelInfo"]!["defaultKernelName"]!.GetValue<string>());
    }

    [Fact]
    public void Text_before_the_first_kernel_line_is_an_error()
    {
        var error = Assert.Throws<NotebookFormatException>(() => Dib.Parse("var x = 1;\n#!csharp\n1", "bad.dib"));
        Assert.Contains("bad.dib: text before the first '#!kernel' line", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dib_runs_and_is_written_as_a_polyglot_ipynb()
    {
        using var folder = new TempFolder();
        var path = folder.File("n.dib", "#!markdown\n\n# T\n\n#!csharp\n\nConsole.WriteLine(6 * 7);\n");
        var result = await new Runbooks.Notebooks.Execution.NotebookExecutor(new()).ExecuteAsync(NotebookFile.Read(path), folder.Path);

        var written = Ipynb.Serialize(result.Executed);
        var reread = Ipynb.Parse(written, "n.ipynb");
        Assert.Equal("42\n", Assert.IsType<StreamOutput>(reread.Cells[1].Outputs.Single()).Text);
        Assert.Equal("csharp", reread.Cells[1].Language);
        Assert.Contains("\"polyglot_notebook\"", written, StringComparison.Ordinal);
    }
}
